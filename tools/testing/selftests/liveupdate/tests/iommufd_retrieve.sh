#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec iommufd_retrieve: the memfd and the iommufd of the edu
# device's marked HWPT come back in the next kernel, and the iommufd
# works: the device binds to it and does DMA again.
exec /lu/bin/vfio_lu_kexec iommufd_retrieve "$1"
