#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Live update data broken on purpose (LIVEUPDATE_TEST's corrupt knob) is
# refused by the next kernel with a log line: /dev/liveupdate fails every
# open with EIO, nothing is handed to userspace, and the kernel keeps
# running without a splat.  lu_luo_corrupt= on the command line picks what
# to break: "version" (the header's format string), "chain" (the address
# of the first block of sessions) or "handler" (a file names a handler
# this kernel does not have).
. /lu/lib.sh

mode=$(sed -n 's/^\(.* \)\{0,1\}lu_luo_corrupt=\([^ ]*\).*/\2/p' /proc/cmdline)
case $mode in
version) reason='incoming sessions are of an unknown format' ;;
chain) reason='was not handed over, or twice' ;;
handler) reason="no handler 'no-such-handler'" ;;
*) fail "boot with lu_luo_corrupt=version, chain or handler" ;;
esac

case $1 in
1)
	# A session with two test files, held open across the reboot.
	/lu/bin/luo_kexec one_session 1
	[ $? -eq $LU_NEXT_STAGE ] || fail "could not set up a session"
	echo "$mode" > /sys/kernel/debug/liveupdate/corrupt ||
		fail "cannot corrupt the handover"
	exit $LU_NEXT_STAGE
	;;
2)
	out=$(cat /dev/liveupdate 2>&1)
	case $out in
	*"I/O error"* | *"Input/output error"*) ;;
	*) fail "open of /dev/liveupdate did not fail with EIO: $out" ;;
	esac
	out=$(cat /dev/liveupdate 2>&1)
	case $out in
	*"I/O error"* | *"Input/output error"*) ;;
	*) fail "a second open did not fail with EIO: $out" ;;
	esac
	dmesg | grep -q "liveupdate: .*$reason" || fail "no log line saying why ($reason)"
	dmesg | grep -q 'liveupdate: .*preserved memory stays reserved' ||
		fail "no log line refusing the handover"
	grep -q '^incoming refused$' /sys/kernel/debug/liveupdate/state ||
		fail "debugfs does not show the refusal"
	grep -q "^incoming sessions 0$" /sys/kernel/debug/liveupdate/state ||
		fail "sessions of a refused handover are visible"
	say "refused ($mode): $(dmesg | grep 'liveupdate: ' | grep -v handing | tail -n 2 | tr '\n' ' ')"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
