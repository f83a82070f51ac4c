#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_corrupt_unit: a device whose IOMMU record names
# another unit is blocked: the unit it is on finds itself translating for
# nobody and blocks every device (its DMA faults once); the memfd, FINISH
# and new sessions work.
exec /lu/bin/vfio_lu_kexec device_corrupt_unit "$1"
