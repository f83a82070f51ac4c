#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_irq_freeze: the reboot fails with EBUSY while the
# preserved device has an interrupt enabled, and changes nothing; with it
# disabled the next reboot carries the device.
exec /lu/bin/vfio_lu_kexec device_irq_freeze "$1"
