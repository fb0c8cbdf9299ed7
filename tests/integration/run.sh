#!/usr/bin/env bash
# Golden pcap test: tests/integration/golden/in.pcap goes through
# sluice-dataplane on net_pcap (one port, one worker) configured by
# sluice-control; what comes out must equal golden/expect_*.pcap byte for
# byte and the drop counters must equal golden/expect.json.
# Usage: run.sh BUILD_DIR [SCENARIO]
# SCENARIO (e.g. policy): SCENARIO.py here makes its input and expectations
# at test time (gen DIR), its config (conf) and checks the run (check DIR
# OUT.pcap STATS.json VIPS.json ACL.json); nothing is committed for it.
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/sluice-it.XXXXXX)
prefix=sl-it-$$
sock=/run/sluice/it-$$.sock
dp_pid= ctl_pid=
scenario=${2:-}

cleanup() {
	local rc=$?
	if [ "$rc" != 0 ]; then
		echo "--- data plane log"; cat "$tmp/dp.log" 2>/dev/null
		echo "--- control plane log"; cat "$tmp/ctl.log" 2>/dev/null
		# SL_IT_KEEP=DIR keeps the files of a failed run
		[ -n "${SL_IT_KEEP:-}" ] && cp -r "$tmp" "$SL_IT_KEEP"
	fi
	[ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null || true
	[ -n "$dp_pid" ] && kill "$dp_pid" 2>/dev/null || true
	sleep 0.2
	[ -n "$ctl_pid" ] && kill -9 "$ctl_pid" 2>/dev/null || true
	[ -n "$dp_pid" ] && kill -9 "$dp_pid" 2>/dev/null || true
	"$top/tools/hugepages.sh" --cleanup "$prefix" >/dev/null 2>&1 || true
	rm -rf "$tmp"
	return "$rc"
}
trap cleanup EXIT

if [ -n "$scenario" ]; then
	gen=$here/$scenario.py
	dir=$tmp/gen
	$py "$gen" gen "$dir"
else
	gen=$here/golden.py
	dir=$here/golden
	# The committed golden files must be what the generator makes today.
	$py "$gen" gen "$tmp/gen"
	for f in in.pcap expect_fwd.pcap expect_main.pcap expect.json; do
		cmp "$tmp/gen/$f" "$here/golden/$f" || {
			echo "golden/$f is stale: run golden.py gen" \
				"tests/integration/golden"
			exit 1
		}
	done
fi

$py "$gen" conf "$dir/in.pcap" "$tmp/out.pcap" \
	"$prefix" "$sock" > "$tmp/it.ini"
"$build/control/sluice-control" --check "$tmp/it.ini"
"$build/dataplane/sluice-dataplane" -c "$tmp/it.ini" >"$tmp/dp.log" 2>&1 &
dp_pid=$!
"$build/control/sluice-control" -c "$tmp/it.ini" --wait 20 \
	>"$tmp/ctl.log" 2>&1 &
ctl_pid=$!

want=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["rx_pkts"])' \
	"$dir/expect.json")
ctl() { "$build/tools/sluicectl" -s "$sock" "$@"; }
rx=0
for _ in $(seq 1 100); do
	if ctl stats --json >"$tmp/stats.json" 2>/dev/null; then
		rx=$($py -c 'import json,sys; d=json.load(open(sys.argv[1]));
print(sum(w["rx_pkts"] for w in d["workers"]))' "$tmp/stats.json")
		[ "$rx" -ge "$want" ] && break
	fi
	sleep 0.1
done
# Let the main lcore's ARP/ND answers drain through worker 0.
sleep 0.5
ctl stats --json >"$tmp/stats.json"
if [ -n "$scenario" ]; then
	ctl vip list --json >"$tmp/vips.json"
	ctl acl list --json >"$tmp/acl.json"
fi
kill -INT "$dp_pid"
wait "$dp_pid" || true
dp_pid=
wait "$ctl_pid" || true
ctl_pid=
if [ "$rx" -lt "$want" ]; then
	echo "only $rx of $want packets were received"
	cat "$tmp/dp.log" "$tmp/ctl.log"
	exit 1
fi
if [ -n "$scenario" ]; then
	$py "$gen" check "$dir" "$tmp/out.pcap" "$tmp/stats.json" \
		"$tmp/vips.json" "$tmp/acl.json"
else
	$py "$gen" check "$dir" "$tmp/out.pcap" "$tmp/stats.json"
fi
