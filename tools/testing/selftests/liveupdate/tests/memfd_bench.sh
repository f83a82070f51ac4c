#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_bench (make bench): preserving and retrieving a populated
# 1 GiB memfd against writing it once.  Twenty kernels: after a plain kexec,
# nine rounds of a kexec carrying the memfd (even stage to odd) and one
# carrying nothing (odd to even), all starting from a kernel that kexec
# started, so the host compares like with like.
exec /lu/bin/luo_kexec memfd_bench "$1"
