#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest.sh - run one live update test in QEMU, across as many kexec stages
# as the test asks for.
#
# Usage: vmtest.sh -k BZIMAGE -i INITRD -t TEST -o OUTDIR [options]
#   -m MEM      guest memory (default 2G)
#   -T SECS     timeout for the whole run, all stages (default 300)
#   -a ARGS     extra kernel command line
#   -c CPU      QEMU CPU model (default: QEMU's), e.g. qemu64,+pdpe1gb
#   -N NODES    split memory and CPUs evenly over NODES NUMA nodes
#   -e EDUS     edu devices on the root bus (default 1)
#   -r          one more edu device, behind a PCIe root port
#   -s STAGES   number of boots the test must reach (default: as it goes)
#   -P          back all guest memory before the guest starts and lock it,
#               as real RAM is: timings then do not include the host
#               faulting memory in on first touch, or back in after
#               reclaiming it (the benchmarks use it)
#   -K          collect the KUnit KTAP of the first boot, count its cases and
#               print "KUNIT SUITE PASSED FAILED SKIPPED" for each suite
#   -v          print the test's narrative ("LU-SAY" lines) as it runs
#   -f          print the FAULTS line (see below) even when there was none
#
# The guest console (ttyS0) goes to OUTDIR/TEST.console, the result channel
# (ttyS1) to OUTDIR/TEST.results with a host timestamp on each line.  The
# machine is q35 with an emulated VT-d (interrupt remapping on) and the edu
# DMA test device, under TCG.
#
# Fault witness: QEMU traces every VT-d translation fault it reports
# (vtd_dmar_fault, vtd_fault_disabled) to OUTDIR/TEST.qemu, whether or not a
# kernel is running to log it; a faulting DMA counts once however many
# accesses it made.  The guest's DMAR fault lines are counted too.  A test declares the faults it provokes with "LU-FAULTS N" lines on
# the result channel (all stages add up, none means 0); any other number
# of faults QEMU saw fails the test.  "FAULTS TEST qemu N guest N
# expected N" reports them.
#
# A test marks moments with "LU-MARK NAME" lines: "MARK NAME STAGE MS" gives
# each as the time since the last reboot call, host-measured.
#
# Prints "RESULT TEST pass|fail|skip PASSED FAILED SKIPPED REASON" last, after
# any "TRANSITION", "MARK", "BENCH" and console lines; exit status 0 pass, 1 fail,
# 4 skip.  A test fails when the guest hangs or crashes, when a stage is
# missing, or when any boot logged a kernel splat.

set -u -o pipefail

mem=2G timeout=300 append="" stages="" kunit=0 verbose=0 prealloc="" cpu="" nodes=1
edus=1 rootport=0 allfaults=0
kernel="" initrd="" test="" out=""

usage() {
	sed -n '7,23s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while getopts "k:i:t:o:m:T:a:c:N:e:rs:PKvf" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	t) test=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mem=$OPTARG ;;
	T) timeout=$OPTARG ;;
	a) append=$OPTARG ;;
	c) cpu=$OPTARG ;;
	N) nodes=$OPTARG ;;
	e) edus=$OPTARG ;;
	r) rootport=1 ;;
	s) stages=$OPTARG ;;
	P) prealloc="-mem-prealloc -overcommit mem-lock=on" ;;
	K) kunit=1 ;;
	v) verbose=1 ;;
	f) allfaults=1 ;;
	*) usage ;;
	esac
done
[ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$test" ] && [ -n "$out" ] || usage

console=$out/$test.console
results=$out/$test.results
mkdir -p "$out"
: > "$console"
: > "$results"

result() {	# result pass|fail|skip passed failed skipped reason...
	local verdict=$1 p=$2 f=$3 s=$4

	shift 4
	if [ "$verdict" = fail ]; then
		echo "--- last console lines of $test ($console):"
		grep -v '^\s*$' "$console" | tail -n 20 | sed 's/^/    /'
	fi
	echo "RESULT $test $verdict $p $f $s $*"
	case $verdict in
	pass) exit 0 ;;
	skip) exit 4 ;;
	*) exit 1 ;;
	esac
}

