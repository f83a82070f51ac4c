# SPDX-License-Identifier: GPL-2.0
#
# median.awk: median(a, n) of a[1..n] (sorted in place), for the bench
# reductions that load it first: awk -f .ci/median.awk -f .ci/X-bench.awk

function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
