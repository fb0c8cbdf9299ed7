#!/usr/bin/env bash
# Sluice benchmarks: every scenario against dpdk-testpmd --forward-mode=5tswap
# on the same pcap and the same lcores, in the same invocation; then the
# pure-core numbers (Maglev rebuild, conntrack bytes per flow) and a plot.
#
#   tools/bench.sh [--quick|--plain] [--out DIR] [--build DIR]
#                  [-- BENCH.PY ARGS...]
#
#   --quick   smoke run: small flow counts, 0.5 s windows, no sweep, no
#             plot (tests/bench/smoke.sh runs this; a few seconds per
#             scenario)
#   --plain   the scenarios alone, as BENCH.PY ARGS say: no sweep, no
#             Maglev or conntrack numbers, no plot (tools/bench/ab.sh)
#   --out     where results go (default build/bench); results.json,
#             table.txt, sweep.dat, maglev.txt, flows.png; logs and
#             configs of every run in tmp/
#   arguments after -- go to tools/bench/bench.py (--scenarios a,b,
#   --repeat N, --window S, --ct-size N, ...)
#
# Must run as root (hugepages). Cleans up its processes and hugepage files
# on exit, also on failure or ^C, and gives back the hugepages it added.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "tools/bench.sh: run as root (hugepages)" >&2
	exit 2
fi
quick=0
plain=0
out=$top/build/bench
build=$top/build
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--plain) plain=1 ;;
	--out) out=$2; shift ;;
	--build) build=$2; shift ;;
	--) shift; break ;;
	*) echo "usage: tools/bench.sh [--quick|--plain] [--out DIR]" \
		"[--build DIR] [-- BENCH.PY ARGS...]" >&2; exit 2 ;;
	esac
	shift
done
py=/usr/bin/python3
sysfs=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

command -v dpdk-testpmd >/dev/null || tools/deps.sh
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null
mkdir -p "$out"

# 1M flows replayed from memory: 2M frames of 2.5 KB mbufs, plus conntrack.
pages_before=$(<"$sysfs")
if [ "$quick" = 1 ]; then want=768; else want=3584; fi
tools/hugepages.sh "$want"
cleanup() {
	local rc=$?
	# bench.py stops what it started and removes its hugepage files; if
	# it was killed, the processes it listed in pids are ours to stop.
	if [ -f "$out/tmp/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done <"$out/tmp/pids"
		sleep 0.5
		rm -f "$out/tmp/pids"
	fi
	for d in /var/run/dpdk/sl-bench-*; do
		[ -e "$d" ] && tools/hugepages.sh --cleanup "$(basename "$d")" \
			>/dev/null 2>&1 || true
	done
	# The pcaps are remade in a second; logs and configs stay.
	rm -f "$out"/tmp/*.pcap
	if [ "$(<"$sysfs")" -gt "$pages_before" ]; then
		echo "$pages_before" >"$sysfs" 2>/dev/null || true
	fi
	return "$rc"
}
trap cleanup EXIT

args=()
if [ "$quick" = 1 ]; then
	args+=(--quick --window 0.5 --warm 0.2)
elif [ "$plain" = 0 ]; then
	args+=(--sweep)
fi
rc=0
$py tools/bench/bench.py --build "$build" --out "$out" "${args[@]}" "$@" \
	| tee "$out/table.txt" || rc=$?

if [ "$quick" = 0 ] && [ "$plain" = 0 ]; then
	{
		echo "# sluice-benchcore maglev 65537: backends weights" \
			"min_us median_us max_us"
		"$build/tools/sluice-benchcore" maglev 65537 21
		echo "# conntrack: capacity_slots bytes bytes_per_ipv4_flow" \
			"bytes_per_ipv6_flow slot_size"
		"$build/tools/sluice-benchcore" ctmem 65536 131072 1048576 2097152
	} | tee "$out/maglev.txt"
	command -v gnuplot >/dev/null ||
		apt-get install -y -q gnuplot-nox >/dev/null 2>&1 || true
	if command -v gnuplot >/dev/null; then
		gnuplot -e "dat='$out/sweep.dat'; png='$out/flows.png'" \
			tools/bench/flows.gp
		echo "plot: $out/flows.png"
	else
		echo "tools/bench.sh: no gnuplot (apt-get install gnuplot-nox):" \
			"no plot" >&2
	fi
fi
exit "$rc"
