#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Scratch areas per NUMA node, on a machine of two nodes (vmtest.sh -N 2).
# The cold boot sets scratch aside on each node; after a kexec, when the
# kernel may allocate only from scratch until it has reserved what was
# preserved, each node's data (NODE_DATA, allocated node-local) lands on
# its own node.
. /lu/lib.sh

# The node of physical address $1, from the boot's node ranges.
node_of() {
	dmesg | sed -n 's/.*node *\([0-9]*\): \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\].*/\1 \2 \3/p' |
	while read -r n start end; do
		if [ $(($1)) -ge $((start)) ] && [ $(($1)) -le $((end)) ]; then
			echo "$n"
			return
		fi
	done
}

[ -d /sys/devices/system/node/node1 ] || fail "not a machine of two NUMA nodes"
case $1 in
1)
	seen=
	while read -r addr size; do
		seen="$seen $(node_of "$addr")"
	done < /sys/kernel/debug/kho/out/scratch
	case "$seen" in *0*) ;; *) fail "no scratch area on node 0:$seen" ;; esac
	case "$seen" in *1*) ;; *) fail "no scratch area on node 1:$seen" ;; esac
	say "scratch areas on nodes$seen"
	exit $LU_NEXT_STAGE
	;;
2)
	dmesg | grep -q 'KHO: handover from the previous kernel' || fail "not a handover boot"
	for n in 0 1; do
		line=$(dmesg | grep "NODE_DATA($n) allocated")
		[ -n "$line" ] || fail "no NODE_DATA($n) line"
		! dmesg | grep -q "NODE_DATA($n) on node" ||
			fail "NODE_DATA($n) is not on its node: $(dmesg | grep "NODE_DATA($n) on node")"
	done
	say "each node's data on its node: $(dmesg | grep -o 'NODE_DATA([01]) allocated[^]]*]' | tr '\n' ' ')"
	exit $KSFT_PASS
	;;
esac
fail "unexpected stage $1"
