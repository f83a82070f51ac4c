#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_bench (make bench): preserving and retrieving a populated
# 1 GiB memfd against writing it once; stage 3 follows a kexec that carries
# nothing, so the host can compare the two transitions.
exec /lu/bin/luo_kexec memfd_bench "$1"
