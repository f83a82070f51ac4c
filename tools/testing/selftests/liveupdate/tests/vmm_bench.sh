#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec vmm_bench (make bench): a VMM's live update of a 1 GiB
# guest with its edu device, three rounds: the blackout (reboot call to the
# first DMA through the restored HWPT) against a kexec carrying nothing,
# and the rebuild of the HWPT in the new kernel.
exec /lu/bin/vfio_lu_kexec vmm_bench "$1"
