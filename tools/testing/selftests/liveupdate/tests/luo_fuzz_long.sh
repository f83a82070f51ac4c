#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The long fuzzing pass (luo_fuzz, "make fuzz", about 15 minutes under
# TCG): a million calls, as in tests/luo_fuzz, from four threads, with a
# new seed each run, printed (lu_fuzz_seed=N on the kernel command line
# takes N; the calls are the same again only with one thread, -j 1).
. /lu/lib.sh

[ -c /dev/liveupdate ] || fail "no /dev/liveupdate (booted without liveupdate=on?)"
seed=$(sed -n 's/.*lu_fuzz_seed=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$seed" ] || seed=$(date +%s)
ksft /lu/bin/luo_fuzz -s "$seed" -n 1000000 -t 3000 -j 4
