#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_corrupt_format: a device whose domain has an unknown
# page-table format in the IOMMU record is refused with a log line and
# blocked (its DMA faults once); the memfd, FINISH and new sessions work.
exec /lu/bin/vfio_lu_kexec device_corrupt_format "$1"
