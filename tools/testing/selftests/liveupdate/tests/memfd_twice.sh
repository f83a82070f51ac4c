#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_twice: one memfd through two live updates: busy until
# finished, then preserved again with new data.
exec /lu/bin/luo_kexec memfd_twice "$1"
