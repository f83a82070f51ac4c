#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_unretrieved: 256 MiB memfds never retrieved: FINISH gives
# one's memory back at once (MemTotal, MemFree); the other, left alone, is
# free memory in the kernel after the next kexec.
exec /lu/bin/luo_kexec memfd_unretrieved "$1"
