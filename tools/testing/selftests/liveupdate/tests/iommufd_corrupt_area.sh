#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec iommufd_corrupt_area: an iommufd record with a mapping of
# length 0 is refused (EINVAL, a log line); the memfd, FINISH and new
# sessions work.
exec /lu/bin/vfio_lu_kexec iommufd_corrupt_area "$1"
