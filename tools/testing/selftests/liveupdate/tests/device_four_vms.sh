#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_four_vms: four VMMs, each with its edu device,
# memfd and iommufd in its own session and the same HWPT token, preserved
# with DMA in flight; the next kernel resumes them in different orders and
# checks each one's memory and DMA.
exec /lu/bin/vfio_lu_kexec device_four_vms "$1"
