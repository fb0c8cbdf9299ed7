# shellcheck shell=bash
# Network namespaces around the Sluice data plane, for the end-to-end tests
# and the demo.  Source it from a bash script that runs as root with
# `set -euo pipefail`; see tests/e2e/README.md.
#
#   ns ${P}cli   client: the client-side tap, 198.18.0.2/24, 2001:db8::2/64
#   ns ${P}bnet  bridge br0: the backend-side tap + one veth per backend
#   ns ${P}b1..3 backends: eth0 198.18.1.1{i}/24, 2001:db8:1::1{i}/64,
#                HTTP on [::]:8080 (/whoami = "bi\n", /big = 64 MiB),
#                UDP echo on [::]:7007 (replies "bi:" + payload)
#
# Run directly (`bash tests/e2e/topo.sh selftest`) it tests itself with
# veth pairs and a kernel router standing in for the data plane.

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_PY=${TOPO_PY:-/usr/bin/python3}

# Addresses (from 198.18.0.0/15 and 2001:db8::/32 only).
TOPO_CLI_IP4=198.18.0.2
TOPO_CLI_IP6=2001:db8::2
TOPO_GW4=198.18.0.1 # the data plane's client-side addresses
TOPO_GW6=2001:db8::1
TOPO_BGW4=198.18.1.1 # the data plane's backend-side addresses
TOPO_BGW6=2001:db8:1::1
TOPO_VIP4_NET=198.18.100.0/24
TOPO_VIP6_NET=2001:db8:100::/48
TOPO_HTTP_PORT=8080
TOPO_UDP_PORT=7007
TOPO_NBACKENDS=3
# Management veths (topo_mgmt_up): backend i is ${TOPO_MGMT_BASE}.(4i+2)/30,
# the root namespace's end ${TOPO_MGMT_BASE}.(4i+1).
TOPO_MGMT_BASE=${TOPO_MGMT_BASE:-198.19.0}
# How long topo_down lets processes end after SIGTERM before SIGKILL.
TOPO_KILL_WAIT=${TOPO_KILL_WAIT:-5}

TOPO_PREFIX=""
TOPO_NS_CLI=""
TOPO_NS_BNET=""
TOPO_NS_B=()
TOPO_NS_ALL=()
TOPO_PIDS=()
TOPO_HTTP_PID=() # [I]: backend I's HTTP server (topo_http_stop / _start)
TOPO_LINKS=()
TOPO_TMP=""
TOPO_CLI_TAP=""
TOPO_BACKEND_TAP=""

_topo_log() {
	echo "topo: $*" >&2
}

_topo_err() {
	echo "topo: error: $*" >&2
	return 1
}

