#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One cold boot comes up with KHO and LUO on.  .ci/check boots it 30 times
# with 1 GiB of memory and the debug kernel, whose KASAN shadow inflates the
# early reservations that scratch is sized from, and KASLR places the
# kernel anew each time.  It prints where the kernel landed, the scratch
# areas, and whether scratch had to fall back to a smaller share.
. /lu/lib.sh

KHO=/sys/kernel/debug/kho

case $1 in
1)
	[ -d $KHO/out ] || fail "KHO is off: $(dmesg | grep 'KHO:' | tail -n 2 | tr '\n' ' ')"
	[ -c /dev/liveupdate ] || fail "LUO is off (no /dev/liveupdate)"
	kernel=$(sed -n 's/^ *\([0-9a-f]*\)-.* : Kernel code$/\1/p' /proc/iomem)
	total=0
	while read -r addr size; do
		total=$((total + size / 1048576))
	done < $KHO/out/scratch
	fallback=$(dmesg | sed -n 's/.*KHO: no room for scratch at .*trying \([0-9]*%\).*/\1/p' |
		   tail -n 1)
	say "kernel at 0x$kernel, $(grep -c . $KHO/out/scratch) scratch areas, $total MiB${fallback:+, fell back to $fallback}"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
