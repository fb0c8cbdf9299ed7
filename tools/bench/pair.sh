#!/usr/bin/env bash
# Two builds of Sluice at once, one per CPU, swapped every round, on the
# same scenario (Sluice alone, no testpmd): for each run, B's Mpps over
# A's. This machine's speed swings by 10-20% from one minute to the next;
# running both at the same time, each on the other CPU in turn, puts both
# under the same swing, so a ratio of a few percent shows where one run
# after the other could not (both also share the L3 and memory, so the
# absolute rates are lower than alone). tools/bench/ab.sh compares two
# variants of one build; this one compares two commits.
#
#   tools/bench/pair.sh BUILD_A BUILD_B [SCENARIO [FLOWS [ROUNDS]]]
#
# Defaults: tcp4-64k, 65536 flows, 2 rounds (4 runs of each, 8 s windows;
# about 2 minutes). At most 262144 flows: two data planes share the
# hugepages. A build of another commit: git worktree add /tmp/wt-a REV,
# then (cd /tmp/wt-a && meson setup /tmp/build-a && ninja -C /tmp/build-a).
# Must run as root (hugepages).
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
	echo "usage: tools/bench/pair.sh BUILD_A BUILD_B [SCENARIO [FLOWS" \
		"[ROUNDS]]]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
[ "$(id -u)" = 0 ] || { echo "tools/bench/pair.sh: run as root" >&2; exit 2; }
build_a=$(realpath "$1")
build_b=$(realpath "$2")
scen=${3:-tcp4-64k}
flows=${4:-65536}
rounds=${5:-2}
case $flows$rounds in
*[!0-9]*) usage ;;
esac
if [ "$flows" -gt 262144 ] || [ "$flows" -lt 1 ] || [ "$rounds" -lt 1 ]; then
	echo "tools/bench/pair.sh: FLOWS 1..262144, ROUNDS >= 1" >&2
	exit 2
fi
for b in "$build_a" "$build_b"; do
	[ -f "$b/build.ninja" ] || {
		echo "tools/bench/pair.sh: $b is not a meson build" \
			"directory" >&2
		exit 2
	}
	ninja -C "$b" >/dev/null
done

sysfs=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
out=$(mktemp -d /tmp/sluice-pair.XXXXXX)
pages_before=$(<"$sysfs")
pids=()
cleanup() {
	local rc=$? p d
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	# bench.py stops its own processes; if it was killed, its pids files
	# list what is left.
	for p in $(cat "$out"/*/tmp/pids 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	for d in "$out"/*/tmp; do
		[ -d "$d" ] || continue
		for pf in $(grep -ho 'sl-bench-[0-9]*-[a-z0-9-]*' "$d"/*.ini \
			    2>/dev/null | sort -u); do
			tools/hugepages.sh --cleanup "$pf" >/dev/null 2>&1 ||
				true
		done
	done
	rm -rf "$out"
	if [ "$(<"$sysfs")" -gt "$pages_before" ]; then
		echo "$pages_before" >"$sysfs" 2>/dev/null || true
	fi
	return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
tools/hugepages.sh 3584 >/dev/null

# One run: build, CPU, output directory; prints nothing, leaves bench.log.
run() {
	python3 tools/bench/bench.py --build "$1" --out "$3" \
		--scenarios "$scen" --flows "$flows" --no-testpmd \
		--no-validate --window 8 --cpu "$2" >"$3/bench.log" 2>&1
}
mpps() {
	grep -o '"pps": [0-9.]*' "$1/bench.log" | head -1 |
		awk '{ printf "%.3f", $2 / 1e6 }'
}

echo "pair: A = $build_a"
echo "pair: B = $build_b"
echo "pair: $scen, $flows flows, $rounds rounds"
ratios=()
for r in $(seq "$rounds"); do
	for cpu_a in 0 1; do
		mkdir -p "$out/a" "$out/b"
		run "$build_a" "$cpu_a" "$out/a" &
		pids=($!)
		run "$build_b" $((1 - cpu_a)) "$out/b" &
		pids+=($!)
		ok=1
		wait "${pids[0]}" || ok=0
		wait "${pids[1]}" || ok=0
		pids=()
		if [ "$ok" = 0 ]; then
			echo "pair: a run failed:" >&2
			tail -5 "$out/a/bench.log" "$out/b/bench.log" >&2
			exit 1
		fi
		a=$(mpps "$out/a")
		b=$(mpps "$out/b")
		ratio=$(awk -v a="$a" -v b="$b" \
			'BEGIN { printf "%.3f", b / a }')
		ratios+=("$ratio")
		echo "round $r: A on cpu $cpu_a $a Mpps, B on cpu" \
			"$((1 - cpu_a)) $b Mpps: B/A $ratio"
		rm -rf "$out/a" "$out/b"
	done
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '
	{ v[NR] = $1; l += log($1) }
	END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "pair: B/A median %.3f, geometric mean %.3f, " \
		       "min %.3f, max %.3f (%d runs)\n",
		       m, exp(l / NR), v[1], v[NR], NR
	}'
