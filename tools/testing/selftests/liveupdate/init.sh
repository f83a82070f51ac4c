#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the live update test initramfs (busybox).
#
# The kernel command line names the test (lu_test=NAME) and the stage
# (lu_stage=N, 1 when absent).  /lu/tests/NAME runs with the stage as its
# argument; its exit code decides what happens next:
#    0  passed            1  failed (any other code too)
#    4  skipped (KSFT_SKIP)
#   75  kexec into the same kernel for stage N+1 (lu_kexec)
# Results go to the result channel /dev/ttyS1 as "LU-..." lines, which the
# host harness (vmtest.sh) timestamps; everything else goes to the console.

/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t proc proc /proc
read -r uptime _ < /proc/uptime
/bin/busybox --install -s /bin
export PATH=/lu/bin:/bin

arg() { sed -n "s/^\(.* \)\{0,1\}$1=\([^ ]*\).*/\2/p" /proc/cmdline; }
result() { echo "LU-RESULT $*" > /dev/ttyS1; }

test=$(arg lu_test)
stage=$(arg lu_stage)
stage=${stage:-1}
export LU_STAGE=$stage LU_RES=/dev/ttyS1
echo "LU-BOOT $stage $uptime" > /dev/ttyS1

mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

if [ -z "$test" ] || [ ! -x "/lu/tests/$test" ]; then
	result fail "no such test '$test'"
else
	echo "lu: running $test, stage $stage"
	"/lu/tests/$test" "$stage"
	rc=$?
	case $rc in
	0)  result pass ;;
	4)  result skip ;;
	75) lu_kexec; result fail "kexec into stage $((stage + 1)) failed" ;;
	*)  result fail "stage $stage exited with $rc" ;;
	esac
fi
sync
reboot -f
