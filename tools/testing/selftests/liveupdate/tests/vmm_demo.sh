#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live update demo behind "make run": a VMM keeps its guest memory in a
# memfd mapped through iommufd and drives the edu device; it preserves all
# three and the kernel is replaced with a DMA in flight; a new VMM process
# takes them back in the new kernel, checks every byte and the DMA,
# replaces the restored domain and finishes.
. /lu/lib.sh

case $1 in
1)
	say "kernel $(uname -r) up; this is the old kernel"
	;;
2)
	say "new kernel $(uname -r) running userspace after $(cut -d' ' -f1 /proc/uptime)s of uptime"
	say "$(dmesg | sed -n 's/.*DMAR: live update: \(domain .* taken over in .*\)/\1/p')"
	;;
esac
exec /lu/bin/vfio_lu_kexec vmm_demo "$1"
