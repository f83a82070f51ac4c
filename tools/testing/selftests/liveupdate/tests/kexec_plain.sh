#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: a plain kexec with nothing preserved.  Stage 1 loads the same
# kernel with kexec_file_load() and reboots into it; stage 2 checks that it
# runs in a new kernel that got the next stage's command line and the
# initramfs handed on.  A regression in kexec itself shows up here first.
. /lu/lib.sh

case $1 in
1)
	say "stage 1: plain kexec, nothing preserved"
	exit $LU_NEXT_STAGE
	;;
2)
	grep -q 'lu_stage=2' /proc/cmdline || fail "stage 2 without lu_stage=2"
	[ -s /sys/firmware/initrd ] || fail "the initramfs was not retained"
	up=$(cut -d. -f1 /proc/uptime)
	[ "$up" -lt 120 ] || fail "uptime ${up}s: this is not a fresh kernel"
	say "stage 2: new kernel up, uptime ${up}s"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
