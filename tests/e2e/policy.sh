#!/usr/bin/env bash
# Access rules and rate limits end to end, two workers: per-VIP and global
# deny / allow lists answered by drop, RST or ICMP, changed live with
# sluicectl; per-client, per-prefix and per-VIP new-connection limits and a
# packet rate limit, which must hold across both workers, must not cut
# established flows, and are counted by reason. Usage: policy.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"

sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2epo
T=$TOPO_TMP
{
	printf '\n[acl]\ndeny = 198.18.0.5/32\n'
	sl_vip_conf acl4 198.18.100.2 80 tcp '198.18.1.1%s:8080' deny=198.18.0.3/32 \
		deny_reply=rst
	sl_vip_conf acl6 2001:db8:100::2 80 tcp '[2001:db8:1::1%s]:8080' \
		allow=2001:db8::2/128 deny_reply=icmp
	sl_vip_conf icmp4 198.18.100.3 80 tcp '198.18.1.1%s:8080' deny=198.18.0.4/32 \
		deny_reply=icmp
	sl_vip_conf lim4 198.18.100.4 80 tcp '198.18.1.1%s:8080' client_conn_rate=2 \
		client_conn_burst=4
	sl_vip_conf conn4 198.18.100.9 80 tcp '198.18.1.1%s:8080' conn_rate=4 \
		conn_burst=4
	sl_vip_conf pps4 198.18.100.10 7 udp '198.18.1.1%s:7007' pps=50 pps_burst=50
} >>"$SL_CONF"
sl_env_up
for a in 3 4 5 6 7; do
	in_cli ip addr add "198.18.0.$a/24" dev "$TOPO_CLI_TAP"
done
in_cli ip addr add 2001:db8::3/64 dev "$TOPO_CLI_TAP" nodad
# Sluice learns each client address once (a first reply waits for its
# neighbour entry): one request from each through the policy-free VIP.
for a in 2 3 4 5 6 7; do
	in_cli curl -gs --max-time 3 --interface "198.18.0.$a" -o /dev/null \
		http://198.18.100.1/whoami || true
done
for a in 2 3; do
	in_cli curl -gs --max-time 3 --interface "2001:db8::$a" -o /dev/null \
		'http://[2001:db8:100::1]/whoami' || true
done

