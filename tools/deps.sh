#!/usr/bin/env bash
# Checks for, and installs from Debian's archive, the packages Sluice needs
# to build, test and run its demo.  Idempotent and quiet when everything is
# already there; runs `apt-get update` only when something is missing.
#
#   tools/deps.sh           install what is missing (needs root)
#   tools/deps.sh --check   only report what is missing (exit 1 if anything)
#
# Exit status: 0 all present (or installed), 1 missing / install failed,
# 2 usage.
set -euo pipefail

BUILD_PKGS=(gcc pkg-config meson ninja-build dpdk dpdk-dev libdpdk-dev
	libnuma-dev libinih-dev libcunit1-dev libpcap-dev)
# nginx-light: the e2e backend that reads the PROXY protocol (run by the
# test in a namespace; the package's own service is never started).
# nftables: the SYN proxy test drops its raw client's kernel RSTs.
RUN_PKGS=(iproute2 curl socat python3 procps psmisc tcpdump jq wrk nginx-light
	nftables)

die() {
	echo "deps.sh: $*" >&2
	exit 1
}

check_only=0
case "${1:-}" in
"") ;;
--check) check_only=1 ;;
-h | --help)
	sed -n '2,11s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

command -v dpkg-query >/dev/null 2>&1 ||
	die "dpkg-query not found: this script is for Debian (12, bookworm)"

# A package counts as present only when fully installed ("install ok
# installed"); half-configured or removed-with-config ones are missing.
missing=()
for p in "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done

# The tests run Debian's interpreter by absolute path (a pyenv or venv
# python3 earlier on PATH must not matter).
if [[ ${#missing[@]} -eq 0 ]]; then
	[[ -x /usr/bin/python3 ]] ||
		die "package python3 is installed but /usr/bin/python3 is missing"
	exit 0
fi

if [[ $check_only -eq 1 ]]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	exit 1
fi
[[ $(id -u) -eq 0 ]] ||
	die "missing packages: ${missing[*]} (run as root to install them)"

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null ||
	die "apt-get update failed; missing packages: ${missing[*]}"
# No package's service may start on this machine (nginx would take port
# 80): invoke-rc.d asks policy-rc.d, which says no while we install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
rc=0
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
	rc=$?
[[ $own_policy -eq 0 ]] || rm -f "$policy"
[[ $rc -eq 0 ]] || die "apt-get install failed for: ${missing[*]}"

# Trust but verify: apt can succeed and still leave a package unconfigured.
still=()
for p in "${missing[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || still+=("$p")
done
[[ ${#still[@]} -eq 0 ]] || die "still not installed: ${still[*]}"
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 missing after install"
echo "deps.sh: installed ${missing[*]}" >&2
