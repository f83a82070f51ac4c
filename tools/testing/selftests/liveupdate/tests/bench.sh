#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks behind "make bench", run on the kernel without debugging
# options.  Figures are ratios within one run, so the speed of the machine
# cancels out; absolute times are printed beside them.
#
# Stage 1 preserves 1 GiB of order-0 folios and 1 GiB of 2 MiB folios with
# the KHO test driver, timing the preservation against writing the same
# memory once (kho_preserve_folios(), and one kho_preserve_folio() call per
# folio as "single"), and measures the tracker's metadata against the bound of
# one bit per page.  Stage 2 reports how long its boot spent reserving the
# preserved memory and times restoring it.  Stage 3 follows a kexec with
# nothing preserved (the host harness measures both transitions) and
# times the device path: IOMMU_IOAS_MAP_FILE of a 1 GiB memfd against
# IOMMU_IOAS_MAP of the same memory, and a HWPT replace.
. /lu/lib.sh

T=/sys/kernel/debug/kho_test
meta() { sed -n 's/^metadata pages: //p' /sys/kernel/debug/kho/out/preserved; }
arg() { sed -n "s/^\(.* \)\{0,1\}$1=\([^ ]*\).*/\2/p" /proc/cmdline; }

case $1 in
1)
	m0=$(meta)
	echo "0 1024" > $T/bench || fail "preserving 1 GiB of order-0 folios failed"
	m1=$(meta)
	echo "9 1024" > $T/bench || fail "preserving 1 GiB of 2 MiB folios failed"
	cat $T/bench
	awk '$1 == "order" {
		printf "BENCH kho_preserve_1g_%s_ratio %.4f ratio\n", $2 ? "2m" : "order0", $8 / $6
		printf "BENCH kho_preserve_1g_%s_ms %.1f ms\n", $2 ? "2m" : "order0", $8 / 1e6
		printf "BENCH kho_preserve_1g_%s_single_ratio %.4f ratio\n", $2 ? "2m" : "order0", $10 / $6
		printf "BENCH kho_preserve_1g_%s_reversed_ratio %.4f ratio\n", $2 ? "2m" : "order0", $12 / $6
		printf "BENCH kho_preserve_1g_%s_runs %d runs\n", $2 ? "2m" : "order0", $14
		printf "BENCH kho_write_1g_%s_ms %.1f ms\n", $2 ? "2m" : "order0", $6 / 1e6
	}' $T/bench > /tmp/bench
	# 1 GiB of order-0 pages: the bound is one bit per page, 32 KiB.
	echo "BENCH kho_metadata_vs_bound $(awk -v m=$((m1 - m0)) 'BEGIN { printf "%.3f", m * 4096 / 32768 }') ratio" >> /tmp/bench
	while read -r line; do echo "$line" > "$LU_RES"; done < /tmp/bench
	w0=$(awk '$1 == "order" && $2 == 0 { print $6 }' $T/bench)
	w9=$(awk '$1 == "order" && $2 == 9 { print $6 }' $T/bench)
	lu_kexec --append "lu_write0=$w0 lu_write9=$w9"
	fail "kexec into stage 2 failed"
	;;
2)
	us=$(dmesg | sed -n 's/.*KHO: [0-9]* preserved blocks reserved in \([0-9]*\) us.*/\1/p')
	[ -n "$us" ] || fail "no reservation time in the log"
	# 0 us for 2 GiB: the boot's clock was not running yet (under TCG
	# the early TSC calibration sometimes fails); no figure then.
	if [ "$us" -gt 0 ]; then
		bench kho_boot_reserve_2g_ms "$(awk -v u=$us 'BEGIN { printf "%.1f", u / 1000 }')" ms
	else
		say "kho_boot_reserve_2g_ms not measured: the reservation ran before this boot's clock started"
	fi
	cat $T/bench_restore
	grep -q 'failed 0$' $T/bench_restore || fail "some folios could not be restored"
	awk -v w0="$(arg lu_write0)" -v w9="$(arg lu_write9)" '$1 == "order" {
		w = $2 ? w9 : w0
		printf "BENCH kho_restore_1g_%s_ratio %.4f ratio\n", $2 ? "2m" : "order0", $6 / w
		printf "BENCH kho_restore_1g_%s_ms %.1f ms\n", $2 ? "2m" : "order0", $6 / 1e6
	}' $T/bench_restore > /tmp/bench
	while read -r line; do echo "$line" > "$LU_RES"; done < /tmp/bench
	exit $LU_NEXT_STAGE
	;;
3)
	# The device path: IOMMU_IOAS_MAP_FILE against IOMMU_IOAS_MAP, and
	# a HWPT replace, on edu with VT-d (tools/testing/selftests/vfio).
	vfio_edu_bench > /tmp/bench || fail "vfio_edu_bench failed"
	while read -r line; do echo "$line" > "$LU_RES"; done < /tmp/bench
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
