#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec iommufd_corrupt_count: an iommufd record whose count
# overflows its block is refused (EINVAL, a log line); the memfd, FINISH
# and new sessions work.
exec /lu/bin/vfio_lu_kexec iommufd_corrupt_count "$1"
