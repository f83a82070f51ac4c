#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Preserving a vfio device file in a LUO session, with the edu device under
# VT-d (tools/testing/selftests/vfio/vfio_lu_preserve): every errno of
# PRESERVE_FD, and a refusal that changes nothing.
. /lu/lib.sh

grep -q 'intel_iommu=on' /proc/cmdline || fail "boot with intel_iommu=on"
ksft /lu/bin/vfio_lu_preserve
