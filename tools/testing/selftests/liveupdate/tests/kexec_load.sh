#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec kexec_load: an image loaded with kexec_load() cannot carry the
# handover, so kexec refuses it (EOPNOTSUPP, a log line) while a session
# exists or memory is preserved; nothing changes, and the next kexec, of a
# kexec_file_load() image, carries it all.
. /lu/lib.sh

/lu/bin/luo_kexec kexec_load "$1"
rc=$?
if [ "$1" = 1 ] && [ $rc = $LU_NEXT_STAGE ]; then
	dmesg | grep -q 'liveupdate: reboot refused: the loaded kexec image cannot carry' ||
		fail "no log line for the empty session"
	dmesg | grep -q 'KHO: kexec refused: memory is preserved' ||
		fail "no log line for the preserved memory"
fi
exit $rc
