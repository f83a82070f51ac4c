#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The 6.12 iommufd fault-injection selftests (iommufd_fail_nth), booted
# with intel_iommu=off for the reason given in tests/iommufd.  The injected
# failures are expected, so fault injection is kept quiet: its stack dumps
# would otherwise read as kernel splats.
. /lu/lib.sh

grep -q 'intel_iommu=off' /proc/cmdline || fail "boot with intel_iommu=off (see tests/iommufd)"
echo 0 > /sys/kernel/debug/failslab/verbose
ksft /lu/bin/iommufd_fail_nth