for f in "$kernel" "$initrd"; do
	[ -r "$f" ] || result fail 0 1 0 "missing $f"
done
command -v qemu-system-x86_64 > /dev/null || result fail 0 1 0 "qemu-system-x86_64 not found"

# Timestamp every line of the result channel as it arrives.
stamp() {
	local line

	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s %s\n' "$EPOCHREALTIME" "$line"
		if [ $verbose = 1 ] && [[ $line == LU-SAY* ]]; then
			printf '  [guest] %s\n' "${line#LU-SAY }" >&2
		fi
	done
}

# -N: one memory backend and one CPU, a socket of its own, per node (two
# CPUs in all; cores of one socket on two nodes would share a cache).
numa=()
smp=2
if [ "$nodes" -gt 1 ]; then
	smp=2,sockets=2,cores=1,threads=1
	[ "$nodes" = 2 ] || result fail 0 1 0 "-N: only 2 nodes are supported"
	per=$(( $(numfmt --from=iec "$mem") / nodes ))
	for n in 0 1; do
		numa+=(-object "memory-backend-ram,id=m$n,size=$per"
		       -numa "node,nodeid=$n,cpus=$n,memdev=m$n")
	done
fi

# The DMA test devices: edu on the root bus, and one behind a root port.
devices=()
for ((i = 0; i < edus; i++)); do
	devices+=(-device edu)
done
if [ $rootport = 1 ]; then
	devices+=(-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
		  -device edu,bus=rp1)
fi

cmdline="console=ttyS0 intel_iommu=on kho=on liveupdate=on retain_initrd panic=-1 oops=panic"
cmdline+=" lu_test=$test lu_stage=1 $append"

timeout -k 10 "$timeout" qemu-system-x86_64 \
	-M q35,kernel-irqchip=split -accel tcg ${cpu:+-cpu "$cpu"} -smp "$smp" \
	-m "$mem" $prealloc "${numa[@]}" \
	-nodefaults -display none -no-reboot \
	-device intel-iommu,intremap=on "${devices[@]}" \
	-trace vtd_dmar_fault -trace vtd_fault_disabled \
	-serial "file:$console" -serial stdio \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	< /dev/null 2> "$out/$test.qemu" | stamp > "$results"
rc=${PIPESTATUS[0]}

# --- verdict --------------------------------------------------------------
lines() { sed -n "s/^[0-9.]* $1 \{0,1\}//p" "$results"; }

splats='BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|general protection fault'
splats+='|kernel BUG at|Call Trace:|cut here|list_(add|del) corruption'
splats+='|possible (circular|recursive) locking|inconsistent lock state'
splats+='|suspicious RCU usage|INFO: task .* blocked|BUG: sleeping function'

boots=$(grep -c 'Linux version ' "$console")
booted=$(lines LU-BOOT | awk '{ print $1 }' | tr '\n' ' ')
verdict=$(lines LU-RESULT | tail -n 1)
reason=$(lines LU-REASON | tail -n 1)

# Transition times: the reboot call of one stage to userspace of the next.
awk '$2 == "LU-KEXEC" { t = $1; s = $3 }
     $2 == "LU-BOOT" && t { printf "TRANSITION %d->%d %.0f ms (guest uptime at init %s s)\n", s, $3, ($1 - t) * 1000, $4; t = 0 }' \
	"$results"
# Marks a test sets ("LU-MARK name"): the time since the last reboot call.
awk '$2 == "LU-KEXEC" { t = $1 }
     $2 == "LU-BOOT" { b = $3 }
     $2 == "LU-MARK" && t { printf "MARK %s %d %.0f ms since the reboot call\n", $3, b, ($1 - t) * 1000 }' \
	"$results"
lines 'BENCH' | sed 's/^/BENCH /'

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	result fail 0 1 0 "timed out after ${timeout}s (boots: $boots, stages seen: $booted)"
fi
if grep -qE "$splats" "$console"; then
	echo "--- kernel splat in $test:"
	grep -nE -m 5 "$splats" "$console" | sed 's/^/    /'
	result fail 0 1 0 "kernel splat in the console log"
