#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The short fuzzing pass (luo_fuzz, 30 s): random but plausible calls into
# /dev/liveupdate, session fds, iommufd's live update ioctls and the edu
# device's vfio cdev, from four threads sharing their fds.  Seed 1, or N
# from lu_fuzz_seed=N on the kernel command line.  Any splat fails it (the
# harness), and so do unexpected results, a session left after every fd
# was closed, and a kernel that cannot preserve a memfd afterwards.
. /lu/lib.sh

[ -c /dev/liveupdate ] || fail "no /dev/liveupdate (booted without liveupdate=on?)"
seed=$(sed -n 's/.*lu_fuzz_seed=\([0-9]*\).*/\1/p' /proc/cmdline)
ksft /lu/bin/luo_fuzz -s "${seed:-1}" -t 30 -j 4
