#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_movable: folios that may not stay pinned where they are
# (ZONE_MOVABLE, as KHO's scratch areas are CMA) are moved before they are
# preserved, and only they; holes stay holes.  Needs movablecore=.
exec /lu/bin/luo_kexec memfd_movable "$1"
