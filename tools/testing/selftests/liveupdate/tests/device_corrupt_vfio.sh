#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_corrupt_vfio: three edus whose vfio-pci records are
# malformed three ways; each device's RETRIEVE_FD is refused with EINVAL
# and a log line, the device stays held and translating, the rest of each
# session works.
exec /lu/bin/vfio_lu_kexec device_corrupt_vfio "$1"
