#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live update demo behind "make run": what is preserved, the kexec, and
# what came back.  So far the series has kexec handover (KHO), so the demo
# preserves memory through the KHO test driver: folios of several orders, a
# page range and a blob of their checksums.
. /lu/lib.sh

T=/sys/kernel/debug/kho_test
total_kb() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

case $1 in
1)
	say "kernel $(uname -r) up; this is the old kernel"
	say "KHO scratch areas (next kernel boots in these): $(tr '\n' ' ' < /sys/kernel/debug/kho/out/scratch)"
	echo 2026 > $T/preserve || fail "preserving memory failed"
	say "preserved with KHO, blocks by order: $(tr '\n' ' ' < /sys/kernel/debug/kho/out/preserved)"
	say "loading the same kernel with kexec_file_load() and rebooting into it"
	exit $LU_NEXT_STAGE
	;;
2)
	say "new kernel $(uname -r) running userspace after $(cut -d' ' -f1 /proc/uptime)s of uptime"
	say "$(dmesg | sed -n 's/.*\(KHO: handover from the previous kernel.*\)/\1/p')"
	say "$(dmesg | sed -n 's/.*\(KHO: [0-9]* preserved blocks reserved.*\)/\1/p')"
	before=$(total_kb)
	res=$(cat $T/verify)
	case $res in
	pass*) ;;
	*) fail "restore: $res" ;;
	esac
	say "came back: $res"
	say "restored memory is ordinary memory again: MemTotal +$(($(total_kb) - before)) kB"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
