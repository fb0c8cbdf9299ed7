#!/usr/bin/env bash
# Hot reload under load: wrk through the VIP for 20 s while the config file
# is rewritten and reloaded every 100 ms (backends added, removed and
# re-weighted; SIGHUP and sluicectl reload alternating). Zero client
# errors; long flows whose backend stayed keep it; an invalid file is
# refused and the running config stays.
# Usage: reload.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"


sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2erl
sl_env_up
T=$TOPO_TMP
cp "$SL_CONF" "$T/base.ini"

# variant N: web4 with a different backend set / weights; .13 always stays
variant() {
	local w4
	case $(($1 % 4)) in
	0) w4="backend = 198.18.1.11:8080 weight=1
backend = 198.18.1.12:8080 weight=1
backend = 198.18.1.13:8080 weight=2" ;;
	1) w4="backend = 198.18.1.12:8080 weight=3
backend = 198.18.1.13:8080 weight=1" ;;
	2) w4="backend = 198.18.1.11:8080 weight=5
backend = 198.18.1.13:8080 weight=1" ;;
	3) w4="backend = 198.18.1.11:8080 weight=1
backend = 198.18.1.12:8080 weight=0
backend = 198.18.1.13:8080 weight=4" ;;
	esac
	/usr/bin/python3 - "$T/base.ini" "$w4" <<'PY'
import re, sys
text, w4 = open(sys.argv[1]).read(), sys.argv[2]
sec = text.index("[vip.web4]")
end = text.index("[vip.web6]")
body = "\n".join(l for l in text[sec:end].splitlines()
                 if not l.startswith("backend")) + "\n" + w4 + "\n\n"
sys.stdout.write(text[:sec] + body + text[end:])
PY
}

# A long download pinned to .13 (kept in every variant) across all reloads.
slctl backend set web4 198.18.1.11:8080 weight 0 >/dev/null
slctl backend set web4 198.18.1.12:8080 weight 0 >/dev/null
in_cli curl -gsf --max-time 60 --limit-rate 3M -o "$T/big" \
	-w '%{size_download}\n' http://198.18.100.1/big >"$T/dl" 2>&1 &
dpid=$!
sleep 1
slctl reload >/dev/null    # back to the file: all three backends

for v in 0 1 2 3; do variant "$v" >"$T/variant$v.ini"; done
in_cli wrk -t 2 -c 8 -d 20s --timeout 5s http://198.18.100.1/whoami \
	>"$T/wrk.txt" 2>&1 &
wpid=$!
n=0 refused=0
end=$((SECONDS + 21))
while [ "$SECONDS" -lt "$end" ]; do
	cp "$T/variant$((n % 4)).ini" "$SL_CONF.new" && mv "$SL_CONF.new" "$SL_CONF"
	if [ $((n % 2)) = 0 ]; then
		slctl reload >/dev/null || fail "reload $n refused"
	else
		kill -HUP "$SL_CTL_PID"
	fi
	n=$((n + 1))
	sleep 0.07
done
wait "$wpid" || true
cat "$T/wrk.txt"
reqs=$(awk '/requests in/ { print $1 }' "$T/wrk.txt")
errs=$(grep -E 'Socket errors|Non-2xx' "$T/wrk.txt" || true)
check "$n reloads under load; wrk made $reqs requests" [ "$n" -ge 180 -a "${reqs:-0}" -gt 100 ]
check "zero client errors (${errs:-none})" [ -z "$errs" ]
epoch=$(slctl status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["epoch"])')
check "every reload became an epoch ($epoch >= $n)" [ "$epoch" -ge "$n" ]
grep -q "SIGHUP: reloaded" "$T/control.log" && ok "SIGHUP reloads were applied" ||
	fail "no SIGHUP reload in control.log"

# An invalid file is refused; the running config stays.
sed 's/^proto = tcp$/proto = sctp/' "$T/base.ini" >"$SL_CONF"
slctl reload 2>"$T/err.txt" && rc=0 || rc=$?
check "an invalid file is refused: $(cat "$T/err.txt")" [ "$rc" = 1 ]
check "the running config still serves" \
	bash -c "[ -n \"\$(ip netns exec $TOPO_NS_CLI curl -s --max-time 3 http://198.18.100.1/whoami)\" ]"
cp "$T/base.ini" "$SL_CONF"

wait "$dpid" && size=$(cat "$T/dl") || size="failed: $(cat "$T/dl")"
check "a download on a backend that stayed survived $n reloads ($size)" \
	[ "$size" = 67108864 ]

sl_finish
