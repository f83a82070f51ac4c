#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_twice: the edu device taken back after a live
# update is marked, preserved and carried through a second one; the third
# kernel takes it back the same way, with every DMA in its place.
exec /lu/bin/vfio_lu_kexec device_twice "$1"
