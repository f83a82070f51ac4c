#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_dma: the edu device preserved after its memfd and
# iommufd keeps translating through the kexec (a DMA started just before
# the reboot lands); in the next kernel it is bound to vfio-pci, still a
# bus master, and its DMA lands through the preserved page tables.
exec /lu/bin/vfio_lu_kexec device_dma "$1"
