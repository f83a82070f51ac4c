#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_bench (make bench): preserving a 1 GiB guest's
# HWPT against mapping it, and VT-d adopting it in the next kernel, with
# a DMA in flight through the kexec.
exec /lu/bin/vfio_lu_kexec device_bench "$1"
