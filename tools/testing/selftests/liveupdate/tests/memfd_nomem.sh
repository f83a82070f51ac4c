#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_nomem: retrieves of a shmem and of a hugetlb memfd that
# run out of memory part way (failslab on the page cache's xarray nodes)
# change nothing, and the next retrieve gets every byte; a hugetlb memfd is
# charged to the retriever's hugetlb cgroup (ENOMEM without room).
exec /lu/bin/luo_kexec memfd_nomem "$1"
