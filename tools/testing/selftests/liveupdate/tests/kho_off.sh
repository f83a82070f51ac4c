#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# With kho=off nothing is handed over and kexec still works: no outgoing
# state, preservation refused, and the next kernel sees no handover.
. /lu/lib.sh

case $1 in
1)
	grep -q 'kho=off' /proc/cmdline || fail "boot with kho=off"
	[ ! -d /sys/kernel/debug/kho/out ] || fail "KHO is on despite kho=off"
	if echo 1 > /sys/kernel/debug/kho_test/preserve 2>/dev/null; then
		fail "preserving succeeded with KHO off"
	fi
	exit $LU_NEXT_STAGE
	;;
2)
	[ ! -d /sys/kernel/debug/kho/in ] || fail "a handover arrived with KHO off"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
