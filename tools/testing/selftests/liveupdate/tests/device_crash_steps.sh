#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_crash_steps: a VMM killed after each step of its
# restore flow, and a reaper that completes the restore or releases
# everything, both for every step; six VMs a kexec, three kexecs.
exec /lu/bin/vfio_lu_kexec device_crash_steps "$1"
