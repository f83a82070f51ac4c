#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks behind "make bench", run on the kernel without debugging
# options.  For now two plain kexecs (stage 1 -> 2 -> 3): the host harness
# measures each transition, from the reboot call to userspace of the next
# kernel, and the guest uptime at which the next init started.
. /lu/lib.sh

[ "$1" -lt 3 ] && exit $LU_NEXT_STAGE
exit $KSFT_PASS
