#!/usr/bin/env bash
# Fault isolation: kill -9 of sluice-control under client load (the data
# plane keeps forwarding, a restarted control plane re-attaches and the CLI
# works again), then a data plane restart (sluice-control reports it, keeps
# running, and pushes the config to the new data plane).
# Usage: fault.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"


sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2eft
sl_env_up
T=$TOPO_TMP

# load SECONDS TAG: new connections back to back from the client; writes
# "succeeded failed" to $T/load.TAG
load() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	in_cli bash -c 'end=$((SECONDS + $1)); ok=0; bad=0
		while [ "$SECONDS" -lt "$end" ]; do
			if curl -sf --max-time 3 http://198.18.100.1/whoami \
				>/dev/null; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
		done; echo "$ok $bad"' _ "$1" >"$T/load.$2"
}
download() { # 64 MiB at 8 MiB/s: 8 s, one connection throughout
	in_cli curl -gsf --max-time 60 --limit-rate 8M -o "$T/big.$1" \
		-w '%{size_download}\n' "http://198.18.100.1/big" >"$T/dl.$1" 2>&1
}

# --- kill -9 of the control plane under load -----------------------------
load 10 ctl &
lpid=$!
download ctl &
dpid=$!
sleep 2
kill -9 "$SL_CTL_PID"
wait "$SL_CTL_PID" 2>/dev/null || true
check "sluicectl fails cleanly while no control plane runs" \
	bash -c "! '$SL_BUILD/tools/sluicectl' -s '$SL_SOCK' -t 2 status"
curl_spread http://198.18.100.1 40 >"$T/nocontrol.txt" && rc=0 || rc=$?
check "new connections still succeed without a control plane" [ "$rc" = 0 ]
cat "$T/nocontrol.txt"
check "all three backends got some of them" \
	[ "$(awk '$2 > 0' "$T/nocontrol.txt" | wc -l)" = 3 ]
sleep 1
sl_start_control
check "a restarted control plane re-attaches and the CLI works" slctl status
grep -q "re-attached" "$T/control.log" && ok "it found the running snapshot" ||
	fail "no 're-attached' in control.log"
wait "$lpid" || true
read -r good bad <"$T/load.ctl"
check "client load across kill -9 and restart: $good ok, $bad failed" \
	[ "$bad" = 0 -a "$good" -gt 20 ]
wait "$dpid" || true
check "a download across the restart completes ($(cat "$T/dl.ctl"))" \
	[ "$(cat "$T/dl.ctl")" = 67108864 ]
epoch=$(slctl status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["epoch"])')
check "the control plane pushed a new epoch on re-attach ($epoch)" [ "$epoch" -ge 2 ]

# --- the data plane goes away and comes back -----------------------------
kill -TERM "$SL_DP_PID"
wait "$SL_DP_PID" 2>/dev/null || true
sleep 1
check "sluice-control keeps running without a data plane" kill -0 "$SL_CTL_PID"
msg=$(slctl status 2>&1) && rc=0 || rc=$?
check "the CLI says the data plane is not running (exit $rc)" \
	bash -c "[ $rc = 1 ] && grep -q 'not running' <<<'$msg'"
check "/metrics says so too" bash -c \
	"curl -s http://127.0.0.1:$SL_METRICS_PORT/metrics | grep -qx 'sluice_dataplane_up 0'"
sl_start_dataplane
sl_taps_up
for _ in $(seq 1 100); do
	slctl status >/dev/null 2>&1 && break
	sleep 0.1
done
check "the control plane attached to the new data plane" slctl status
check "and pushed the config from its file (3 VIPs)" bash -c \
	"'$SL_BUILD/tools/sluicectl' -s '$SL_SOCK' vip list --json | grep -o '\"name\"' | wc -l | grep -qx 3"
curl_spread http://198.18.100.1 40 >"$T/after.txt" && rc=0 || rc=$?
check "requests flow through the new data plane" [ "$rc" = 0 ]
cat "$T/after.txt"
if [ "$rc" != 0 ]; then
	# Where the failed request went (seen once in a full suite run,
	# not reproduced in runs of this test alone).
	echo "--- sluicectl stats after the failure"
	slctl stats 2>&1 || true
fi
grep -c "data plane exited" "$T/control.log" >/dev/null &&
	ok "the exit was logged" || fail "no exit logged"

sl_finish
