#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_gigantic: hugetlb memfds of 1 GiB pages through two live
# updates.  KHO sizes scratch without the boot-time gigantic pool; a handover
# boot takes that pool outside scratch, so its page can be preserved; a
# retrieved 1 GiB page is a surplus page, charged to the retriever's memory
# cgroup (ENOMEM without room), and goes back to the page allocator at
# close.  Needs hugepagesz=1G hugepages=1 and a CPU with 1 GiB pages.
exec /lu/bin/luo_kexec memfd_gigantic "$1"
