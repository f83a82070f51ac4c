#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd: memfds of 0 bytes, one page (position, seals; seals and
# mode changed after the preserve are carried), 64 MiB sparse (holes stay
# holes, writes after preserve into pages and holes carried, also after a
# reboot that failed, EPERM on resize while preserved, mmap), 8 MiB
# fallocated (unwritten pages read as zeroes) and 1 GiB survive a kexec
# with every byte checked.  The 1 GiB memfd is retrieved in memory cgroups:
# without room, ENOMEM and nothing charged, and it stays with LUO; another
# process with room retrieves it and is charged for all of it.
exec /lu/bin/luo_kexec memfd "$1"
