#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# With liveupdate=off there is no /dev/liveupdate, no test file type, and
# a kexec still works and hands no sessions over.
. /lu/lib.sh

case $1 in
1)
	grep -q 'liveupdate=off' /proc/cmdline || fail "boot with liveupdate=off"
	[ ! -e /dev/liveupdate ] || fail "/dev/liveupdate exists with liveupdate=off"
	[ ! -e /dev/liveupdate_test0 ] || fail "the test file type registered with LUO off"
	exit $LU_NEXT_STAGE
	;;
2)
	[ ! -e /dev/liveupdate ] || fail "/dev/liveupdate exists with liveupdate=off"
	! dmesg | grep -q 'liveupdate: live update' || fail "a live update was taken up"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
