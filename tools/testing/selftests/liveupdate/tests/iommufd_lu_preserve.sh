#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Preserving an iommufd in a LUO session, against iommufd's mock IOMMU
# (tools/testing/selftests/iommu/iommufd_lu_preserve), booted with
# intel_iommu=off for the reason given in tests/iommufd.
. /lu/lib.sh

grep -q 'intel_iommu=off' /proc/cmdline || fail "boot with intel_iommu=off (see tests/iommufd)"
ksft /lu/bin/iommufd_lu_preserve
