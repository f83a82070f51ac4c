#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The 6.12 iommufd selftests (tools/testing/selftests/iommu/iommufd) as a
# regression suite: the live update series must never break them.
. /lu/lib.sh

ksft /lu/bin/iommufd
