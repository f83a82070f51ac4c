#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The 6.12 iommufd selftests (tools/testing/selftests/iommu/iommufd) as a
# regression suite: the live update series must never break them.
#
# They drive iommufd's mock IOMMU driver, so the harness boots this test
# with intel_iommu=off: in 6.12 a device without a firmware node is probed
# by the first IOMMU registered without one (iommu_fwspec_ops(NULL)), which
# is VT-d when it is on, and VT-d then refuses every mock device.  Huge
# page tests need the hugetlb pool the harness reserves (hugepages=).
. /lu/lib.sh

grep -q 'intel_iommu=off' /proc/cmdline || fail "boot with intel_iommu=off (see above)"
ksft /lu/bin/iommufd
