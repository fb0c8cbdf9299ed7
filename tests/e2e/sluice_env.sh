# shellcheck shell=bash
# Starts Sluice inside the topology of topo.sh, for the e2e tests and the
# demo. Source topo.sh first.
#
#   sl_env_init BUILD_DIR TEMPLATE TAG
#       topo_init + a config made from TEMPLATE (conf/demo.ini) with names
#       of its own: file_prefix sl-TAG, socket /run/sluice/TAG.sock, taps
#       TAGt0 / TAGt1 (TAG: up to 8 characters), /metrics on 127.0.0.1 at
#       SL_METRICS_PORT (random unless set).
#   sl_env_up      data plane, namespaces, servers, control plane
#   slctl ARGS...  sluicectl on this instance's socket

SL_BUILD="" SL_CONF="" SL_SOCK="" SL_PREFIX="" SL_DP_PID="" SL_CTL_PID=""
SL_METRICS_PORT=${SL_METRICS_PORT:-}
SL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Test verdicts: check DESCRIPTION CMD... runs CMD and prints ok/FAIL;
# sl_finish prints the count and fails the script if anything failed.
SL_FAILS=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; SL_FAILS=$((SL_FAILS + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
matches() { [[ $1 =~ $2 ]]; }
# json FILE PYTHON_EXPR: EXPR evaluated with d = the parsed file
json() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
sl_finish() {
	echo "$SL_FAILS failed"
	[ "$SL_FAILS" = 0 ]
}

# sl_vip_conf NAME ADDR PORT PROTO BACKEND_FMT [KEY=VALUE...]: a [vip.NAME]
# section on stdout, with the three backends (BACKEND_FMT has a %s for
# the backend's number) and the keys given (edge policy, for instance).
sl_vip_conf() {
	local name=$1 addr=$2 port=$3 proto=$4 fmt=$5 i kv
	shift 5
	printf '\n[vip.%s]\naddress = %s\nport = %s\nproto = %s\n' \
		"$name" "$addr" "$port" "$proto"
	for kv in "$@"; do printf '%s\n' "${kv/=/ = }"; done
	for i in 1 2 3; do printf "backend = $fmt\n" "$i"; done
}

# sl_vip_metric COUNTER VIP: sluice_vip_COUNTER_total of VIP from /metrics
sl_vip_metric() {
	curl -s "http://127.0.0.1:$SL_METRICS_PORT/metrics" |
		awk -v m="sluice_vip_$1_total{vip=\"$2\"}" '$1 == m { print $2 }'
}

sl_env_init() {
	local build=${1:?} template=${2:?} tag=${3:?}
	SL_BUILD=$(cd "$build" && pwd)
	SL_PREFIX=sl-$tag
	SL_SOCK=/run/sluice/$tag.sock
	SL_METRICS_PORT=${SL_METRICS_PORT:-$((20000 + RANDOM % 20000))}
	topo_init "$tag-"
	SL_CONF=$TOPO_TMP/sluice.ini
	sed -e "s|^file_prefix *=.*|file_prefix = $SL_PREFIX|" \
	    -e "s|^socket *=.*|socket = $SL_SOCK|" \
	    -e "s|^metrics *=.*|metrics = $SL_METRICS_PORT|" \
	    -e "s|iface=sltap0|iface=${tag}t0|" \
	    -e "s|iface=sltap1|iface=${tag}t1|" "$template" >"$SL_CONF"
	TOPO_CLI_TAP=${tag}t0
	TOPO_BACKEND_TAP=${tag}t1
	trap 'topo_down; sl_env_cleanup' EXIT
}

sl_env_cleanup() {
	"$SL_TOP/tools/hugepages.sh" --cleanup "$SL_PREFIX" >/dev/null 2>&1 ||
		true
}

slctl() {
	"$SL_BUILD/tools/sluicectl" -s "$SL_SOCK" "$@"
}

sl_start_control() {
	"$SL_BUILD/control/sluice-control" -c "$SL_CONF" --wait 20 \
		>>"$TOPO_TMP/control.log" 2>&1 &
	SL_CTL_PID=$!
	topo_register_pid "$SL_CTL_PID"
	local n
	for ((n = 0; n < 200; n++)); do
		slctl status >/dev/null 2>&1 && return 0
		kill -0 "$SL_CTL_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "sluice-control did not come up:" >&2
	cat "$TOPO_TMP/control.log" >&2
	return 1
}

sl_start_dataplane() {
	"$SL_BUILD/dataplane/sluice-dataplane" -c "$SL_CONF" \
		>>"$TOPO_TMP/dataplane.log" 2>&1 &
	SL_DP_PID=$!
	topo_register_pid "$SL_DP_PID"
	if ! topo_wait_iface "$TOPO_CLI_TAP" 20 ||
	   ! topo_wait_iface "$TOPO_BACKEND_TAP" 5; then
		cat "$TOPO_TMP/dataplane.log" >&2
		return 1
	fi
}

# The data plane's taps into the namespaces (again after a restart: its
# taps are new then).
sl_taps_up() {
	# net_tap gives the kernel side the data plane's own MAC; on a bridge
	# that MAC would be local to the bridge and never forwarded to the tap.
	ip link set dev "$TOPO_CLI_TAP" address 02:00:5e:10:00:01
	ip link set dev "$TOPO_BACKEND_TAP" address 02:00:5e:10:00:02
	topo_client_up
	topo_backends_up
}

sl_env_up() {
	sl_start_dataplane
	sl_taps_up
	topo_servers_up
	sl_start_control
}
