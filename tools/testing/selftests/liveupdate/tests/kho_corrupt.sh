#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A handover broken on purpose (KEXEC_HANDOVER_DEBUG) is refused by the next
# kernel with a log line, nothing is restorable, and that kernel boots, runs
# and hands over again.  One kernel after the other, each breaks its own
# handover another way and the next checks the refusal:
#   stage 1 -> 2  map:      the preserved-memory map points outside RAM
#   stage 2 -> 3  fdt:      the root FDT has no header
#   stage 3 -> 4  overlap:  an order-1 block over a preserved order-0 page
#   stage 4 -> 5  repeat:   a bitmap chunk listed twice in the directory
#   stage 5 -> 6  cycle:    the directory chain loops (the work is bounded
#                           by the pages of RAM)
#   stage 6 -> 7  kho_debug_fail=reserve: reserving the preserved memory
#                           fails as memblock would (no room)
#   stage 7 -> 8  kho_debug_fail=populate: reserving the root FDT fails
. /lu/lib.sh

KHO=/sys/kernel/debug/kho
TEST=/sys/kernel/debug/kho_test

# refused LOG-LINE: this kernel refused the handover, saying LOG-LINE, and
# nothing of it can be restored.
refused() {
	dmesg | grep -q "KHO: $1" || fail "stage $stage: no log line '$1'"
	[ ! -d $KHO/in ] || fail "stage $stage: the broken handover was taken up"
	case $(cat $TEST/verify) in
	FAIL*) ;;
	*) fail "stage $stage: something was restored from a refused handover" ;;
	esac
}

# break HOW: preserve the test driver's memory and break this handover.
break_with() {
	echo $((100 + stage)) > $TEST/preserve || fail "stage $stage: preserve failed"
	echo "$1" > $KHO/out/corrupt || fail "stage $stage: cannot break the handover ($1)"
	exit $LU_NEXT_STAGE
}

# boot_with ARG: preserve, and kexec with ARG on the next command line.
boot_with() {
	echo $((100 + stage)) > $TEST/preserve || fail "stage $stage: preserve failed"
	lu_kexec --append "$1"
	fail "stage $stage: kexec failed"
}

stage=$1
case $stage in
1) break_with map ;;
2) refused 'preserved memory map is malformed'; break_with fdt ;;
3) refused 'malformed handover from the previous kernel'; break_with overlap ;;
4) refused 'preserved memory map is malformed (-22)'; break_with repeat ;;
5) refused 'preserved memory map is malformed (-22)'; break_with cycle ;;
6) refused 'preserved memory map is malformed (-40)'; boot_with kho_debug_fail=reserve ;;
7) refused 'cannot reserve the preserved memory'; boot_with kho_debug_fail=populate ;;
8)
	refused 'cannot reserve the handover'
	echo 108 > $TEST/preserve || fail "no preserving after the refusals"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
