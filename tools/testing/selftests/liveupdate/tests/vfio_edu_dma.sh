#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# edu DMA through vfio-pci and iommufd, with the vfio test library
# (tools/testing/selftests/vfio/vfio_edu_dma_test), on every edu device:
# two on the root bus and one behind a PCIe root port (vmtest.sh -e 2 -r).
. /lu/lib.sh

ksft /lu/bin/vfio_edu_dma_test
