#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /dev/liveupdate within one kernel (luo_api, kselftest harness): every
# errno of every ioctl, the size rules, and the life of outgoing sessions.
. /lu/lib.sh

[ -c /dev/liveupdate ] || fail "no /dev/liveupdate (booted without liveupdate=on?)"
[ -c /dev/liveupdate_test0 ] || fail "no /dev/liveupdate_test0 (CONFIG_LIVEUPDATE_TEST)"
ksft /lu/bin/luo_api