fi
if [ -z "$verdict" ]; then
	result fail 0 1 0 "no result: the guest stopped without reporting (qemu exit $rc)"
fi

# Translation faults: what QEMU saw against what the test provoked.  QEMU
# traces a fault per access, and a DMA into unmapped memory is many
# accesses (4 bytes each for edu): one fault is a run of traces from one
# requester at ascending addresses, each within 64 bytes of the last.
qfaults=$(awk 'function hex(s,  i, v) {
		v = 0
		sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1
		return v
	}
	/vtd_dmar_fault|vtd_fault_disabled/ {
		sid = ""; addr = -1
		for (i = 1; i < NF; i++) {
			if ($i == "sid") sid = $(i + 1)
			if ($i == "addr") addr = hex($(i + 1))
		}
		if (sid != psid || addr <= paddr || addr - paddr > 64) n++
		psid = sid; paddr = addr
	} END { print n + 0 }' "$out/$test.qemu")
gfaults=$(grep -c 'DMAR: \[DMA ' "$console")
efaults=$(lines LU-FAULTS | awk '{ n += $1 } END { print n + 0 }')
if [ "$qfaults" != 0 ] || [ "$efaults" != 0 ] || [ $allfaults = 1 ]; then
	echo "FAULTS $test qemu $qfaults guest $gfaults expected $efaults"
fi
if [ "$qfaults" != "$efaults" ]; then
	grep -m 3 -E 'vtd_dmar_fault|vtd_fault_disabled' "$out/$test.qemu" | sed 's/^/    /'
	result fail 0 1 0 "$qfaults VT-d translation faults, $efaults expected (guest logged $gfaults)"
fi

# Every boot the console shows must be a stage the test saw, in order.
n=0
for s in $booted; do
	n=$((n + 1))
	[ "$s" = "$n" ] || result fail 0 1 0 "stage $n expected, stage $s booted"
done
[ "$n" = "$boots" ] || result fail 0 1 0 "$boots kernel boots but $n stages reached userspace"
if [ -n "$stages" ] && [ "$n" != "$stages" ]; then
	result fail 0 1 0 "$n stages ran, $stages expected"
fi

set -- $verdict
v=$1
shift
vrest="$*"
count=$(lines LU-COUNT | tail -n 1)
[ -n "$count" ] || case $v in
	pass) count="1 0 0" ;;
	skip) count="0 0 1" ;;
	*) count="0 1 0" ;;
esac

if [ $kunit = 1 ]; then
	# KUnit prints "# SUITE: pass:P fail:F skip:S total:T" after each
	# suite and "not ok N SUITE" for a suite that failed as a whole.
	# One "KUNIT SUITE P F S" line per suite, and the sums as the count.
	ktap=$(sed -n 's/^\[ *[0-9.]*\] //p' "$console")
	echo "$ktap" | awk '/^# [^ ]+: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:/ && $2 != "Totals:" {
			split($0, f, /[: ]+/); print "KUNIT", f[2], f[4], f[6], f[8] }
		/^not ok [0-9]+ / { print "KUNIT", $4, 0, 1, 0 }'
	count=$(echo "$ktap" | awk '/^# [^ ]+: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:/ && $2 != "Totals:" {
			split($0, f, /[: ]+/); p += f[4]; x += f[6]; s += f[8] }
		/^not ok [0-9]+ / { x++ }
		END { printf "%d %d %d", p, x, s }')
	set -- $count
	[ $(($1 + $2 + $3)) -gt 0 ] || result fail 0 1 0 "no KUnit results in the console log"
	[ "$2" = 0 ] || v=fail reason="KUnit: $2 case(s) failed"
fi

set -- $count
[ "$v" = pass ] && [ "$2" != 0 ] && v=fail reason="$2 case(s) failed"
result "$v" "$1" "$2" "$3" "${reason:-$vrest}"
