#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_iommu_off: the next kernel boots with
# intel_iommu=off, and the unit left translating for the preserved device
# stays so: its DMA lands in the memfd, never untranslated.
exec /lu/bin/vfio_lu_kexec device_iommu_off "$1"
