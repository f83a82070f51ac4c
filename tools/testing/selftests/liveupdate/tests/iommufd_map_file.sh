#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# IOMMU_IOAS_MAP_FILE against iommufd's mock IOMMU
# (tools/testing/selftests/iommu/iommufd_map_file), booted with
# intel_iommu=off for the reason given in tests/iommufd and with a hugetlb
# pool for the hugetlb memfd variants.
. /lu/lib.sh

grep -q 'intel_iommu=off' /proc/cmdline || fail "boot with intel_iommu=off (see tests/iommufd)"
ksft /lu/bin/iommufd_map_file
