#!/usr/bin/env bash
# SYN flood defence end to end: VIPs with syn_proxy = on (IPv4, IPv6) and
# auto, two workers. A bounded flood of SYNs from spoofed sources while a
# real client makes HTTP requests: every request succeeds, the backends
# accept exactly the real connections (no spoofed SYN reaches them), the
# flow table stays bounded, the counters show the flood. Usage:
# synproxy.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"

sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2esp
T=$TOPO_TMP
{
	sl_vip_conf syn4 198.18.100.5 80 tcp '198.18.1.1%s:8080' syn_proxy=on
	sl_vip_conf syn6 2001:db8:100::5 80 tcp '[2001:db8:1::1%s]:8080' syn_proxy=on
	sl_vip_conf auto4 198.18.100.6 80 tcp '198.18.1.1%s:8080' syn_proxy=auto \
		syn_proxy_threshold=200
} >>"$SL_CONF"
sl_env_up

passive_opens() { # connections the backends' kernels accepted, summed
	local i n=0 v
	for i in 1 2 3; do
		v=$(in_backend "$i" awk '/^Tcp:/ && $7 ~ /^[0-9]+$/ { print $7 }' \
			/proc/net/snmp)
		n=$((n + v))
	done
	echo "$n"
}

# --- the SYN proxy alone: every request, both families, a long transfer
before=$(passive_opens)
curl_spread http://198.18.100.5 50 >"$T/s4.txt" && rc=0 || rc=$?
check "50 requests through the IPv4 SYN proxy succeed" [ "$rc" = 0 ]
curl_spread 'http://[2001:db8:100::5]' 50 >"$T/s6.txt" && rc=0 || rc=$?
check "50 requests through the IPv6 SYN proxy succeed" [ "$rc" = 0 ]
sent=$(sl_vip_metric syn_cookies_sent syn4)
okc=$(sl_vip_metric syn_cookies_valid syn4)
check "each IPv4 connection answered by a cookie ($sent sent, $okc valid)" \
	[ "$sent" -ge 50 -a "$okc" -ge 50 ]
check "IPv6 cookies counted ($(sl_vip_metric syn_cookies_valid syn6))" \
	[ "$(sl_vip_metric syn_cookies_valid syn6)" -ge 50 ]
after=$(passive_opens)
check "backends accepted exactly 100 connections ($((after - before)))" \
	[ $((after - before)) = 100 ]
