#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_corrupt: a memfd whose handover data was made malformed
# on purpose (LIVEUPDATE_TEST's memfd_luo/corrupt knob) is refused with
# EINVAL and a log line, and the kernel goes on: in stage 2 a record whose
# index goes back (the memfd's memory is freed), in stage 3 a folio count
# that wraps around when multiplied by the record size, in stage 4 a count
# of 2^33 folios, more than the machine has pages.
exec /lu/bin/luo_kexec memfd_corrupt "$1"
