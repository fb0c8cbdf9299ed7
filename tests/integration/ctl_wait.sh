#!/usr/bin/env bash
# Waits between the control-plane pieces must end.
# sluice-control waiting for its data plane: it must attach only to a data
# plane that is alive and has finished its EAL start. A secondary that
# attaches earlier waits inside rte_eal_init() for the primary's "ready"
# word and spins there for ever if the primary dies first (a data plane
# short of hugepages did exactly that). The data plane is faked here: its
# runtime directory and config file, with a lock held by a helper process
# (alive) or not (dead), and the ready word set or not. And sluicectl
# against a control that never accepts must give up within its timeout.
# Usage: ctl_wait.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/sluice-cw.XXXXXX)
prefix=sl-cw-$$
rundir=/var/run/dpdk/$prefix
holder=

cleanup() {
	local rc=$?
	[ -n "$holder" ] && kill "$holder" 2>/dev/null || true
	rm -rf "$tmp" "$rundir"
	return "$rc"
}
trap cleanup EXIT

$py "$here/golden.py" conf "$here/golden/in.pcap" "$tmp/out.pcap" \
	"$prefix" "$tmp/ctl.sock" > "$tmp/cw.ini"
mkdir -p "$rundir"
truncate -s 1M "$rundir/config"

# The first word of the config file, little-endian: RTE_MAGIC (19820526)
# or 0.
set_word() {
	$py -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.write(struct.pack("<I", int(sys.argv[2])))' "$rundir/config" "$1"
}

# A process that holds the config file's lock, as a live primary does.
hold_lock() {
	$py -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+b")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
time.sleep(60)' "$rundir/config" > "$tmp/holder.out" &
	holder=$!
	for _ in $(seq 1 50); do
		grep -q locked "$tmp/holder.out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: the lock holder did not start"
	exit 1
}

# Runs sluice-control with --wait 2: it must give up on its own, within a
# few seconds, saying why.
expect_gives_up() {
	local what=$1 start end rc=0

	start=$(date +%s)
	# KILL after TERM: a control spinning inside rte_eal_init() does not
	# get to act on TERM.
	timeout -k 2 20 "$build/control/sluice-control" -c "$tmp/cw.ini" \
		--wait 2 >"$tmp/ctl.log" 2>&1 || rc=$?
	end=$(date +%s)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL ($what): sluice-control still running after 20 s"
		cat "$tmp/ctl.log"
		exit 1
	fi
	if [ "$rc" != 1 ] ||
	   ! grep -q "no data plane with file_prefix '$prefix' after 2 s" \
		"$tmp/ctl.log"; then
		echo "FAIL ($what): exit $rc, expected 1 and the no-data-plane error"
		cat "$tmp/ctl.log"
		exit 1
	fi
	if [ $((end - start)) -gt 10 ]; then
		echo "FAIL ($what): took $((end - start)) s to give up"
		exit 1
	fi
	echo "ok: $what: gave up after $((end - start)) s (exit $rc)"
}

# 1. Alive, not ready: a data plane still in (or dying during) its EAL
#    start.
set_word 0
hold_lock
expect_gives_up "alive, not ready"

# 2. Ready, not alive: what a data plane that died after its start leaves.
kill "$holder"
wait "$holder" 2>/dev/null || true
holder=
set_word 19820526
expect_gives_up "ready, not alive"

# 3. No runtime directory at all.
rm -rf "$rundir"
expect_gives_up "no data plane"

# 4. sluicectl against a control socket that never accepts (a stuck
#    control): every call ends within its timeout, also once the socket's
#    backlog is full of earlier calls (connect() itself waits then).
$py -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(0)
print("listening", flush=True)
time.sleep(60)' "$tmp/stuck.sock" > "$tmp/holder.out" &
holder=$!
for _ in $(seq 1 50); do
	grep -q listening "$tmp/holder.out" 2>/dev/null && break
	sleep 0.1
done
for i in 1 2 3 4; do
	rc=0
	start=$(date +%s)
	timeout -k 2 20 "$build/tools/sluicectl" -s "$tmp/stuck.sock" -t 1 \
		stats >"$tmp/ctl.log" 2>&1 || rc=$?
	end=$(date +%s)
	if [ "$rc" != 3 ] || [ $((end - start)) -gt 5 ]; then
		echo "FAIL (stuck control, call $i): exit $rc after" \
			"$((end - start)) s, expected 3 within the 1 s timeout"
		cat "$tmp/ctl.log"
		exit 1
	fi
	echo "ok: stuck control, call $i: $(cat "$tmp/ctl.log")"
done
echo "ctl_wait: ok"
