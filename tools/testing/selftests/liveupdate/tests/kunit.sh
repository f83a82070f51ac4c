#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# KUnit suites run at boot (kunit.enable=1); the harness counts their KTAP
# from the console.  Userspace only checks that KUnit ran at all.
. /lu/lib.sh

dmesg | grep -q 'KTAP version' || fail "no KTAP output: KUnit did not run"
exit $KSFT_PASS
