#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_moved_freeze: a preserved device moved to another
# HWPT makes the reboot fail with EBUSY; moved back, the reboot carries it.
exec /lu/bin/vfio_lu_kexec device_moved_freeze "$1"
