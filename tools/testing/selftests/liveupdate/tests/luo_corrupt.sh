#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Live update data broken on purpose (LIVEUPDATE_TEST's corrupt knob) is
# refused by the next kernel with a log line, without a splat, and live
# update goes on.  lu_luo_corrupt= on the command line picks what to break:
# "version" (the header's format string) or "chain" (the address of the
# first block of sessions) make the whole handover refused: RETRIEVE_SESSION
# fails with EIO while new sessions work, and with "version" the next live
# update carries one of them (3 stages).  "handler" (a file names a handler
# this kernel does not have) refuses that file alone: the rest of its
# session is retrieved.
. /lu/lib.sh

mode=$(sed -n 's/^\(.* \)\{0,1\}lu_luo_corrupt=\([^ ]*\).*/\2/p' /proc/cmdline)
case $mode in
version) reason='incoming sessions are of an unknown format' ;;
chain) reason='was not handed over, or twice' ;;
handler) reason="no handler 'no-such-handler' for token 0x1" ;;
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
	# The first open of /dev/liveupdate takes the sessions up.
	if [ "$mode" = handler ]; then
		/lu/bin/luo_kexec corrupt_handler 2 || exit
		dmesg | grep -q "liveupdate: .*$reason" ||
			fail "no log line saying why ($reason)"
		exit $KSFT_PASS
	fi
	/lu/bin/luo_kexec corrupt_refused 2
	rc=$?
	dmesg | grep -q "liveupdate: .*$reason" || fail "no log line saying why ($reason)"
	dmesg | grep -q 'liveupdate: .*preserved memory stays reserved' ||
		fail "no log line refusing the handover"
	grep -q '^incoming refused$' /sys/kernel/debug/liveupdate/state ||
		fail "debugfs does not show the refusal"
	grep -q "^incoming sessions 0$" /sys/kernel/debug/liveupdate/state ||
		fail "sessions of a refused handover are visible"
	say "refused ($mode): $(dmesg | grep 'liveupdate: ' | grep -v handing | tail -n 2 | tr '\n' ' ')"
	exit $rc
	;;
3)
	exec /lu/bin/luo_kexec corrupt_refused 3
	;;
esac
fail "unexpected stage $1"
