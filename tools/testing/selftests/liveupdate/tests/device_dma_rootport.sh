#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_dma_rootport: device_dma with the edu device behind
# a PCIe root port (vmtest.sh -e 0 -r), which stays a bus master too.
exec /lu/bin/vfio_lu_kexec device_dma_rootport "$1"
