#!/usr/bin/env bash
# End to end through net_tap: a client namespace, three backend namespaces
# with real HTTP and UDP echo servers, Sluice with two workers on lcores
# that outnumber the CPUs. Usage: l4.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"


sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2el4
sl_env_up
T=$TOPO_TMP

# --- 300 requests over IPv4, spread by weight 1:1:2 -------------------
counts() { awk -v b="$2" '$1 == b { print $2 }' "$1"; }
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
weights_ok() { # FILE: 300 requests at weights 1:1:2 (75/75/150, ~3 sigma)
	in_range "$(counts "$1" b1)" 45 105 && in_range "$(counts "$1" b2)" 45 105 &&
	in_range "$(counts "$1" b3)" 115 185
}
curl_spread http://198.18.100.1 300 >"$T/v4.txt" && rc=0 || rc=$?
check "300 HTTP requests to the IPv4 VIP all succeed" [ "$rc" = 0 ]
cat "$T/v4.txt"
check "IPv4 spread follows weights 1:1:2" weights_ok "$T/v4.txt"
slctl backend list web4 --json >"$T/be4.json"
for b in 1 2 3; do
	got=$(json "$T/be4.json" "[x['new_flows'] for x in d if x['address'] == '198.18.1.1$b:8080'][0]")
	check "backend b$b counted $(counts "$T/v4.txt" b$b) new flows (got $got)" \
		[ "$got" = "$(counts "$T/v4.txt" b$b)" ]
done

curl_spread 'http://[2001:db8:100::1]' 300 >"$T/v6.txt" && rc=0 || rc=$?
check "300 HTTP requests to the IPv6 VIP all succeed" [ "$rc" = 0 ]
cat "$T/v6.txt"
check "IPv6 spread follows weights 1:1:2" weights_ok "$T/v6.txt"

# --- UDP ----------------------------------------------------------------
reply=$(udp_ask 198.18.100.1 7 hello || true)
check "UDP request/response through the VIP ('$reply')" \
	matches "$reply" '^b[123]:hello$'
udp_spread 198.18.100.1 7 60 >"$T/udp.txt" && rc=0 || rc=$?
check "60 UDP requests from new ports all answered" [ "$rc" = 0 ]
cat "$T/udp.txt"

# --- two workers, lcores > CPUs: replies reach the flow's owner --------
slctl stats --json >"$T/stats.json"
out=$(json "$T/stats.json" "sum(w['handoff_out'] for w in d['workers'])")
in_=$(json "$T/stats.json" "sum(w['handoff_in'] for w in d['workers'])")
nw=$(json "$T/stats.json" "len(d['workers'])")
check "2 workers on 3 lcores / 2 CPUs, handoffs $out out = $in_ in > 0" \
	[ "$nw" = 2 -a "$out" -gt 0 -a "$out" = "$in_" ]

# --- a long download survives drain (weight 0) and another's removal ---
# download N: 64 MiB at 16 MiB/s from the client, in the background ($!)
download() {
	in_cli curl -gsf --max-time 60 --limit-rate 16M -o "$T/big.$1" \
		-w '%{size_download}\n' "http://198.18.100.1/big" >"$T/dl.$1" 2>&1 &
}
flow_backend() { # the backend address of the established web4 flow
	slctl flows web4 --json | /usr/bin/python3 -c '
import json,sys
for f in json.load(sys.stdin):
    if f["state"] == "established": print(f["backend"].split(":")[0]); break'
}
sleep 2 # let the short flows above close and expire from "established"
download 1
pid=$!
sleep 1
busy=$(flow_backend)
check "the download's flow is listed ($busy)" [ -n "$busy" ]
slctl backend set web4 "$busy:8080" weight 0
check "drained backend shows state draining" \
	bash -c "slctl() { \"$SL_BUILD/tools/sluicectl\" -s $SL_SOCK \"\$@\"; };
		slctl backend list web4 | grep -q '$busy:8080 *0 *draining'"
curl_spread http://198.18.100.1 40 >"$T/drain.txt" || fail "requests during drain"
n=$(counts "$T/drain.txt" "b${busy##*.1}")
check "no new connection reaches the drained backend ($n)" [ "$n" = 0 ]
wait "$pid" && size=$(cat "$T/dl.1") || size=failed
check "download across the drain completes ($size bytes)" [ "$size" = 67108864 ]
slctl backend set web4 "$busy:8080" weight 1 >/dev/null

download 2
pid=$!
sleep 1
busy=$(flow_backend)
other=198.18.1.11; [ "$busy" = 198.18.1.11 ] && other=198.18.1.12
slctl backend del web4 "$other:8080" >/dev/null
curl_spread http://198.18.100.1 40 >"$T/del.txt" || fail "requests after removal"
n=$(counts "$T/del.txt" "b${other##*.1}")
check "no new connection reaches the removed backend $other ($n)" [ "$n" = 0 ]
wait "$pid" && size=$(cat "$T/dl.2") || size=failed
check "download on $busy completes while $other is removed ($size)" \
	[ "$size" = 67108864 ]

# --- runtime VIPs and bad input -----------------------------------------
slctl vip add extra 198.18.100.2:80 tcp >/dev/null
slctl backend add extra 198.18.1.13:8080 weight 5 >/dev/null
check "a VIP added at runtime serves" \
	bash -c "[ \"\$(ip netns exec $TOPO_NS_CLI curl -s --max-time 3 http://198.18.100.2/whoami)\" = b3 ]"
slctl vip del extra >/dev/null
check "a deleted VIP no longer answers" \
	bash -c "! ip netns exec $TOPO_NS_CLI curl -s --max-time 2 http://198.18.100.2/whoami"
check "bad CLI arguments fail with exit 2" \
	bash -c "\"$SL_BUILD/tools/sluicectl\" -s $SL_SOCK backend add web4 300.1.1.1:80; [ \$? = 2 ]"
check "an error from the control plane fails with exit 1" \
	bash -c "\"$SL_BUILD/tools/sluicectl\" -s $SL_SOCK backend del web4 198.18.1.99:80; [ \$? = 1 ]"
n=$(slctl flows limit 3 --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "flows honours its limit ($n <= 3)" [ "$n" -le 3 ]
# Garbage on the control socket: refused, and the server keeps serving.
head -c 300 /dev/urandom | socat -t 2 - "UNIX-CONNECT:$SL_SOCK" >/dev/null 2>&1 || true
printf 'SLC1\1\0\7\0\0\0\0\377\377\0\0' | socat -t 2 - "UNIX-CONNECT:$SL_SOCK" >/dev/null 2>&1 || true
check "the control socket survives garbage" slctl status
sed 's/^port = 80$/port = 80x/' "$SL_CONF" >"$T/bad.ini"
msg=$("$SL_BUILD/control/sluice-control" --check "$T/bad.ini" 2>&1) && rc=0 || rc=$?
check "--check refuses a bad file with its line ($msg)" \
	matches "$rc:$msg" "^1:.*bad.ini:[0-9]+:.*port"
cp "$SL_CONF" "$T/good.ini"
cp "$T/bad.ini" "$SL_CONF"
slctl reload && rc=0 || rc=$?
cp "$T/good.ini" "$SL_CONF"
check "reload of a bad file is refused (exit $rc)" [ "$rc" = 1 ]
check "the VIPs still serve after the refused reload" \
	bash -c "[ \"\$(ip netns exec $TOPO_NS_CLI curl -s --max-time 3 http://198.18.100.1/whoami)\" != '' ]"
check "the data plane is still running" kill -0 "$SL_DP_PID"

slctl stats
sl_finish
