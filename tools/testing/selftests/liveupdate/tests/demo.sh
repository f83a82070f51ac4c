#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live update demo behind "make run": what is preserved, the kexec, and
# what came back.  The series so far preserves nothing, so this is the
# plain kexec cycle that every later live update is measured against.
. /lu/lib.sh

case $1 in
1)
	say "kernel $(uname -r) up; this is the old kernel"
	say "nothing is preserved yet: KHO and LUO are not in the series"
	say "loading the same kernel with kexec_file_load() and rebooting into it"
	exit $LU_NEXT_STAGE
	;;
2)
	say "new kernel $(uname -r) running userspace after $(cut -d' ' -f1 /proc/uptime)s of uptime"
	say "came back: nothing (nothing was preserved)"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
