#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_nomem: a shmem memfd whose page cache cannot grow after
# RETRIEVE_FD (failslab on the page cache's xarray nodes) gives ENOMEM to
# a read, then every byte; a hugetlb retrieve that runs out part way
# changes nothing, and the next retrieve gets every byte; a hugetlb memfd
# is charged to the retriever's hugetlb cgroup (ENOMEM without room).
exec /lu/bin/luo_kexec memfd_nomem "$1"
