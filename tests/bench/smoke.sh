#!/usr/bin/env bash
# Smoke run of the benchmark harness (meson suite 'bench-smoke', not part of
# tools/test.sh): two scenarios with small pcaps and half-second windows.
# It checks that the harness works end to end (validation of the rewrite,
# no drops, testpmd reference, cleanup); the rates it prints mean nothing.
# Usage: smoke.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d /tmp/sluice-bench-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$top/tools/bench.sh" --quick --build "$build" --out "$out" -- \
	--scenarios tcp4-64k,udp4-64k
/usr/bin/python3 - "$out/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for name, s in r["scenarios"].items():
    v = s["validation"]
    assert v["nb_problems"] == 0 and v["forwarded"] == v["packets"], name
    assert s["sluice"]["pps"] > 0 and s["testpmd"]["pps"] > 0, name
    assert s["sluice"]["drops"] == 0, name
print("bench smoke: ok")
PY
