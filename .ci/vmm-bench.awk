# SPDX-License-Identifier: GPL-2.0
#
# Loaded after .ci/median.awk.
#
# vmm-bench.awk: reduce the output of vmtest.sh for vmm_bench to BENCH
# lines.  Round r is the kexec from stage 2r to 2r+1, which carries a
# 1 GiB guest's memfd, iommufd and device, then (but for the last) the one
# from 2r+1 to 2r+2, which carries nothing.  The blackout of a round runs
# from the reboot call to the first DMA through the restored HWPT ("MARK
# first_dma" of stage 2r+1, host-measured); the plain kexec from the
# reboot call to the same program running again ("MARK start" of stage
# 2r+2).  The ratio is the median blackout over the median plain kexec
# (see memfd-bench.awk for why medians, not per-round ratios); the median
# of the per-round ratios, each blackout against the plain kexec right
# after it, is printed too, as are the plain transitions to init.

$1 == "TRANSITION" {
	split($2, st, "->")
	tr[st[1] + 0] = $3
}
$1 == "MARK" && $2 == "first_dma" {
	first[$3 + 0] = $4
}
$1 == "MARK" && $2 == "start" && $3 % 2 == 0 && $3 > 2 {
	start[$3 + 0] = $4
}
$1 == "BENCH" && $2 == "hwpt_rebuild_1g_ms" {
	rebuild[++nr] = $3
}
END {
	nb = np = ni = 0
	for (s in first)
		if (s % 2)
			blackout[++nb] = first[s]
	for (s in start)
		plain[++np] = start[s]
	for (s in tr)
		if (s % 2 && s > 1)
			init[++ni] = tr[s]
	if (nr)
		printf "BENCH hwpt_rebuild_1g_ms %.1f ms\n", median(rebuild, nr)
	if (!nb || !np)
		exit
	b = median(blackout, nb)
	p = median(plain, np)
	printf "BENCH vmm_blackout_1g_ms %.0f ms\n", b
	printf "BENCH vmm_plain_kexec_ms %.0f ms\n", p
	if (ni)
		printf "BENCH vmm_plain_kexec_to_init_ms %.0f ms\n", median(init, ni)
	printf "BENCH vmm_blackout_1g_vs_plain_kexec %.3f ratio\n", b / p
	# Each round's blackout against the plain kexec right after it
	nq = 0
	for (s in first)
		if (s % 2 && ((s + 1) in start))
			q[++nq] = first[s] / start[s + 1]
	if (nq)
		printf "BENCH vmm_blackout_1g_vs_plain_kexec_paired %.3f ratio\n", median(q, nq)
}
