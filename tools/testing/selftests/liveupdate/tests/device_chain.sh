#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_chain: five live updates in a row carry a 256 MiB
# guest and its device, each kernel changing part of the memory by the CPU
# and by DMA; no byte lost, MemTotal and nr_iommu_pages the same in every
# kernel.
exec /lu/bin/vfio_lu_kexec device_chain "$1"
