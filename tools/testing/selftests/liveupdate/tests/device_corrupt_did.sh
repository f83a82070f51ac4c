#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_corrupt_did: a device whose IOMMU record names the
# wrong domain ID is refused with a log line and blocked (its DMA faults
# once); the memfd, FINISH and new sessions work.
exec /lu/bin/vfio_lu_kexec device_corrupt_did "$1"
