#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd: memfds of 0 bytes, one page (position, seals), 64 MiB
# sparse (holes stay holes, writes after preserve into pages and holes
# carried, EPERM on resize while preserved, mmap) and 256 MiB survive a
# kexec with every byte checked.
exec /lu/bin/luo_kexec memfd "$1"
