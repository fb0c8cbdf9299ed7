#!/usr/bin/env bash
# The same numbers three ways: sluicectl stats --json, Prometheus /metrics
# and DPDK telemetry (/sluice/...), checked against the traffic this test
# sends; then a live capture with dpdk-dumpcap read back.
# Usage: telemetry.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"


sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2etl
sl_env_up
T=$TOPO_TMP

curl_spread http://198.18.100.1 60 >"$T/http.txt" && rc=0 || rc=$?
check "60 HTTP requests" [ "$rc" = 0 ]
udp_spread 198.18.100.1 7 20 >"$T/udp.txt" && rc=0 || rc=$?
check "20 UDP requests" [ "$rc" = 0 ]
sleep 1

slctl stats --json >"$T/stats.json"
curl -sf "http://127.0.0.1:$SL_METRICS_PORT/metrics" >"$T/metrics.txt"
{
	for v in web4 web6 echo4; do echo "/sluice/vip,$v"; done
	for b in 11 12 13; do echo "/sluice/backend,web4,198.18.1.$b:8080"; done
	echo /sluice/stats
} | dpdk-telemetry.py -f "$SL_PREFIX" >"$T/tel.txt" 2>&1 || true

/usr/bin/python3 - "$T" <<'PY' && ok "the three views agree with the traffic" || fail "the three views disagree"
import json, re, sys
T = sys.argv[1]
stats = json.load(open(T + "/stats.json"))
prom = {}
for line in open(T + "/metrics.txt"):
    if line.startswith("#") or not line.strip():
        continue
    name, val = line.rsplit(" ", 1)
    prom[name] = int(val)
tel = []
for line in open(T + "/tel.txt"):
    line = line.strip()
    if line.startswith("{"):
        tel.append(json.loads(line))
vipcmd = [t["/sluice/vip"] for t in tel if "/sluice/vip" in t]
becmd = [t["/sluice/backend"] for t in tel if "/sluice/backend" in t]
tstats = [t["/sluice/stats"] for t in tel if "/sluice/stats" in t][0]
spread = dict(l.split() for l in open(T + "/http.txt"))
bad = 0
def same(what, *vals):
    global bad
    if len(set(vals)) != 1:
        print("  %s: %s" % (what, vals)); bad += 1
want = {"web4": 60, "web6": 0, "echo4": 20}
for i, name in enumerate(["web4", "web6", "echo4"]):
    s = [v for v in stats["vips"] if v["name"] == name][0]
    for k in ("packets", "bytes", "new_flows", "drops"):  # not gauges
        same("%s %s" % (name, k), s[k],
             prom['sluice_vip_%s_total{vip="%s"}' % (k, name)], vipcmd[i][k])
    same("%s new flows = requests sent" % name, s["new_flows"], want[name])
for i, b in enumerate(("11", "12", "13")):
    addr = "198.18.1.%s:8080" % b
    s = [x for x in [v for v in stats["vips"] if v["name"] == "web4"][0]
         ["backends"] if x["address"] == addr][0]
    for k in ("packets", "bytes", "new_flows"):
        same("%s %s" % (addr, k), s[k],
             prom['sluice_backend_%s_total{vip="web4",backend="%s"}' % (k, addr)],
             becmd[i][k])
    same("%s new flows = requests it answered" % addr, s["new_flows"],
         int(spread["b" + str(i + 1)]))
wsum = lambda k: sum(w[k] for w in stats["workers"])
same("new flows, all workers", wsum("new_flows"), tstats["new_flows"],
     sum(v for n, v in prom.items() if n.startswith("sluice_worker_new_flows_total")))
print("  %d comparisons failed" % bad)
sys.exit(1 if bad else 0)
PY

# --- live capture from the running client port ---------------------------
# dpdk-dumpcap builds its own EAL arguments and has no --no-pci: run it in
# a mount namespace where the PCI bus is empty, so it cannot probe the
# machine's own NIC.
unshare -m sh -c 'mount -t tmpfs none /sys/bus/pci/devices && exec "$@"' _ \
	dpdk-dumpcap --file-prefix="$SL_PREFIX" -i 0 -p -P -q -c 10 \
	-a duration:15 -w "$T/cap.pcap" >"$T/dumpcap.log" 2>&1 &
cpid=$!
sleep 3 # dumpcap attaches as a secondary and enables capture
curl_spread http://198.18.100.1 10 >/dev/null || true
wait "$cpid" && rc=0 || rc=$?
/usr/bin/python3 "$SL_TOP/tools/pcap.py" dump "$T/cap.pcap" >"$T/cap.txt" 2>&1 || true
head -5 "$T/cap.txt"
check "dpdk-dumpcap captured traffic to the VIP from the running port (exit $rc)" \
	grep -q '198.18.0.2.[0-9]* > 198.18.100.1.80' "$T/cap.txt"
check "the data plane still runs after the capture" kill -0 "$SL_DP_PID"

sl_finish
