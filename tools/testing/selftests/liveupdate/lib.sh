# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest-side live update test scripts (busybox sh).
# Sourced from /lu/lib.sh; LU_RES is the result channel set by /init.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4
LU_NEXT_STAGE=75

# say TEXT: a line of narrative for the host ("make run" shows them).
say() { echo "LU-SAY $*" > "$LU_RES"; echo "lu: $*"; }

# fail TEXT: report why and fail the test.
fail() { echo "lu: FAIL: $*"; echo "LU-REASON $*" > "$LU_RES"; exit $KSFT_FAIL; }

# count PASSED FAILED SKIPPED: per-case counts for a test with many cases.
count() { echo "LU-COUNT $1 $2 $3" > "$LU_RES"; }

# bench NAME VALUE UNIT: one benchmark figure.
bench() { echo "BENCH $1 $2 $3" > "$LU_RES"; }

# expect_faults N: this test provokes N VT-d translation faults (the
# harness fails it on any other number).
expect_faults() { echo "LU-FAULTS $1" > "$LU_RES"; }

# ksft PROG [ARGS]: run a kselftest_harness.h program, report its case
# counts from its "# Totals:" line, and return its exit code.
ksft() {
	local out=/tmp/ksft.$$ rc totals
	# Streamed as it comes, so that a test that hangs shows how far it got
	{ "$@" 2>&1; echo $? > "$out.rc"; } | tee "$out"
	rc=$(cat "$out.rc")
	rm -f "$out.rc"
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:\([0-9]*\) xpass:\([0-9]*\) skip:\([0-9]*\) error:\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' "$out")
	if [ -z "$totals" ]; then
		echo "lu: $1 printed no '# Totals:' line"
		return $KSFT_FAIL
	fi
	set -- $totals
	count $(($1 + $3)) $(($2 + $4 + $6)) $5
	rm -f "$out"
	return $rc
}
