#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Three kernels.  Stage 1 preserves memory; stage 2 restores and checks all
# of it, preserves half of it again and frees the other half; stage 3
# checks the half that was carried and that the freed half is ordinary free
# memory there: MemTotal before any restore is larger than in stage 2 by
# what stage 2 freed, within 2 MiB, and grows by exactly the carried size
# once that is restored.
. /lu/lib.sh

T=/sys/kernel/debug/kho_test
# Freed by stage 2: 2 folios of each order 0-5, 8 order-9 folios, the
# stage-1 blob and the 75-page vmalloc area with its chunk list page.
# Carried: the same folios plus the 37-page range and the stage-2 blob.
FREED_KB=$(((126 + 4096 + 1 + 75 + 1) * 4))
CARRIED_KB=$(((126 + 37 + 4096 + 1) * 4))

mem_total_kb() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
arg() { sed -n "s/^\(.* \)\{0,1\}$1=\([^ ]*\).*/\2/p" /proc/cmdline; }

case $1 in
1)
	echo 7 > $T/preserve || fail "preserve failed"
	exit $LU_NEXT_STAGE
	;;
2)
	mt=$(mem_total_kb)
	echo 1 > $T/carry || fail "carry failed: $(dmesg | grep 'kho_test: carry' | tail -n 1)"
	res=$(cat $T/verify)
	say "stage 2: $res"
	lu_kexec --append "lu_memtotal=$mt"
	fail "kexec into stage 3 failed"
	;;
3)
	mt2=$(arg lu_memtotal)
	[ -n "$mt2" ] || fail "no lu_memtotal from stage 2"
	mt3=$(mem_total_kb)
	delta=$((mt3 - mt2))
	[ $delta -ge $((FREED_KB - 2048)) ] && [ $delta -le $((FREED_KB + 2048)) ] ||
		fail "MemTotal differs by $delta kB from stage 2, not by about $FREED_KB kB"
	res=$(cat $T/verify)
	case $res in
	pass*) ;;
	*) fail "verify: $res" ;;
	esac
	grown=$(($(mem_total_kb) - mt3))
	[ $grown -eq $CARRIED_KB ] ||
		fail "restoring grew MemTotal by $grown kB, not $CARRIED_KB kB"
	say "stage 3: $res; freed memory is back ($delta kB)"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
