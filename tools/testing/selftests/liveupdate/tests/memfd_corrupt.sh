#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_corrupt: a memfd whose handover data was made malformed
# on purpose (LIVEUPDATE_TEST's memfd_luo/corrupt knob) is refused with a
# log line, and the kernel goes on: in stage 2 a record whose index goes
# back, found after RETRIEVE_FD (every page gives EIO or SIGBUS, and the
# memory stays reserved for the next kexec), in stage 3 a folio count that
# wraps around when multiplied by the record size, in stage 4 a count of
# 2^33 folios, more than the machine has pages (both EINVAL), in stage 5
# a record naming a page not preserved: pages back before it keep working,
# the rest give EIO.
exec /lu/bin/luo_kexec memfd_corrupt "$1"
