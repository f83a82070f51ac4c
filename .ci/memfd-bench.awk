# SPDX-License-Identifier: GPL-2.0
#
# Loaded after .ci/median.awk.
#
# memfd-bench.awk: reduce the output of vmtest.sh for memfd_bench to one
# BENCH line per figure, each the median of the rounds.  Round i is the
# kexec from stage 2i to 2i+1, which carries a 1 GiB and a 4 GiB memfd,
# then the one from 2i+1 to 2i+2, which carries nothing.  The blackout of
# a memfd in a round is the round's first transition (reboot call to
# userspace, host-measured) plus the time the new userspace took to
# retrieve its session and that memfd.  A blackout ratio is the median
# blackout over the median plain transition: the host's noise hits single
# transitions (spikes of up to twice the usual time), not rounds, so
# pairing them within a round does not cancel it; the median of the
# per-round ratios is printed too.  memfd_retrieve_4g_vs_1g is the median
# RETRIEVE_FD of the 4 GiB memfd over that of the 1 GiB one.

$1 == "TRANSITION" {
	split($2, st, "->")
	tr[st[1] + 0] = $3
}
$1 == "BENCH" {
	n = ++cnt[$2]
	val[$2, n] = $3
	unit[$2] = $4
	if (!($2 in seen)) {
		seen[$2] = 1
		order[++names] = $2
	}
}
END {
	for (i = 1; i <= names; i++) {
		name = order[i]
		for (j = 1; j <= cnt[name]; j++)
			a[j] = val[name, j]
		printf "BENCH %s %.3f %s\n", name, median(a, cnt[name]), unit[name]
	}
	rounds = 0
	for (r = 1; ((2 * r) in tr) && ((2 * r + 1) in tr) &&
		    (("memfd_retrieve_1g_ms", r) in val) &&
		    (("memfd_retrieve_4g_ms", r) in val); r++) {
		k[r] = tr[2 * r] + val["memfd_retrieve_1g_ms", r]
		k4[r] = tr[2 * r] + val["memfd_retrieve_4g_ms", r]
		p[r] = tr[2 * r + 1]
		q[r] = k[r] / p[r]
		q4[r] = k4[r] / p[r]
		f1[r] = val["memfd_retrieve_fd_1g_us", r]
		f4[r] = val["memfd_retrieve_fd_4g_us", r]
		rounds = r
	}
	if (!rounds) {
		print "memfd-bench.awk: no complete round" > "/dev/stderr"
		exit 1
	}
	printf "BENCH blackout_rounds %d rounds\n", rounds
	mk = median(k, rounds)
	mp = median(p, rounds)
	printf "BENCH blackout_1g_memfd_ms %.0f ms\n", mk
	printf "BENCH blackout_plain_kexec_ms %.0f ms\n", mp
	printf "BENCH blackout_1g_memfd_vs_plain_kexec %.3f ratio\n", mk / mp
	printf "BENCH blackout_1g_memfd_vs_plain_kexec_round_median %.3f ratio\n",
		median(q, rounds)
	mk4 = median(k4, rounds)
	printf "BENCH blackout_4g_memfd_ms %.0f ms\n", mk4
	printf "BENCH blackout_4g_memfd_vs_plain_kexec %.3f ratio\n", mk4 / mp
	printf "BENCH blackout_4g_memfd_vs_plain_kexec_round_median %.3f ratio\n",
		median(q4, rounds)
	printf "BENCH memfd_retrieve_4g_vs_1g %.3f ratio\n",
		median(f4, rounds) / median(f1, rounds)
}
