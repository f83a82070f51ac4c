#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_vmm_exits: the VMM resuming after the kexec exits
# half-way (session, iommufd and device retrieved, HWPT restored, device
# bound); another process retrieves the session again, binds the device
# again (the same device ID), finds the same restored HWPT by its token and
# completes the restore.
exec /lu/bin/vfio_lu_kexec device_vmm_exits "$1"
