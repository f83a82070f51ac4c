#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live update demo behind "make run": a VM-like process keeps its guest
# memory in memfds, preserves them in a live update session, the kernel is
# replaced with kexec, and a new process retrieves them and checks every
# byte.
. /lu/lib.sh

case $1 in
1)
	say "kernel $(uname -r) up; this is the old kernel"
	/lu/bin/luo_kexec demo 1
	[ $? -eq $LU_NEXT_STAGE ] || fail "the VMM could not preserve its memory"
	say "a daemon holds the session open; loading the same kernel with kexec_file_load() and rebooting into it"
	exit $LU_NEXT_STAGE
	;;
2)
	say "new kernel $(uname -r) running userspace after $(cut -d' ' -f1 /proc/uptime)s of uptime"
	say "$(dmesg | sed -n 's/.*\(KHO: [0-9]* preserved blocks reserved.*\)/\1/p')"
	say "$(dmesg | sed -n 's/.*liveupdate: \(live update [0-9]*: .*\)/\1/p')"
	exec /lu/bin/luo_kexec demo 2
	;;
esac
fail "unexpected stage $1"
