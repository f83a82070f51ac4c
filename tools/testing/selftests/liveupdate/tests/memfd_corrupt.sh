#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_corrupt: a memfd whose handover data was made malformed
# on purpose (LIVEUPDATE_TEST's memfd_luo/corrupt knob) is refused with
# EINVAL and a log line, its memory freed, and the kernel goes on.
exec /lu/bin/luo_kexec memfd_corrupt "$1"
