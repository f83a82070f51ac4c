#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_unretrieved: a 256 MiB memfd never retrieved: FINISH gives
# its memory back (MemFree).
exec /lu/bin/luo_kexec memfd_unretrieved "$1"
