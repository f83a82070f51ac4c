#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_unretrieved: a guest and its device preserved and
# never retrieved; the next kexec frees it all (MemTotal and
# nr_iommu_pages back exactly), and the device is blocked there and binds
# as any device.
exec /lu/bin/vfio_lu_kexec device_unretrieved "$1"
