#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Scratch falls back to a smaller share rather than turning KHO off: booted
# with kho_debug_fail=scale, no share of the early reservations but the
# last (150%) has room.  The kernel logs each step down, KHO and LUO come
# up, and the areas it set aside carry the test driver's memory across a
# kexec, whose kernel inherits them.
. /lu/lib.sh

KHO=/sys/kernel/debug/kho
TEST=/sys/kernel/debug/kho_test

case $1 in
1)
	[ -d $KHO/out ] || fail "KHO is off: $(dmesg | grep 'KHO:' | tail -n 2 | tr '\n' ' ')"
	[ -c /dev/liveupdate ] || fail "LUO is off (no /dev/liveupdate)"
	for step in "200% of the early reservations, trying 175%" \
		    "175% of the early reservations, trying 154%" \
		    "154% of the early reservations, trying 150%"; do
		dmesg | grep -q "KHO: no room for scratch at $step" ||
			fail "no fallback logged from $step"
	done
	dmesg | grep -qE 'KHO: no room .* trying ([0-9]{1,2}|1[0-4][0-9])%' &&
		fail "the fallback went below 150%"
	dmesg | grep -q 'KHO disabled' && fail "KHO was disabled"
	[ "$(grep -c . $KHO/out/scratch)" -ge 1 ] || fail "no scratch area"
	cp $KHO/out/scratch /tmp/scratch
	echo 4242 > $TEST/preserve || fail "the test driver could not preserve"
	say "fell back to 150%: $(tr '\n' ' ' < $KHO/out/scratch)"
	exit $LU_NEXT_STAGE
	;;
2)
	[ -d $KHO/in ] || fail "no incoming handover ($KHO/in missing)"
	cmp -s $KHO/out/scratch /tmp/scratch 2>/dev/null ||
		say "scratch now: $(tr '\n' ' ' < $KHO/out/scratch)"
	res=$(cat $TEST/verify)
	case $res in
	pass*) ;;
	*) fail "verify: $res" ;;
	esac
	say "restored and verified: $res"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
