#!/usr/bin/env bash
# Two variants of the fast path in one run. Builds the working tree with
# -DSL_AB_PHASES (see sl_common.h: the workers flip sl_ab every 250 ms),
# runs one scenario on Sluice alone (tools/bench.sh --plain) and prints
# each worker's cycles per packet under sl_ab = 0 and sl_ab = 1. The
# variant under test is written as "if (sl_ab) ... else ..." in the tree
# first; without one, both phases run the same code: an A/A run, which
# here differed by 0.8% to 4% at 10 s, so take a smaller difference as
# none.
#
#   tools/bench/ab.sh [--build DIR] [SCENARIO [WINDOW_S]]
#
# Defaults: build-ab, tcp4-64k, 20 s. Must run as root (hugepages).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$PWD/build-ab
if [ "${1:-}" = --build ]; then
	build=$2
	shift 2
fi
scen=${1:-tcp4-64k}
window=${2:-20}
out=$(mktemp -d /tmp/sluice-ab.XXXXXX)
trap 'rm -rf "$out"' EXIT

command -v meson >/dev/null || tools/deps.sh
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dc_args=-DSL_AB_PHASES >/dev/null
fi
tools/bench.sh --plain --build "$build" --out "$out" -- \
	--scenarios "$scen" --no-testpmd --no-validate --window "$window" \
	>"$out/bench.log" 2>&1 || {
	cat "$out/bench.log" >&2
	exit 1
}
if ! grep -h "sl_ab" "$out/tmp/$scen-dp.log" | sed 's/.*worker/worker/' |
	grep .; then
	echo "tools/bench/ab.sh: no sl_ab lines: is $build built with" \
		"-DSL_AB_PHASES?" >&2
	exit 1
fi
