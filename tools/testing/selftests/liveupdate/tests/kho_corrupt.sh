#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A handover broken on purpose (map, through the KEXEC_HANDOVER_DEBUG
# knob) is refused by the next kernel with a log line, and that kernel
# boots and runs without it.
. /lu/lib.sh

case $1 in
1)
	echo 99 > /sys/kernel/debug/kho_test/preserve || fail "preserve failed"
	echo map > /sys/kernel/debug/kho/out/corrupt || fail "cannot corrupt the handover"
	exit $LU_NEXT_STAGE
	;;
2)
	dmesg | grep -q 'KHO: preserved memory map is malformed' ||
		fail "no log line refusing the handover"
	[ ! -d /sys/kernel/debug/kho/in ] || fail "the broken handover was taken up"
	case $(cat /sys/kernel/debug/kho_test/verify) in
	FAIL*) ;;
	*) fail "something was restored from a refused handover" ;;
	esac
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
