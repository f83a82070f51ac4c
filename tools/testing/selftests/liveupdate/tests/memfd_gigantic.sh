#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_gigantic: a hugetlb memfd of 1 GiB pages is refused with
# EOPNOTSUPP and left as it was.  Needs hugepagesz=1G hugepages=1 and a CPU
# with 1 GiB pages.
exec /lu/bin/luo_kexec memfd_gigantic "$1"
