#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite: unit,
# integration (pcap golden files through net_pcap), e2e (net_tap +
# namespaces + real servers); then the unit and integration suites again
# under ASan + UBSan. Usage: tools/test.sh [--quick]  (--quick: no sanitizer
# pass). Must run as root (hugepages, namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "tools/test.sh: run as root (hugepages, network namespaces)" >&2
	exit 2
fi
quick=0
[ "${1:-}" = "--quick" ] && quick=1

tools/deps.sh
tools/hugepages.sh 768

setup() { # dir, extra meson args...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --werror "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}

rc=0
setup build
meson test -C build --suite unit --suite integration --suite e2e \
	--print-errorlogs --num-processes 1 || rc=1
logs=build/meson-logs/testlog.json
if [ "$quick" = 0 ]; then
	# ASan + UBSan; DPDK's own libraries are not instrumented.
	setup build-san -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug
	ASAN_OPTIONS=abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-san --suite unit --suite integration \
		--print-errorlogs --num-processes 1 || rc=1
	logs="$logs build-san/meson-logs/testlog.json"
fi
# One closing line over both runs: "N passed, N failed".
# shellcheck disable=SC2086 # two file names
cat $logs | /usr/bin/python3 -c '
import json, sys
r = [json.loads(l)["result"] for l in sys.stdin if l.strip()]
print("%d passed, %d failed" % (r.count("OK"), len(r) - r.count("OK")))'
exit "$rc"
