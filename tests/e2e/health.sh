#!/usr/bin/env bash
# Health checks end to end: sluice-control checks the backends from the root
# namespace over management veths (topo_mgmt_up), the way a real control
# host checks them over its management network. web4 has an HTTP check
# (GET /health, expect 200), web6 a TCP check sent to each backend's
# management address (health_address). A failing backend must leave new-flow
# selection within interval x fall, come back after rise good checks, keep
# or lose its established flows as on_backend_remove says, and keep its
# state across CLI changes and reloads. Usage: health.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# A management range of its own, so it can run beside other topologies.
TOPO_MGMT_BASE=198.19.8
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"

INTERVAL=300 RISE=2 FALL=3
MARGIN=1500 # ms on top of the bounds: polling, a push, a busy machine
B4=198.18.1.1 # web4 backend I is $B4$I:8080

sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2ehc
T=$TOPO_TMP
# web4: HTTP check; web6: TCP check at the management addresses; short
# TCP close timeouts so that drained flows leave the table quickly.
awk -v iv="$INTERVAL" -v rise="$RISE" -v fall="$FALL" -v mb="$TOPO_MGMT_BASE" '
	/^\[/ { sec = $0 }
	{ line = $0 }
	sec == "[vip.web6]" && /^backend = \[2001:db8:1::1[1-3]\]/ {
		i = substr($3, 15, 1)
		line = line " health_address=" mb "." (4 * i + 2)
	}
	{ print line }
	/^conntrack_size/ { print "tcp_fin_timeout = 2\ntcp_closed_timeout = 1" }
	sec == "[vip.web4]" && /^proto/ {
		print "health = http\nhealth_path = /health\nhealth_status = 200"
		print "health_interval = " iv "ms\nhealth_timeout = 200ms"
		print "health_rise = " rise "\nhealth_fall = " fall
	}
	sec == "[vip.web6]" && /^proto/ {
		print "health = tcp\nhealth_interval = " iv "\nhealth_rise = " rise
		print "health_fall = " fall
	}' "$SL_CONF" >"$T/health.ini"
cp "$T/health.ini" "$SL_CONF"
grep -q 'health_address=198.19.8.10' "$SL_CONF" || {
	echo "config rewrite failed"; cat "$SL_CONF"; exit 1; }
for i in 1 2 3; do
	mkdir -p "$T/www/b$i"
	echo ok >"$T/www/b$i/health"
done

sl_env_up
topo_mgmt_up
# The control host reaches the backends' service addresses through the
# management network: here, a host route per backend over its veth.
for i in 1 2 3; do
	ip route replace "$B4$i/32" via "$(topo_mgmt_ip "$i")"
done

# --- helpers ------------------------------------------------------------
now_ms() { date +%s%3N; }
# field VIP ADDR:PORT EXPR: EXPR of the backend's JSON object b
field() {
	slctl backend list "$1" --json | /usr/bin/python3 -c '
import json, sys
for b in json.load(sys.stdin):
    if b["address"] == sys.argv[1]:
        print(eval(sys.argv[2])); break' "$2" "$3"
}
state() { field "$1" "$2" 'b["state"]'; }
# wait_state VIP ADDR:PORT STATE MS: until the backend is in STATE; prints
# the milliseconds it took; 1 after MS.
wait_state() {
	local t0 s
	t0=$(now_ms)
	while :; do
		s=$(state "$1" "$2" 2>/dev/null || true)
		if [ "$s" = "$3" ]; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		[ $(($(now_ms) - t0)) -lt "$4" ] || break
		sleep 0.1
	done
	echo "$2 of $1 still '$s' after $4 ms" >&2
	echo "$4"
	return 1
}
counts() { awk -v b="$2" '$1 == b { print $2 }' "$1"; }
all_serve() { # FILE: every backend got some
	[ "$(counts "$1" b1)" -gt 0 ] && [ "$(counts "$1" b2)" -gt 0 ] &&
	[ "$(counts "$1" b3)" -gt 0 ]
}
none_to() { # BACKEND FILE...: BACKEND got none in any
	local b=$1 f; shift
	for f; do [ "$(counts "$f" "$b")" = 0 ] || return 1; done
}
# spread VIP_URL N FILE: N requests, all must succeed; counts in FILE
spread() { curl_spread "$1" "$2" >"$3"; }
# a rate-limited 64 MiB download in the background ($!), for 4 s
download() {
	in_cli curl -gsf --max-time 30 --speed-time 3 --speed-limit 1000 \
		--limit-rate 16M -o /dev/null -w '%{size_download}\n' \
		"http://198.18.100.1/big" >"$T/dl.$1" 2>&1 &
}
flow_backend() { # the backend address of an established web4 flow
	slctl flows web4 --json | /usr/bin/python3 -c '
import json,sys
for f in json.load(sys.stdin):
    if f["state"] == "established": print(f["backend"].split(":")[0]); break'
}
wait_flow_backend() {
	local n b
	for ((n = 0; n < 30; n++)); do
		b=$(flow_backend)
		[ -n "$b" ] && { echo "$b"; return 0; }
		sleep 0.1
	done
	return 1
}
logged() { grep -q -- "$1" "$T/control.log"; }
DOWN_MS=$((INTERVAL * FALL + MARGIN))
UP_MS=$((INTERVAL * RISE + MARGIN))

# --- every backend up, then traffic to all ------------------------------
for i in 1 2 3; do
	wait_state web4 "$B4$i:8080" up 10000 >/dev/null ||
		fail "web4 b$i up at start"
	wait_state web6 "[2001:db8:1::1$i]:8080" up 10000 >/dev/null ||
		fail "web6 b$i up at start"
done
sleep 1 # a few good checks each
slctl backend list
n=$(field web4 "${B4}2:8080" 'b["health"]["successes"]')
check "web4 b2 is checked over the management link ($n successes)" \
	[ "$n" -ge 2 ]
check "web6 checks go to the health_address" \
	[ "$(field web6 '[2001:db8:1::12]:8080' 'b["health"]["target"]')" = \
	  "$TOPO_MGMT_BASE.10:8080" ]
check "the echo4 VIP has no check" \
	[ "$(field echo4 "${B4}1:7007" 'b["health"]')" = None ]
check "100 requests to web4 all succeed" spread http://198.18.100.1 100 "$T/a.txt"
cat "$T/a.txt"
check "every web4 backend serves" all_serve "$T/a.txt"

# --- HTTP check: a wrong status takes b2 out, its return brings it back --
rm "$T/www/b2/health"
ms=$(wait_state web4 "${B4}2:8080" down "$DOWN_MS") && r=0 || r=1
check "b2 answers 404: web4 takes it out in $ms ms (bound $DOWN_MS)" [ "$r" = 0 ]
check "the transition is logged with its cause" \
	logged "health: web4 ${B4}2:8080 down (HTTP 404, $FALL failures)"
check "web6 keeps b2 (its TCP check still passes)" \
	[ "$(state web6 '[2001:db8:1::12]:8080')" = up ]
check "100 requests to web4 succeed without b2" spread http://198.18.100.1 100 "$T/b.txt"
cat "$T/b.txt"
check "no new web4 connection reaches b2 ($(counts "$T/b.txt" b2))" \
	[ "$(counts "$T/b.txt" b2)" = 0 ]
echo ok >"$T/www/b2/health"
ms=$(wait_state web4 "${B4}2:8080" up "$UP_MS") && r=0 || r=1
check "b2 back after $RISE good checks in $ms ms (bound $UP_MS)" [ "$r" = 0 ]
check "the return is logged" logged "health: web4 ${B4}2:8080 up ($RISE successes)"
spread http://198.18.100.1 100 "$T/c.txt" || fail "requests after b2 came back"
check "b2 gets new web4 connections again ($(counts "$T/c.txt" b2))" \
	[ "$(counts "$T/c.txt" b2)" -gt 0 ]

# --- a dead server: both VIPs (HTTP and TCP checks) take b2 out ---------
topo_http_stop 2
ms=$(wait_state web4 "${B4}2:8080" down "$DOWN_MS") && r=0 || r=1
check "b2 stopped: web4 takes it out in $ms ms" [ "$r" = 0 ]
ms=$(wait_state web6 "[2001:db8:1::12]:8080" down "$DOWN_MS") && r=0 || r=1
check "b2 stopped: web6 (TCP check) takes it out in $ms ms" [ "$r" = 0 ]
check "logged as refused" \
	logged "health: web4 ${B4}2:8080 down (connection refused, $FALL failures)"
check "web4: 100 requests succeed, none to b2" spread http://198.18.100.1 100 "$T/d.txt"
check "web6: 100 requests succeed, none to b2" \
	spread 'http://[2001:db8:100::1]' 100 "$T/e.txt"
cat "$T/d.txt" "$T/e.txt"
check "no request reached b2" none_to b2 "$T/d.txt" "$T/e.txt"
slctl status | grep '^health:'
check "status counts the down backends" \
	bash -c "'$SL_BUILD/tools/sluicectl' -s '$SL_SOCK' status | grep -q '^health: 6 backends checked, 2 down'"

# --- the state survives CLI changes and a reload ------------------------
slctl backend set web4 "${B4}1:8080" weight 2 >/dev/null
check "after a CLI change b2 is still down" [ "$(state web4 "${B4}2:8080")" = down ]
slctl vip set web4 fall 2 interval 250ms >/dev/null
check "vip set changes the check" \
	[ "$(slctl vip list --json | /usr/bin/python3 -c 'import json,sys; v=[x for x in json.load(sys.stdin) if x["name"]=="web4"][0]["health"]; print(v["interval_ms"], v["fall"], v["check"])')" = "250 2 http" ]
check "and b2 is still down" [ "$(state web4 "${B4}2:8080")" = down ]
slctl reload >/dev/null
check "after a reload b2 is still down" [ "$(state web4 "${B4}2:8080")" = down ]
check "the reload restored the file's interval" \
	[ "$(slctl vip list --json | /usr/bin/python3 -c 'import json,sys; print([x for x in json.load(sys.stdin) if x["name"]=="web4"][0]["health"]["interval_ms"])')" = "$INTERVAL" ]
spread http://198.18.100.1 60 "$T/f.txt" || fail "requests after the reload"
check "still no traffic to b2 ($(counts "$T/f.txt" b2))" [ "$(counts "$T/f.txt" b2)" = 0 ]
# A control plane killed and started again keeps them out from the start.
kill -9 "$SL_CTL_PID"
wait "$SL_CTL_PID" 2>/dev/null || true
keep=()
for p in "${TOPO_PIDS[@]}"; do [ "$p" = "$SL_CTL_PID" ] || keep+=("$p"); done
TOPO_PIDS=("${keep[@]}")
sl_start_control
check "a restarted sluice-control keeps web4 b2 down" \
	[ "$(state web4 "${B4}2:8080")" = down ]
check "and web6 b2" [ "$(state web6 '[2001:db8:1::12]:8080')" = down ]
check "it says so" logged "health: 2 backend(s) down in the running snapshot"
spread http://198.18.100.1 60 "$T/f2.txt" || fail "requests after the restart"
check "no traffic to b2 after the restart ($(counts "$T/f2.txt" b2))" \
	[ "$(counts "$T/f2.txt" b2)" = 0 ]
# Turning the check off puts b2 back at once; the backend's own switch too.
slctl vip set web6 health none >/dev/null
check "web6 health none: b2 up at once" [ "$(state web6 '[2001:db8:1::12]:8080')" = up ]
slctl vip set web6 health tcp >/dev/null
slctl backend set web4 "${B4}2:8080" health off >/dev/null
check "backend health off: b2 up at once" [ "$(state web4 "${B4}2:8080")" = up ]
check "and unchecked" [ "$(field web4 "${B4}2:8080" 'b["health"]')" = None ]
slctl backend set web4 "${B4}2:8080" health on >/dev/null
# Checked again, they start from their state (up), and fail again.
ms=$(wait_state web6 '[2001:db8:1::12]:8080' down "$DOWN_MS") && r=0 || r=1
check "web6 checks again: b2 down again in $ms ms" [ "$r" = 0 ]
ms=$(wait_state web4 "${B4}2:8080" down "$DOWN_MS") && r=0 || r=1
check "web4 checks b2 again: down again in $ms ms" [ "$r" = 0 ]
topo_http_start 2
for v in web4 web6; do
	a="${B4}2:8080"; [ $v = web6 ] && a='[2001:db8:1::12]:8080'
	ms=$(wait_state $v "$a" up "$UP_MS") && r=0 || r=1
	check "server back: $v puts b2 back in $ms ms" [ "$r" = 0 ]
done
spread http://198.18.100.1 100 "$T/g.txt" || fail "requests after b2 restarted"
check "b2 serves web4 again ($(counts "$T/g.txt" b2))" [ "$(counts "$T/g.txt" b2)" -gt 0 ]

# --- a backend added at run time starts down until it passes ------------
slctl backend add web4 "${B4}3:8081" >/dev/null # nothing listens there
check "a new backend starts down" [ "$(state web4 "${B4}3:8081")" = down ]
sleep 1
check "and stays down while its checks fail" [ "$(state web4 "${B4}3:8081")" = down ]
check "its checks say why" \
	[ "$(field web4 "${B4}3:8081" 'b["health"]["last"]')" = "connection refused" ]
spread http://198.18.100.1 40 "$T/h.txt" || fail "requests beside a down new backend"
slctl backend del web4 "${B4}3:8081" >/dev/null

# --- established flows: keep, then reset --------------------------------
sleep 2 # let the short flows above leave "established"
download keep
pid=$!
x=$(wait_flow_backend) || x=""
check "the download's flow is listed ($x)" [ -n "$x" ]
rm -f "$T/www/b${x##*.1}/health"
wait_state web4 "$x:8080" down "$DOWN_MS" >/dev/null ||
	fail "$x down during the download"
wait "$pid" && size=$(cat "$T/dl.keep") || size="failed: $(cat "$T/dl.keep")"
check "on_backend_remove = keep: the download from down $x completes ($size)" \
	[ "$size" = 67108864 ]
echo ok >"$T/www/b${x##*.1}/health"
wait_state web4 "$x:8080" up "$UP_MS" >/dev/null || fail "$x back up"

slctl vip set web4 on-remove reset >/dev/null
sleep 2
download reset
pid=$!
x=$(wait_flow_backend) || x=""
rm -f "$T/www/b${x##*.1}/health"
wait_state web4 "$x:8080" down "$DOWN_MS" >/dev/null ||
	fail "$x down during the second download"
wait "$pid" && size=$(cat "$T/dl.reset") || size="cut"
check "on_backend_remove = reset: the download from down $x is cut ($size)" \
	[ "$size" != 67108864 ]
echo ok >"$T/www/b${x##*.1}/health"
wait_state web4 "$x:8080" up "$UP_MS" >/dev/null || fail "$x back up again"
slctl vip set web4 on-remove keep >/dev/null

# --- draining: weight 0, flows continue and count down ------------------
sleep 2
download drain
pid=$!
x=$(wait_flow_backend) || x=""
slctl backend set web4 "$x:8080" weight 0 >/dev/null
check "drained $x shows draining" [ "$(state web4 "$x:8080")" = draining ]
n=$(field web4 "$x:8080" 'b["active_flows"]')
check "with its download as an active flow ($n)" [ "$n" -ge 1 ]
slctl backend list web4
spread http://198.18.100.1 40 "$T/i.txt" || fail "requests during the drain"
check "no new connection to drained $x" [ "$(counts "$T/i.txt" "b${x##*.1}")" = 0 ]
wait "$pid" && size=$(cat "$T/dl.drain") || size=failed
check "the download from drained $x completes ($size)" [ "$size" = 67108864 ]
for ((k = 0; k < 100; k++)); do
	n=$(field web4 "$x:8080" 'b["active_flows"]')
	[ "$n" = 0 ] && break
	sleep 0.2
done
check "drained $x empties: active flows 0 (after $((k / 5)) s)" [ "$n" = 0 ]
slctl backend set web4 "$x:8080" weight 1 >/dev/null

# --- the CLI and the INI refuse bad settings ----------------------------
rc=0; slctl vip set web4 timeout 1s >/dev/null 2>&1 || rc=$?
check "a timeout above the interval is refused (exit $rc)" [ "$rc" = 1 ]
rc=0; "$SL_BUILD/tools/sluicectl" -s "$SL_SOCK" vip set web4 rise 0 \
	>/dev/null 2>&1 || rc=$?
check "rise 0 is bad usage (exit $rc)" [ "$rc" = 2 ]
sed 's/^health_interval = .*ms$/health_interval = 5/' "$SL_CONF" >"$T/bad.ini"
msg=$("$SL_BUILD/control/sluice-control" --check "$T/bad.ini" 2>&1) && rc=0 || rc=$?
check "--check names the bad health key and line ($msg)" \
	bash -c "[[ '$rc:$msg' =~ ^1:.*bad.ini:[0-9]+:.*health_interval ]]"
check "the data plane is still running" kill -0 "$SL_DP_PID"
check "sluice-control is still running" kill -0 "$SL_CTL_PID"

slctl status | grep '^health:' || true
grep 'health:' "$T/control.log" || true
sl_finish
