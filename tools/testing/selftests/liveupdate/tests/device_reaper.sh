#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_reaper: the VMM resuming after the kexec exits
# half-way (device bound, HWPT restored); a reaper retrieves its session
# and releases everything: device detached, restored HWPT destroyed (its
# page-table pages freed), session finished (the memfd freed), device
# closed and bound to a DMA API driver.
exec /lu/bin/vfio_lu_kexec device_reaper "$1"