# get FROM URL: curl's exit status and time, "RC SECONDS"
get() {
	local rc=0 t0 t1
	t0=$(date +%s%N)
	in_cli curl -gsf --max-time 3 --interface "$1" -o /dev/null "$2" || rc=$?
	t1=$(date +%s%N)
	echo "$rc $(((t1 - t0) / 1000000))"
}
refused_fast() { # "RC MS": connect failed (7) in under a second
	local rc=${1% *} ms=${1#* }
	[ "$rc" = 7 ] && [ "$ms" -lt 1000 ]
}
succeeded() { [ "${1% *}" = 0 ]; }

# --- deny lists -----------------------------------------------------------
r=$(get 198.18.0.2 http://198.18.100.2/whoami)
check "acl4: an unlisted client is served ($r)" succeeded "$r"
r=$(get 198.18.0.3 http://198.18.100.2/whoami)
check "acl4: the denied client is refused by a RST at once ($r)" refused_fast "$r"
r=$(get 198.18.0.5 http://198.18.100.2/whoami)
check "acl4: a client of the global deny list is refused too ($r)" refused_fast "$r"
r=$(get 198.18.0.4 http://198.18.100.3/whoami)
check "icmp4: the denied client gets ICMP prohibited at once ($r)" refused_fast "$r"
r=$(get 2001:db8::2 'http://[2001:db8:100::2]/whoami')
check "acl6: the allowed client is served ($r)" succeeded "$r"
r=$(get 2001:db8::3 'http://[2001:db8:100::2]/whoami')
check "acl6: a client not on the allow list gets ICMPv6 prohibited ($r)" \
	refused_fast "$r"
check "denials counted per VIP (acl4 $(sl_vip_metric acl_denied acl4), acl6 $(sl_vip_metric acl_denied acl6), icmp4 $(sl_vip_metric acl_denied icmp4))" \
	[ "$(sl_vip_metric acl_denied acl4)" -ge 2 -a "$(sl_vip_metric acl_denied acl6)" -ge 1 -a \
	"$(sl_vip_metric acl_denied icmp4)" -ge 1 ]
check "answers counted (acl4 replies $(sl_vip_metric acl_replies acl4))" \
	[ "$(sl_vip_metric acl_replies acl4)" = "$(sl_vip_metric acl_denied acl4)" ]
slctl acl list --json >"$T/acl.json"
hits=$(json "$T/acl.json" "[r['hits'] for r in d['rules'] if r['scope'] == 'acl4' and r['prefix'] == '198.18.0.3/32'][0]")
ghits=$(json "$T/acl.json" "[r['hits'] for r in d['rules'] if r['scope'] == 'global'][0]")
dflt=$(json "$T/acl.json" "d['default_deny_hits']")
check "per-rule hits: acl4's deny $hits, global deny $ghits, default deny $dflt" \
	[ "$hits" -ge 1 -a "$ghits" -ge 1 -a "$dflt" -ge 1 ]

# --- live changes ---------------------------------------------------------
slctl acl add acl4 deny 198.18.0.2/32 >/dev/null
r=$(get 198.18.0.2 http://198.18.100.2/whoami)
check "acl add from sluicectl: the client is refused now ($r)" refused_fast "$r"
r=$(get 198.18.0.6 http://198.18.100.2/whoami)
check "... and another client is still served ($r)" succeeded "$r"
slctl acl del acl4 198.18.0.2/32 >/dev/null
r=$(get 198.18.0.2 http://198.18.100.2/whoami)
check "acl del: the client is served again ($r)" succeeded "$r"
# a rule added live cuts an established flow at its next packet
in_cli curl -gs --max-time 20 --limit-rate 4M --interface 198.18.0.2 \
	-o /dev/null -w '%{size_download}' http://198.18.100.2/big >"$T/cut" 2>&1 &
dl=$!
sleep 1
slctl acl add acl4 deny 198.18.0.2/32 >/dev/null
rc=0
wait "$dl" || rc=$?
got=$(cat "$T/cut")
check "a deny added live cuts the client's running download (curl rc $rc after ${got:-0} bytes)" \
	[ "$rc" != 0 -a "${got:-0}" -lt 67108864 ]
slctl acl del acl4 198.18.0.2/32 >/dev/null
slctl acl add --global deny 198.18.0.6/32 >/dev/null
r=$(get 198.18.0.6 http://198.18.100.4/whoami)
check "a global deny added live applies to every VIP (lim4 drops: $r)" \
	[ "${r% *}" != 0 ]
slctl acl del --global 198.18.0.6/32 >/dev/null
out=$(slctl acl add acl4 deny 198.18.0.300/32 2>&1) && rc=0 || rc=$?
check "a bad prefix is refused with a message (rc $rc: $out)" \
	[ "$rc" != 0 -a -n "$out" ]

# --- new connections per client, across two workers ----------------------
# burst N FROM URL: N connections at once from FROM; prints how many
# succeeded. A connection over the limit loses its SYN (and curl gives up
# before the retransmission).
burst() {
	local n=$1 from=$2 url=$3 i
	in_cli bash -c '
		for ((i = 0; i < $1; i++)); do
			curl -gsf --max-time 0.8 --interface "$2" -o /dev/null \
				"$3" && echo ok &
		done
		wait' _ "$n" "$from" "$url" | grep -c ok || true
}
sleep 2.5 # lim4's buckets full again (2/s, burst 4)
a=$(burst 24 198.18.0.2 http://198.18.100.4/whoami)
b=$(burst 4 198.18.0.3 http://198.18.100.4/whoami)
check "client limit 2/s burst 4: 24 at once from one client, $a pass (4..6)" \
	[ "$a" -ge 4 -a "$a" -le 6 ]
check "... another client has its own bucket: $b of 4 pass" [ "$b" = 4 ]
check "client limit drops counted ($(sl_vip_metric rate_client_dropped lim4))" \
	[ "$(sl_vip_metric rate_client_dropped lim4)" -ge 18 ]
slctl vip policy lim4 client_prefix4 24 >/dev/null
sleep 2.5
burst 12 198.18.0.2 http://198.18.100.4/whoami >"$T/b2" &
bp=$!
b=$(burst 12 198.18.0.3 http://198.18.100.4/whoami)
wait "$bp"
a=$(cat "$T/b2")
check "per /24: two clients of one /24 share one bucket ($a + $b pass, 4..6)" \
	[ $((a + b)) -ge 4 -a $((a + b)) -le 6 ]
slctl vip policy lim4 client_prefix4 32 client_conn_rate 0 >/dev/null

# --- established flows survive a new-connection limit ---------------------
slctl vip policy lim4 client_conn_rate 1 client_conn_burst 1 >/dev/null
sleep 1.5
in_cli curl -gsf --max-time 30 --limit-rate 8M -o /dev/null \
	-w '%{size_download}' http://198.18.100.4/big >"$T/dl" 2>&1 &
dl=$!
sleep 1
x=$(burst 10 198.18.0.2 http://198.18.100.4/whoami)
wait "$dl" || true
check "a 64 MiB download continues while new connections are refused ($x new, got $(cat "$T/dl"))" \
	[ "$(cat "$T/dl")" = 67108864 -a "$x" -le 1 ]

# --- new connections per VIP ----------------------------------------------
sleep 1.5
for a in 2 3 4; do
	burst 8 "198.18.0.$a" http://198.18.100.9/whoami >"$T/c$a" &
	pids[a]=$!
done
wait "${pids[@]}"
c=$(($(cat "$T/c2") + $(cat "$T/c3") + $(cat "$T/c4")))
check "VIP limit 4/s burst 4 (an even share per worker): $c of 24 pass (4..6)" \
	[ "$c" -ge 3 -a "$c" -le 6 ]
check "VIP limit drops counted ($(sl_vip_metric rate_conn_dropped conn4))" \
	[ "$(sl_vip_metric rate_conn_dropped conn4)" -ge 15 ]

# --- packets per second -----------------------------------------------------
got=$(in_cli "$TOPO_PY" - <<'PY'
import select, socket, time
socks = []
for i in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.2", 0))
    s.setblocking(False)
    s.sendto(b"x%d" % i, ("198.18.100.10", 7))
    socks.append(s)
n, end = 0, time.monotonic() + 1.0
while time.monotonic() < end:
    r, _, _ = select.select(socks, [], [], 0.1)
    for s in r:
        s.recv(100)
        n += 1
print(n)
PY
)
check "pps 50 burst 50: $got of 200 datagrams answered (40..70)" \
	[ "$got" -ge 40 -a "$got" -le 70 ]
check "pps drops counted ($(sl_vip_metric rate_pps_dropped pps4))" \
	[ "$(sl_vip_metric rate_pps_dropped pps4)" -ge 120 ]

# --- the policy counters, three ways --------------------------------------
sleep 0.5
slctl vip list --json >"$T/vips.json"
slctl acl list --json >"$T/acl.json"
curl -sf "http://127.0.0.1:$SL_METRICS_PORT/metrics" >"$T/metrics.txt"
{
	for v in acl4 acl6 icmp4 lim4 conn4 pps4; do echo "/sluice/vip,$v"; done
	echo /sluice/acl
} | dpdk-telemetry.py -f "$SL_PREFIX" >"$T/tel.txt" 2>&1 || true
"$TOPO_PY" - "$T" <<'PY' && ok "policy counters agree in sluicectl, /metrics and telemetry" ||
import json, sys
T = sys.argv[1]
vips = {v["name"]: v for v in json.load(open(T + "/vips.json"))}
acl = json.load(open(T + "/acl.json"))
prom = {}
for line in open(T + "/metrics.txt"):
    if line.startswith("#") or not line.strip():
        continue
    name, val = line.rsplit(" ", 1)
    prom[name] = int(val)
tel = [json.loads(l) for l in open(T + "/tel.txt") if l.strip().startswith("{")]
tvip = [t["/sluice/vip"] for t in tel if "/sluice/vip" in t]
tacl = [t["/sluice/acl"] for t in tel if "/sluice/acl" in t][0]
bad = n = 0
for i, name in enumerate(["acl4", "acl6", "icmp4", "lim4", "conn4", "pps4"]):
    for k, v in vips[name]["policy_counters"].items():
        p = prom['sluice_vip_%s_total{vip="%s"}' % (k, name)]
        n += 1
        if not v == p == tvip[i][k]:
            print("  %s %s: %s %s %s" % (name, k, v, p, tvip[i][k])); bad += 1
for r in acl["rules"]:
    key = 'sluice_acl_rule_hits_total{id="%d",scope="%s",action="%s",prefix="%s"}' % (
        r["id"], "global" if r["scope"] == "global" else r["scope"],
        r["action"], r["prefix"])
    n += 1
    if not r["hits"] == prom[key] == tacl[str(r["id"])]:
        print("  rule %d: %s %s %s" % (r["id"], r["hits"], prom[key],
                                      tacl[str(r["id"])])); bad += 1
n += 1
if not acl["default_deny_hits"] == prom["sluice_acl_default_deny_hits_total"] == tacl["0"]:
    print("  default deny differs"); bad += 1
print("  %d of %d comparisons failed" % (bad, n))
sys.exit(1 if bad or n < 60 else 0)
PY
	fail "policy counters disagree"
sl_finish
