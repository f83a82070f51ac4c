#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kexec handover across a real kexec: folios of orders 0-5 and 9, a page range,
# a vmalloc area and a blob of their checksums, preserved by the test driver in stage 1,
# come back intact in stage 2, each exactly once, and their memory is
# accounted as ordinary memory again (MemTotal grows by exactly its size).
# In both kernels the scratch areas count as CMA memory (CmaTotal).
. /lu/lib.sh

KHO=/sys/kernel/debug/kho
TEST=/sys/kernel/debug/kho_test

meminfo_kb() { sed -n "s/^$1: *\\([0-9]*\\) kB/\\1/p" /proc/meminfo; }
mem_total_kb() { meminfo_kb MemTotal; }

# The scratch areas are movable-only pageblocks: CmaTotal counts them.
check_cma() {
	local kb=0 addr size

	while read -r addr size; do
		kb=$((kb + size / 1024))
	done < $KHO/out/scratch
	[ "$(meminfo_kb CmaTotal)" = $kb ] ||
		fail "CmaTotal is $(meminfo_kb CmaTotal) kB, the scratch areas $kb kB"
	[ "$(meminfo_kb CmaFree)" -le $kb ] || fail "more CMA memory free than there is"
}

case $1 in
1)
	[ -d $KHO/out ] || fail "KHO is not enabled (no $KHO/out)"
	grep -q . $KHO/out/scratch || fail "no scratch areas"
	check_cma
	echo 1234567 > $TEST/preserve || fail "the test driver could not preserve"
	grep -q '^order 5: [4-9]$' $KHO/out/preserved || fail "order-5 folios not tracked: $(cat $KHO/out/preserved)"
	say "preserved: $(tr '\n' ' ' < $KHO/out/preserved)"
	exit $LU_NEXT_STAGE
	;;
2)
	[ -d $KHO/in ] || fail "no incoming handover ($KHO/in missing)"
	dmesg | grep -q 'KHO: handover from the previous kernel' || fail "no handover log line"
	check_cma
	before=$(mem_total_kb)
	res=$(cat $TEST/verify)
	case $res in
	pass*) ;;
	*) fail "verify: $res" ;;
	esac
	after=$(mem_total_kb)
	# 4 folios of each order 0-5 (252 pages), 37 pages, 16 order-9 folios
	# (8192 pages), the one-page blob, and the 75-page vmalloc area with
	# its one page of chunk list became ordinary memory again.
	want=$(((252 + 37 + 8192 + 1 + 75 + 1) * 4))
	[ $((after - before)) -eq $want ] ||
		fail "MemTotal grew by $((after - before)) kB, not by $want kB"
	say "restored and verified: $res"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
