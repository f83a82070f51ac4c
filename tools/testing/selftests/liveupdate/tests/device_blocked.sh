#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_blocked: a second edu device with an iommufd of its
# own over the same memfd, held open but not preserved, is blocked in the
# next kernel (its DMA faults once and lands nowhere; vmtest.sh -e 2).
exec /lu/bin/vfio_lu_kexec device_blocked "$1"
