#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A handover broken on purpose through the KEXEC_HANDOVER_DEBUG knob is
# refused by the next kernel with a log line, and that kernel boots and
# runs without it.  lu_corrupt= on the command line picks what to break:
# "map" (the preserved-memory map points outside RAM) or "fdt" (the root
# FDT header).
. /lu/lib.sh

mode=$(sed -n 's/^\(.* \)\{0,1\}lu_corrupt=\([^ ]*\).*/\2/p' /proc/cmdline)
case $mode in
map) refusal='KHO: preserved memory map is malformed' ;;
fdt) refusal='KHO: malformed handover from the previous kernel' ;;
*) fail "boot with lu_corrupt=map or lu_corrupt=fdt" ;;
esac

case $1 in
1)
	echo 99 > /sys/kernel/debug/kho_test/preserve || fail "preserve failed"
	echo "$mode" > /sys/kernel/debug/kho/out/corrupt || fail "cannot corrupt the handover"
	exit $LU_NEXT_STAGE
	;;
2)
	dmesg | grep -q "$refusal" || fail "no log line refusing the handover"
	[ ! -d /sys/kernel/debug/kho/in ] || fail "the broken handover was taken up"
	case $(cat /sys/kernel/debug/kho_test/verify) in
	FAIL*) ;;
	*) fail "something was restored from a refused handover" ;;
	esac
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
