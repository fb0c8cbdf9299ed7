#!/usr/bin/env bash
# Instructions a packet costs, counted exactly: runs one scenario on
# Sluice alone (tools/bench.sh --plain), attaches gdb to the data plane
# once its flows are set up, steps one pass of the worker's loop body
# (rx_all(): a burst received, worked and sent) instruction by
# instruction, and prints the count a packet, split by function (inlined
# ones by their own name) and by source line (tools/bench/icount.py).
# This machine has no hardware counters, and its timings swing by 10-20%
# from minute to minute: a count tells a change of a few instructions
# apart, where a timing cannot. Totals of one binary differ by up to ~7
# a packet from pass to pass; the per-function split shows where.
#
#   tools/bench/icount.sh [--build DIR] [SCENARIO [FLOWS]]
#
# Defaults: build, tcp4-64k, the scenario's own flow count. About a
# minute. Must run as root (hugepages); needs gdb.
#
# Environment: ICOUNT_PASSES=N sums N passes in a row (default 1; a pass
# of tcp4 is ~45k instructions, about 20 s of stepping; one of syn4, whose
# conntrack sweep removes a varying number of flows, can be ten times
# that). ICOUNT_PCS=FILE writes each instruction's count and disassembly.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$PWD/build
if [ "${1:-}" = --build ]; then
	build=$2
	shift 2
fi
scen=${1:-tcp4-64k}
flows=()
if [ -n "${2:-}" ]; then
	flows=(--flows "$2")
fi
passes=${ICOUNT_PASSES:-1}
case $passes in
*[!0-9]*) passes=0 ;;
esac
passes=$((10#$passes))
if [ "$passes" -lt 1 ]; then
	echo "tools/bench/icount.sh: ICOUNT_PASSES must be a positive" \
		"integer" >&2
	exit 2
fi
export ICOUNT_PASSES=$passes	# for icount.py, in decimal
command -v gdb >/dev/null || {
	echo "tools/bench/icount.sh: needs gdb (apt-get install gdb)" >&2
	exit 2
}
out=$(mktemp -d /tmp/sluice-icount.XXXXXX)
bench=
cleanup() {
	if [ -n "$bench" ]; then
		pkill -TERM -f "sluice-dataplane -c $out/tmp/" 2>/dev/null || true
		wait "$bench" 2>/dev/null || true
	fi
	rm -rf "$out"
}
trap cleanup EXIT

tools/bench.sh --plain --build "$build" --out "$out" -- \
	--scenarios "$scen" "${flows[@]}" --no-testpmd --no-validate \
	--window 120 >"$out/bench.log" 2>&1 &
bench=$!
# The data plane of this run, then its flows: the first 2 x flows frames
# of the pcap set them up (a few seconds even at 1M flows).
pid=
for _ in $(seq 120); do
	pid=$(pgrep -f "sluice-dataplane -c $out/tmp/" | head -1 || true)
	[ -n "$pid" ] && break
	kill -0 "$bench" 2>/dev/null || { cat "$out/bench.log" >&2; exit 1; }
	sleep 1
done
[ -n "$pid" ] || { echo "icount: no data plane started" >&2; exit 1; }
sleep 10
timeout $((600 * passes)) \
	gdb -q -batch -p "$pid" -x tools/bench/icount.py 2>&1 |
	grep -E '^icount:|^  ' ||
	{ echo "icount: gdb failed" >&2; exit 1; }
