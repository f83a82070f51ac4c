#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_hugetlb: a hugetlb memfd (2 MiB pages, holes, writes
# after preserve into a page and into a hole, position, seals) survives a
# kexec; its pages come back as surplus huge pages, leaving the pool as
# hugepages= sized it, and go back to the page allocator at close.  With
# memory_hugetlb_accounting, a retriever whose cgroup has no room gets
# ENOMEM with nothing changed; one with room is charged for the pages.
exec /lu/bin/luo_kexec memfd_hugetlb "$1"