# topo_conf_iface CONF SECTION: the iface= of the dev line of [SECTION].
topo_conf_iface() {
	local conf=${1:?topo_conf_iface CONF SECTION} sec=${2:?}
	awk -v sec="$sec" '
		/^[ \t]*[;#]/ { next }
		/^[ \t]*\[/ {
			s = $0; gsub(/^[ \t]*\[|\][ \t]*$/, "", s)
			insec = (s == sec); next
		}
		insec && /^[ \t]*dev[ \t]*=/ && match($0, /iface=[^, \t;]+/) {
			print substr($0, RSTART + 6, RLENGTH - 6); exit
		}' "$conf"
}

# topo_init PREFIX [CONF]: names, a temp dir, and the cleanup trap.
# With CONF, TOPO_CLI_TAP / TOPO_BACKEND_TAP come from its [port.client] /
# [port.backend] dev lines (iface=).
topo_init() {
	local p=${1:?topo_init PREFIX [CONF]} conf=${2:-} ns
	[[ "$p" =~ ^[A-Za-z0-9_.-]+$ ]] || _topo_err "bad prefix '$p'" || return
	TOPO_PREFIX=$p
	TOPO_NS_CLI=${p}cli
	TOPO_NS_BNET=${p}bnet
	TOPO_NS_B=()
	local i
	for ((i = 1; i <= TOPO_NBACKENDS; i++)); do
		TOPO_NS_B+=("${p}b$i")
	done
	TOPO_NS_ALL=("$TOPO_NS_CLI" "$TOPO_NS_BNET" "${TOPO_NS_B[@]}")
	TOPO_PIDS=()
	TOPO_HTTP_PID=()
	TOPO_LINKS=()
	if [[ -n "$conf" ]]; then
		TOPO_CLI_TAP=$(topo_conf_iface "$conf" port.client)
		TOPO_BACKEND_TAP=$(topo_conf_iface "$conf" port.backend)
	fi
	# Leftovers of an earlier run with the same prefix would make every
	# later step fail in confusing ways: remove them first.
	for ns in "${TOPO_NS_ALL[@]}"; do
		if [[ -e "/run/netns/$ns" ]]; then
			_topo_log "removing stale namespace $ns"
			_topo_ns_del "$ns"
		fi
	done
	TOPO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${p}topo.XXXXXX")
	# INT and TERM only exit: the EXIT trap then cleans up, also when a
	# caller has replaced it with one of its own that calls topo_down.
	trap 'topo_down' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

topo_register_pid() {
	TOPO_PIDS+=("$@")
}

# Extra namespaces (created by the caller) for topo_down to delete.
topo_register_ns() {
	TOPO_NS_ALL+=("$@")
}

# Interfaces in the root namespace for topo_down to delete if still there.
topo_register_link() {
	TOPO_LINKS+=("$@")
}

in_ns() {
	local ns=${1:?in_ns NS CMD...}
	shift
	ip netns exec "$ns" "$@"
}

in_cli() {
	ip netns exec "$TOPO_NS_CLI" "$@"
}

# in_backend I CMD...: in backend I's namespace (1-based).
in_backend() {
	local i=${1:?in_backend I CMD...}
	shift
	ip netns exec "${TOPO_NS_B[i - 1]}" "$@"
}

topo_backend_ip4() {
	echo "198.18.1.1${1:?}"
}

topo_backend_ip6() {
	echo "2001:db8:1::1${1:?}"
}

topo_mgmt_ip() {
	echo "$TOPO_MGMT_BASE.$((4 * ${1:?} + 2))"
}

# topo_wait_iface IFACE [SECONDS]: until IFACE exists in the root ns.
topo_wait_iface() {
	local ifc=${1:?topo_wait_iface IFACE [SECONDS]} t=${2:-10} n
	for ((n = 0; n < t * 10; n++)); do
		ip link show dev "$ifc" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	_topo_err "interface $ifc did not appear within ${t}s"
}

# Until NS's DEV is operationally up: before that a veth drops what it
# sends (noop qdisc).  A tap with its fd open says "unknown": also fine.
_topo_wait_oper() {
	local ns=$1 dev=$2 st n
	for ((n = 0; n < 50; n++)); do
		st=$(ip netns exec "$ns" cat "/sys/class/net/$dev/operstate" \
			2>/dev/null || true)
		[[ "$st" == up || "$st" == unknown ]] && return 0
		sleep 0.1
	done
	_topo_log "warning: $dev in $ns is still '$st' (no carrier?)"
}

# A namespace with lo up and IPv6 duplicate address detection off.
_topo_ns_add() {
	local ns=$1
	[[ -e "/run/netns/$ns" ]] || ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
}

# Moves IFACE from the root namespace into NS (no-op if already there).
_topo_move() {
	local ifc=$1 ns=$2
	if ip link show dev "$ifc" >/dev/null 2>&1; then
		ip link set dev "$ifc" netns "$ns"
	elif ! ip -n "$ns" link show dev "$ifc" >/dev/null 2>&1; then
		_topo_err "no interface $ifc (in the root namespace or $ns)"
		return 1
	fi
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.accept_dad=0" \
		2>/dev/null || true
}

# topo_client_up [TAP]: TAP (default $TOPO_CLI_TAP) into ns ${P}cli.
topo_client_up() {
	local tap=${1:-$TOPO_CLI_TAP} ns=$TOPO_NS_CLI
	[[ -n "$tap" ]] || _topo_err "topo_client_up: no TAP" || return
	[[ -n "$ns" ]] || _topo_err "topo_init first" || return
	_topo_ns_add "$ns"
	_topo_move "$tap" "$ns"
	ip -n "$ns" addr replace "$TOPO_CLI_IP4/24" dev "$tap"
	ip -n "$ns" addr replace "$TOPO_CLI_IP6/64" dev "$tap" nodad
	ip -n "$ns" link set "$tap" up
	_topo_wait_oper "$ns" "$tap"
	ip -n "$ns" route replace default via "$TOPO_GW4" dev "$tap"
	ip -n "$ns" -6 route replace default via "$TOPO_GW6" dev "$tap"
	ip -n "$ns" route replace "$TOPO_VIP4_NET" via "$TOPO_GW4" dev "$tap"
	ip -n "$ns" -6 route replace "$TOPO_VIP6_NET" via "$TOPO_GW6" dev "$tap"
	TOPO_CLI_TAP=$tap
}

# topo_backends_up [TAP]: TAP (default $TOPO_BACKEND_TAP) into ns
# ${P}bnet on bridge br0, with the three backend namespaces on it.
topo_backends_up() {
	local tap=${1:-$TOPO_BACKEND_TAP} bn=$TOPO_NS_BNET i ns
	[[ -n "$tap" ]] || _topo_err "topo_backends_up: no TAP" || return
	[[ -n "$bn" ]] || _topo_err "topo_init first" || return
	_topo_ns_add "$bn"
	if ! ip -n "$bn" link show dev br0 >/dev/null 2>&1; then
		ip -n "$bn" link add br0 type bridge
	fi
	# No STP delay; no multicast snooping, so that neighbour solicitations
	# reach every port whatever MLD state the bridge has seen.
	ip -n "$bn" link set br0 type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0
	ip -n "$bn" link set br0 up
	_topo_move "$tap" "$bn"
	ip -n "$bn" link set "$tap" master br0
	ip -n "$bn" link set "$tap" up
	for ((i = 1; i <= ${#TOPO_NS_B[@]}; i++)); do
		ns=${TOPO_NS_B[i - 1]}
		_topo_ns_add "$ns"
		if ! ip -n "$bn" link show dev "vb$i" >/dev/null 2>&1; then
			ip -n "$bn" link add "vb$i" type veth peer name eth0 netns "$ns"
		fi
		ip -n "$bn" link set "vb$i" master br0
		ip -n "$bn" link set "vb$i" up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
		ip -n "$ns" addr replace "$(topo_backend_ip4 "$i")/24" dev eth0
		ip -n "$ns" addr replace "$(topo_backend_ip6 "$i")/64" dev eth0 nodad
		ip -n "$ns" link set eth0 up
	done
	for ((i = 1; i <= ${#TOPO_NS_B[@]}; i++)); do
		ns=${TOPO_NS_B[i - 1]}
		_topo_wait_oper "$ns" eth0
		ip -n "$ns" route replace default via "$TOPO_BGW4" dev eth0
		ip -n "$ns" -6 route replace default via "$TOPO_BGW6" dev eth0
	done
	_topo_wait_oper "$bn" "$tap"
	TOPO_BACKEND_TAP=$tap
}

# _topo_http_run I: backend I's HTTP server, in the background; its pid in
# TOPO_HTTP_PID[I] (and TOPO_PIDS).
_topo_http_run() {
	local i=$1
	ip netns exec "${TOPO_NS_B[i - 1]}" "$TOPO_PY" -m http.server \
		"$TOPO_HTTP_PORT" --bind :: --directory "$TOPO_TMP/www/b$i" \
		>>"$TOPO_TMP/http-b$i.log" 2>&1 &
	TOPO_PIDS+=("$!")
	TOPO_HTTP_PID[i]=$!
}

# topo_servers_up: HTTP and UDP echo in every backend namespace; returns
# when all answer (error after 10 s).
topo_servers_up() {
	local www=$TOPO_TMP/www i ns dir
	local -a pids=()
	[[ -n "$TOPO_TMP" && -d "$TOPO_TMP" ]] ||
		_topo_err "topo_init first" || return
	mkdir -p "$www"
	[[ -e "$www/big" ]] || truncate -s 64M "$www/big"
	for ((i = 1; i <= ${#TOPO_NS_B[@]}; i++)); do
		ns=${TOPO_NS_B[i - 1]}
		dir=$www/b$i
		mkdir -p "$dir"
		printf 'b%d\n' "$i" >"$dir/whoami"
		[[ -e "$dir/big" ]] || ln "$www/big" "$dir/big" 2>/dev/null ||
			ln -s "$www/big" "$dir/big"
		_topo_http_run "$i"
		pids[2 * i]=$!
		ip netns exec "$ns" "$TOPO_PY" "$TOPO_DIR/udp_echo.py" serve \
			--name "b$i" --port "$TOPO_UDP_PORT" \
			>"$TOPO_TMP/udp-b$i.log" 2>&1 &
		TOPO_PIDS+=("$!")
		pids[2 * i + 1]=$!
	done
	for ((i = 1; i <= ${#TOPO_NS_B[@]}; i++)); do
		_topo_wait_servers "$i" "${pids[2 * i]}" "${pids[2 * i + 1]}" ||
			return
	done
}

# _topo_wait_servers I HTTP_PID UDP_PID: until backend I's servers answer,
# probed from inside its own namespace.
_topo_wait_servers() {
	local i=$1 ns=${TOPO_NS_B[$1 - 1]} end=$((SECONDS + 10)) body reply p
	while :; do
		body=$(ip netns exec "$ns" curl -gs --max-time 1 \
			"http://[::1]:$TOPO_HTTP_PORT/whoami" 2>/dev/null || true)
		reply=$(ip netns exec "$ns" "$TOPO_PY" "$TOPO_DIR/udp_echo.py" ask \
			--timeout 0.2 ::1 "$TOPO_UDP_PORT" probe 2>/dev/null || true)
		[[ "$body" == "b$i" && "$reply" == "b$i:probe" ]] && return 0
		for p in "$2" "$3"; do
			kill -0 "$p" 2>/dev/null || end=0 # a server died: stop now
		done
		((SECONDS < end)) || break
		sleep 0.1
	done
	_topo_err "servers of b$i do not answer (http '${body:0:40}'," \
		"udp '${reply:0:40}'); logs:" \
		"$(tail -n 2 "$TOPO_TMP/http-b$i.log" "$TOPO_TMP/udp-b$i.log" \
		2>/dev/null)"
}

# topo_http_stop I: stops backend I's HTTP server (its UDP echo stays).
topo_http_stop() {
	local i=${1:?topo_http_stop I}
	[[ -n "${TOPO_HTTP_PID[i]:-}" ]] ||
		_topo_err "no HTTP server of b$i to stop" || return
	local pid=${TOPO_HTTP_PID[i]} p
	local -a keep=()
	_topo_kill "$pid"
	# Reaped: its pid may be reused, so topo_down must not kill it.
	for p in "${TOPO_PIDS[@]}"; do
		[[ "$p" == "$pid" ]] || keep+=("$p")
	done
	TOPO_PIDS=("${keep[@]}")
	TOPO_HTTP_PID[i]=""
}

# topo_http_start I: starts backend I's HTTP server again; returns when it
# answers (error after 10 s).
topo_http_start() {
	local i=${1:?topo_http_start I} n body
	[[ -z "${TOPO_HTTP_PID[i]:-}" ]] ||
		_topo_err "the HTTP server of b$i runs" || return
	_topo_http_run "$i"
	for ((n = 0; n < 100; n++)); do
		body=$(in_backend "$i" curl -gs --max-time 1 \
			"http://[::1]:$TOPO_HTTP_PORT/whoami" 2>/dev/null || true)
		[[ "$body" == "b$i" ]] && return 0
		kill -0 "${TOPO_HTTP_PID[i]}" 2>/dev/null || break
		sleep 0.1
	done
	_topo_err "the HTTP server of b$i does not answer;" \
		"$(tail -n 2 "$TOPO_TMP/http-b$i.log" 2>/dev/null)"
}

# topo_mgmt_up: a veth from the root namespace to each backend, for health
# checks: root end ${TOPO_MGMT_BASE}.(4i+1)/30, backend end .(4i+2)/30.
# The root ends are named <prefix, at most 10 chars>m<i>.
topo_mgmt_up() {
	local i ns rname
	for ((i = 1; i <= ${#TOPO_NS_B[@]}; i++)); do
		ns=${TOPO_NS_B[i - 1]}
		rname=${TOPO_PREFIX:0:10}m$i
		if ! ip link show dev "$rname" >/dev/null 2>&1; then
			ip link add "$rname" type veth peer name mgmt0 netns "$ns"
		fi
		TOPO_LINKS+=("$rname")
		ip addr replace "$TOPO_MGMT_BASE.$((4 * i + 1))/30" dev "$rname"
		ip link set "$rname" up
		ip -n "$ns" addr replace "$(topo_mgmt_ip "$i")/30" dev mgmt0
		ip -n "$ns" link set mgmt0 up
	done
	for ((i = 1; i <= ${#TOPO_NS_B[@]}; i++)); do
		_topo_wait_oper "${TOPO_NS_B[i - 1]}" mgmt0
	done
}

# Kills PIDs: TERM, up to TOPO_KILL_WAIT seconds, then KILL; reaps children.
# Never fails (it runs under the caller's set -e too).
_topo_kill() {
	local p n alive
	[[ $# -gt 0 ]] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((n = 0; n < TOPO_KILL_WAIT * 10; n++)); do
		alive=0
		for p in "$@"; do
			if kill -0 "$p" 2>/dev/null; then
				alive=1
			fi
		done
		[[ $alive -eq 1 ]] || break
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
	for p in "$@"; do
		wait "$p" 2>/dev/null || true
	done
	return 0
}

_topo_ns_del() {
	local ns=$1
	local -a pids
	[[ -e "/run/netns/$ns" ]] || return 0
	mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
	_topo_kill "${pids[@]}"
	ip netns del "$ns" 2>/dev/null || true
	return 0
}

# topo_down: kills what was started, deletes namespaces, leftover
# interfaces and the temp dir.  Idempotent; never fails.
topo_down() {
	local - ns ifc i
	set +eu
	_topo_kill "${TOPO_PIDS[@]}"
	TOPO_PIDS=()
	for ((i = ${#TOPO_NS_ALL[@]} - 1; i >= 0; i--)); do
		_topo_ns_del "${TOPO_NS_ALL[i]}"
	done
	for ifc in "${TOPO_LINKS[@]}"; do
		if ip link show dev "$ifc" >/dev/null 2>&1; then
			ip link del dev "$ifc" 2>/dev/null
		fi
	done
	TOPO_LINKS=()
	if [[ -n "$TOPO_TMP" && "$TOPO_TMP" == *topo.* && -d "$TOPO_TMP" ]]; then
		rm -rf -- "$TOPO_TMP"
	fi
	TOPO_TMP=""
	return 0
}

# topo_leftovers: prints namespaces and interfaces of this topology that
# still exist; returns 1 if there are any.
topo_leftovers() {
	local ns ifc left=0
	for ns in "${TOPO_NS_ALL[@]}"; do
		if [[ -e "/run/netns/$ns" ]]; then
			echo "namespace $ns"
			left=1
		fi
	done
	for ifc in "${TOPO_LINKS[@]}"; do
		if ip link show dev "$ifc" >/dev/null 2>&1; then
			echo "interface $ifc"
			left=1
		fi
	done
	return "$left"
}

# curl_spread URL N: N requests for URL/whoami from the client namespace,
# each on a new connection; prints "b1 COUNT" ... one line per backend.
# Returns 1 if any request failed or got an unexpected body.
curl_spread() {
	local url=${1:?curl_spread URL N} n=${2:?curl_spread URL N} out
	url=${url%/}
	[[ "$url" == */whoami ]] || url+=/whoami
	# shellcheck disable=SC2016 # expanded by the inner bash
	out=$(in_cli bash -c '
		for ((i = 0; i < $2; i++)); do
			if b=$(curl -gsf --max-time 5 "$1"); then
				printf "%s\n" "${b:-#EMPTY}"
			else
				echo "#FAIL request $((i + 1)): curl exit $?"
			fi
		done' _ "$url" "$n") || true
	_topo_count "$n" "curl_spread $url" <<<"$out"
}

# udp_spread ADDR PORT N: N datagrams, each from a new source port, from
# the client namespace; prints "b1 COUNT" ... like curl_spread.
udp_spread() {
	local addr=${1:?udp_spread ADDR PORT N} port=${2:?} n=${3:?} out
	out=$(in_cli "$TOPO_PY" "$TOPO_DIR/udp_echo.py" ask --count "$n" \
		--timeout 2 "$addr" "$port" spread 2>/dev/null) || true
	_topo_count "$n" "udp_spread $addr $port" <<<"${out//:spread/}"
}

# Counts lines "bI" on stdin; prints one line per backend; 1 if the
# backends did not get all of the N expected.
_topo_count() {
	awk -v n="$1" -v nb="${#TOPO_NS_B[@]}" -v what="$2" '
		{ c[$0]++ }
		!/^b[0-9]+$/ && bad++ < 5 { print what ": " $0 > "/dev/stderr" }
		END {
			got = 0
			for (i = 1; i <= nb; i++) {
				printf "b%d %d\n", i, c["b" i]; got += c["b" i]
			}
			if (got != n) {
				printf "%s: %d of %d failed\n", what, n - got, n \
					> "/dev/stderr"
				exit 1
			}
		}'
}

# udp_ask ADDR PORT PAYLOAD [TIMEOUT]: one datagram from the client
# namespace; prints the reply (exit 1 if none within TIMEOUT, default 2 s).
udp_ask() {
	udp_ask_in "$TOPO_NS_CLI" "$@"
}

udp_ask_in() {
	local ns=${1:?udp_ask_in NS ADDR PORT PAYLOAD [TIMEOUT]}
	ip netns exec "$ns" "$TOPO_PY" "$TOPO_DIR/udp_echo.py" ask \
		--timeout "${5:-2}" "${2:?}" "${3:?}" "${4?}"
}

# ---------------------------------------------------------------- selftest

_topo_check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		_TOPO_FAILED=$((_TOPO_FAILED + 1))
	fi
}

_topo_not() {
	! "$@"
}

_topo_quiet() {
	"$@" >/dev/null 2>&1
}

_topo_eq() {
	[[ "$1" == "$2" ]] || {
		echo "     got '$1', expected '$2'" >&2
		return 1
	}
}

# Without the data plane: two veth pairs stand in for its taps, and a
# namespace that routes between them (kernel forwarding) for the data
# plane itself, so the helpers can be tested from end to end.
topo_selftest() {
	local p="tt$$-" c="tt$$c" b="tt$$b" r i ns out tmp
	_TOPO_FAILED=0
	topo_init "$p"
	r="${p}rtr"
	tmp=$TOPO_TMP
	topo_register_ns "$r"
	topo_register_link "$c" "$b"
	ip netns add "$r"
	ip -n "$r" link set lo up
	ip netns exec "$r" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	ip link add "$c" type veth peer name rc netns "$r"
	ip link add "$b" type veth peer name rb netns "$r"
	ip -n "$r" addr add "$TOPO_GW4/24" dev rc
	ip -n "$r" addr add "$TOPO_GW6/64" dev rc nodad
	ip -n "$r" addr add "$TOPO_BGW4/24" dev rb
	ip -n "$r" addr add "$TOPO_BGW6/64" dev rb nodad
	ip -n "$r" link set rc up
	ip -n "$r" link set rb up

	topo_wait_iface "$c"
	_topo_check "wait_iface fails for a missing one" \
		_topo_not _topo_quiet topo_wait_iface nosuchif0 1
	topo_client_up "$c"
	topo_backends_up "$b"
	topo_servers_up
	topo_mgmt_up

	out=$(in_cli ip -br addr show dev "$c")
	_topo_check "client v4 address" grep -q "$TOPO_CLI_IP4/24" <<<"$out"
	_topo_check "client v6 address" grep -q "$TOPO_CLI_IP6/64" <<<"$out"
	out=$(in_cli ip -6 addr show dev "$c")
	_topo_check "client v6 not tentative" _topo_not grep -q tentative <<<"$out"
	out=$(in_cli ip route)
	_topo_check "client v4 default" grep -q "^default via $TOPO_GW4 dev $c" \
		<<<"$out"
	_topo_check "client v4 VIP route" \
		grep -q "^$TOPO_VIP4_NET via $TOPO_GW4 dev $c" <<<"$out"
	out=$(in_cli ip -6 route)
	_topo_check "client v6 default" grep -q "^default via $TOPO_GW6 dev $c" \
		<<<"$out"
	_topo_check "client v6 VIP route" \
		grep -q "^$TOPO_VIP6_NET via $TOPO_GW6 dev $c" <<<"$out"
	out=$(in_ns "$TOPO_NS_BNET" ip -br link show master br0 | awk '{print $1}' |
		sed 's/@.*//' | sort | tr '\n' ' ')
	_topo_check "bridge ports" _topo_eq "$out" "$b vb1 vb2 vb3 "

	for ((i = 1; i <= TOPO_NBACKENDS; i++)); do
		ns=${TOPO_NS_B[i - 1]}
		_topo_check "b$i http [::1]" _topo_eq \
			"$(in_backend "$i" curl -gsf --max-time 5 "http://[::1]:8080/whoami")" \
			"b$i"
		_topo_check "b$i http 127.0.0.1" _topo_eq \
			"$(in_backend "$i" curl -sf --max-time 5 http://127.0.0.1:8080/whoami)" \
			"b$i"
		_topo_check "b$i big is 64 MiB" _topo_eq "$(in_backend "$i" curl -sf \
			--max-time 5 -o /dev/null -w '%{size_download}' \
			http://127.0.0.1:8080/big)" 67108864
		_topo_check "b$i udp ::1" _topo_eq "$(udp_ask_in "$ns" ::1 7007 hi)" \
			"b$i:hi"
		_topo_check "b$i udp 127.0.0.1" _topo_eq \
			"$(udp_ask_in "$ns" 127.0.0.1 7007 hi)" "b$i:hi"
		_topo_check "b$i v4 default route" _topo_eq "$(in_backend "$i" \
			ip route show default)" "default via $TOPO_BGW4 dev eth0 "
		_topo_check "b$i mgmt http from the root namespace" _topo_eq \
			"$(curl -sf --max-time 5 "http://$(topo_mgmt_ip "$i"):8080/whoami")" \
			"b$i"
	done

	# Through the stand-in router, from the client namespace.
	_topo_check "curl_spread v4" _topo_eq \
		"$(curl_spread "http://$(topo_backend_ip4 2):8080" 5)" \
		$'b1 0\nb2 5\nb3 0'
	_topo_check "curl_spread v6" _topo_eq \
		"$(curl_spread "http://[$(topo_backend_ip6 3)]:8080/whoami" 4)" \
		$'b1 0\nb2 0\nb3 4'
	_topo_check "curl_spread reports failures" \
		_topo_not _topo_quiet curl_spread http://198.18.1.11:8081 2
	_topo_check "udp_ask v4" _topo_eq \
		"$(udp_ask "$(topo_backend_ip4 1)" 7007 hello)" "b1:hello"
	_topo_check "udp_ask v6" _topo_eq \
		"$(udp_ask "$(topo_backend_ip6 2)" 7007 hello)" "b2:hello"
	_topo_check "udp_spread" _topo_eq \
		"$(udp_spread "$(topo_backend_ip4 3)" 7007 3)" $'b1 0\nb2 0\nb3 3'
	_topo_check "udp_ask times out" \
		_topo_not _topo_quiet udp_ask 198.18.1.11 7008 x 0.5

	topo_down
	topo_down # twice: idempotent
	_topo_check "no namespaces or interfaces left" topo_leftovers
	_topo_check "no namespaces with the prefix" \
		_topo_not grep -q "^$p" < <(ip netns list)
	_topo_check "no root interfaces left" \
		_topo_not grep -q "^tt$$" < <(ip -br link)
	_topo_check "temp dir removed" test ! -e "$tmp"
	_topo_check "no servers left" _topo_not pgrep -f "$tmp"
	if ((_TOPO_FAILED)); then
		echo "topo.sh selftest: $_TOPO_FAILED check(s) FAILED"
		return 1
	fi
	echo "topo.sh selftest: ok"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	case "${1:-}" in
	selftest) topo_selftest ;;
	*)
		echo "usage: bash $0 selftest   (or source it: see README.md)" >&2
		exit 2
		;;
	esac
fi