size=$(in_cli curl -gsf --max-time 60 -o /dev/null -w '%{size_download}' \
	http://198.18.100.5/big || echo 0)
check "64 MiB through the SYN proxy (seq/ack/window translation): $size" \
	[ "$size" = 67108864 ]
size=$(in_cli curl -gsf --max-time 60 -o /dev/null -w '%{size_download}' \
	'http://[2001:db8:100::5]/big' || echo 0)
check "64 MiB through the IPv6 SYN proxy: $size" [ "$size" = 67108864 ]

# --- auto: below the threshold no cookies --------------------------------
curl_spread http://198.18.100.6 20 >/dev/null && rc=0 || rc=$?
check "auto mode, quiet: 20 requests, no cookie" \
	[ "$rc" = 0 -a "$(sl_vip_metric syn_cookies_sent auto4)" = 0 ]

# --- the flood ------------------------------------------------------------
gwmac=$(in_cli ip neigh show "$TOPO_GW4" |
	awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
check "gateway MAC known ($gwmac)" matches "$gwmac" '^([0-9a-f]{2}:){5}[0-9a-f]{2}$'
flood() { # VIP COUNT PREFIX: in the background, its output in $T/flood.N
	in_cli "$TOPO_PY" "$here/synflood.py" "$TOPO_CLI_TAP" "$gwmac" "$1" 80 \
		"$2" "$3" 6 >"$T/flood.$1" 2>&1 &
	topo_register_pid $!
}
before=$(passive_opens)
flows_active() {
	slctl stats --json | "$TOPO_PY" -c 'import json, sys
print(sum(w["flows_active"] for w in json.load(sys.stdin)["workers"]))'
}
vip_new_flows() {
	slctl stats --json | "$TOPO_PY" -c 'import json, sys
print([v["new_flows"] for v in json.load(sys.stdin)["vips"] if v["name"] == sys.argv[1]][0])' "$1"
}
flows_before=$(flows_active)
flood 198.18.100.5 30000 198.18.64.0/18
fpid4=$!
flood 2001:db8:100::5 10000 2001:db8:ff::/64
fpid6=$!
flood 198.18.100.6 10000 198.18.128.0/18
fpida=$!
sleep 1
curl_spread http://198.18.100.5 40 >"$T/f4.txt" && rc=0 || rc=$?
check "40 real IPv4 requests during the flood all succeed" [ "$rc" = 0 ]
curl_spread 'http://[2001:db8:100::5]' 20 >"$T/f6.txt" && rc=0 || rc=$?
check "20 real IPv6 requests during the flood all succeed" [ "$rc" = 0 ]
curl_spread http://198.18.100.6 20 >"$T/fa.txt" && rc=0 || rc=$?
check "20 real requests to the auto VIP during its flood all succeed" \
	[ "$rc" = 0 ]
flows_during=$(flows_active)
wait "$fpid4" "$fpid6" "$fpida" || true
n4=$(cat "$T/flood.198.18.100.5") n6=$(cat "$T/flood.2001:db8:100::5")
na=$(cat "$T/flood.198.18.100.6")
echo "flood: $n4 + $n6 + $na spoofed SYNs sent"
after=$(passive_opens)
check "backends accepted exactly the 80 real connections ($((after - before)))" \
	[ $((after - before)) = 80 ]
check "flow table bounded during the flood ($flows_before before, $flows_during during)" \
	[ "$flows_during" -le $((flows_before + 100)) ]
c4=$(sl_vip_metric syn_cookies_sent syn4) c6=$(sl_vip_metric syn_cookies_sent syn6)
ca=$(sl_vip_metric syn_cookies_sent auto4)
check "IPv4 cookies show the flood ($c4 >= 90% of $n4 + 90)" \
	[ "$c4" -ge $((n4 * 9 / 10 + 90)) ]
check "IPv6 cookies show the flood ($c6 >= 90% of $n6)" \
	[ "$c6" -ge $((n6 * 9 / 10)) ]
check "auto mode switched to cookies under the flood ($ca)" \
	[ "$ca" -ge $((na / 2)) ]
nf=$(vip_new_flows syn4)
check "syn4 opened only the real flows ($nf = 50 + 1 + 40)" [ "$nf" = 91 ]

# --- forged cookies are refused and counted --------------------------------
bad0=$(sl_vip_metric syn_cookies_invalid syn4)
in_cli "$TOPO_PY" - "$TOPO_CLI_TAP" "$gwmac" "$here" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[3])
from cookie_hs import frame
iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((iface, 0))
src, dst = socket.inet_aton("198.18.0.2"), socket.inet_aton("198.18.100.5")
for i in range(100):    # pure ACKs acknowledging no cookie of ours
    s.send(frame(mac, s.getsockname()[4], src, dst, 40000 + i, 80, 1000 + i,
                 0x12345678 + i, 0x10, b"", b""))
PY
sleep 0.5
bad1=$(sl_vip_metric syn_cookies_invalid syn4)
check "100 forged cookie ACKs refused and counted ($bad0 -> $bad1)" \
	[ $((bad1 - bad0)) = 100 ]

# --- one handshake by hand: the cookie's data path, exact sequence numbers,
# and a cookie honoured after the proxy is turned off ------------------------
# The client's kernel has no socket for these raw connections: it resets
# them (its RST to the backend's first ACK reaches the backend through the
# flow) and that races the backend's answer. Its RSTs from the two ports
# are dropped on the way out (nftables, in the client's namespace only).
in_cli nft -f - <<'NFT'
table inet sl_rawcli {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp sport { 41001, 41002 } tcp flags & rst == rst drop
	}
}
NFT
out=$(in_cli "$TOPO_PY" "$here/cookie_hs.py" "$TOPO_CLI_TAP" "$gwmac" \
	"$TOPO_CLI_IP4" 198.18.100.5 41001 2>&1) && rc=0 || rc=$?
echo "$out"
check "a request in the cookie ACK is answered at seq cookie + 1 (wrapping ISN)" \
	[ "$rc" = 0 ]
out=$(in_cli "$TOPO_PY" "$here/cookie_hs.py" "$TOPO_CLI_TAP" "$gwmac" \
	"$TOPO_CLI_IP4" 198.18.100.5 41002 \
	"$SL_BUILD/tools/sluicectl" -s "$SL_SOCK" vip policy syn4 syn_proxy off \
	2>&1) && rc=0 || rc=$?
echo "$out"
check "a cookie sent before 'syn_proxy off' is still honoured" [ "$rc" = 0 ]
sl_finish
