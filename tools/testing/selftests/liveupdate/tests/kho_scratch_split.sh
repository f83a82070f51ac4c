#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Scratch set aside in pieces: booted with kho_debug_fail=scratch, no
# scratch request finds a free range of its size (as after a refused
# handover, whose new kernel and initrd sit in the middle of the old
# scratch), so each is set aside in two halves.  KHO works on them: the
# test driver's memory comes back intact in the next kernel, which
# inherits the same areas.
. /lu/lib.sh

KHO=/sys/kernel/debug/kho
TEST=/sys/kernel/debug/kho_test

areas() { grep -c . $KHO/out/scratch; }

case $1 in
1)
	[ -d $KHO/out ] || fail "KHO is not enabled (no $KHO/out)"
	n=$(areas)
	[ "$n" -ge 2 ] || fail "$n scratch areas: the request was not split"
	dmesg | grep -q 'cannot set' && fail "a scratch area was not set aside"
	cp $KHO/out/scratch /tmp/scratch
	echo 4242 > $TEST/preserve || fail "the test driver could not preserve"
	say "$n scratch areas: $(tr '\n' ' ' < $KHO/out/scratch)"
	exit $LU_NEXT_STAGE
	;;
2)
	[ -d $KHO/in ] || fail "no incoming handover ($KHO/in missing)"
	dmesg | grep -q "KHO: handover from the previous kernel: $(areas) scratch areas" ||
		fail "the handover did not carry the $(areas) areas"
	[ "$(areas)" -ge 2 ] || fail "the split areas were not inherited"
	res=$(cat $TEST/verify)
	case $res in
	pass*) ;;
	*) fail "verify: $res" ;;
	esac
	say "$(areas) scratch areas inherited; restored and verified: $res"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
