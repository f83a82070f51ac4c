#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# IOMMU_IOAS_MAP_FILE of shmem memfds whose pages lie in CMA memory, where
# no long-term pin may stay: booted with KHO scratch (MIGRATE_CMA) of 1400
# MiB of the VM's 2 GiB, most movable allocations come from it, so pinning
# migrates the memfd's pages first (memfd_pin_folios()), and the pages
# fallocate() left uncleared must be cleared before, not copied as they
# are.  The hugetlb variants are not run: the pool's spare huge pages, not
# in CMA, are what migrating them would need.
. /lu/lib.sh

grep -q 'intel_iommu=off' /proc/cmdline || fail "boot with intel_iommu=off (see tests/iommufd)"
ksft /lu/bin/iommufd_map_file -v shmem -v shmem_no_domain -v shmem_tiny_batches
