#!/usr/bin/env bash
# The Sluice demo: installs what is missing, builds, then runs
# sluice-dataplane + sluice-control on conf/demo.ini between a client
# namespace and three backend namespaces (real HTTP and UDP servers),
# sends real requests through the VIPs, shows which backend answered how
# often and what sluicectl reports, and tears everything down.
# Usage (as root): tools/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}

if [ "$(id -u)" != 0 ]; then
	echo "tools/demo.sh: run as root (hugepages, network namespaces)" >&2
	exit 2
fi
tools/deps.sh
tools/hugepages.sh 512
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null

# shellcheck source=../tests/e2e/topo.sh
. tests/e2e/topo.sh
# shellcheck source=../tests/e2e/sluice_env.sh
. tests/e2e/sluice_env.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

sl_env_init "$build" "$top/conf/demo.ini" demo
say "starting sluice-dataplane and sluice-control on conf/demo.ini"
sl_env_up
slctl status
slctl vip list

say "100 HTTP requests to http://198.18.100.1/ (weights b1:b2:b3 = 1:1:2)"
curl_spread http://198.18.100.1 100
say "100 HTTP requests to http://[2001:db8:100::1]/"
curl_spread 'http://[2001:db8:100::1]' 100
say "30 UDP requests to 198.18.100.1:7 (UDP echo backends)"
udp_spread 198.18.100.1 7 30

say "draining b3: sluicectl backend set web4 198.18.1.13:8080 weight 0"
slctl backend set web4 198.18.1.13:8080 weight 0
curl_spread http://198.18.100.1 60

say "edge policy, live: deny the client, answered with a RST"
slctl vip policy web4 deny_reply rst
slctl acl add web4 deny 198.18.0.2/32
in_cli curl -gsS --max-time 3 http://198.18.100.1/whoami || true
slctl acl list web4
slctl acl del web4 198.18.0.2/32
say "SYN proxy on: every SYN answered with a cookie, the backend opened after"
slctl vip policy web4 syn_proxy on
curl_spread http://198.18.100.1 20
slctl vip list | grep -A2 '^web4 '

say "backends as sluicectl sees them"
slctl backend list
say "a few tracked flows (sluicectl flows limit 8)"
slctl flows limit 8
say "counters (sluicectl stats)"
slctl stats
say "done: tearing down"
