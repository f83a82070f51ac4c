#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec iommufd_unretrieved: FINISH frees the record of an iommufd
# never retrieved.
exec /lu/bin/vfio_lu_kexec iommufd_unretrieved "$1"
