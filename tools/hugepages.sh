#!/usr/bin/env bash
# Hugepages for DPDK.
#
#   tools/hugepages.sh [N]
#       Ensures at least N (default 512) 2 MiB hugepages exist (never lowers
#       the count) and that hugetlbfs is mounted at /dev/hugepages.  Quiet
#       when nothing had to change.
#
#   tools/hugepages.sh --cleanup PREFIX [--dry-run]
#       Removes what a dead DPDK instance with --file-prefix PREFIX left:
#       /var/run/dpdk/PREFIX and PREFIXmap_* files on every hugetlbfs
#       mount.  Refuses (exit 1) while any process still has one of them
#       open or mapped.  --dry-run only lists them.
#
# Exit status: 0 done, 1 cannot (with the reason on stderr), 2 usage.
set -euo pipefail

SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB
MNT=/dev/hugepages
RUNDIR_BASE=/var/run/dpdk

die() {
	echo "hugepages.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 [N] | $0 --cleanup PREFIX [--dry-run]" >&2
	exit 2
}

# Mount points of hugetlbfs, one a line (from /proc/mounts).
hugetlbfs_mounts() {
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts
}

ensure_mount() {
	local opts
	opts=$(awk -v m="$MNT" '$2 == m && $3 == "hugetlbfs" { print $4 }' \
		/proc/mounts | tail -n 1)
	if [[ -z "$opts" ]]; then
		mkdir -p "$MNT" || die "cannot create $MNT"
		mount -t hugetlbfs -o pagesize=2M nodev "$MNT" ||
			die "cannot mount hugetlbfs on $MNT (are you root?)"
		echo "hugepages.sh: mounted hugetlbfs (2M) on $MNT" >&2
	elif [[ "$opts" == *pagesize=* && "$opts" != *pagesize=2M* ]]; then
		die "$MNT is hugetlbfs with other than 2 MiB pages ($opts)"
	fi
}

ensure_pages() {
	local want=$1 have old free avail
	[[ -d "$SYSFS" ]] || die "this kernel has no 2 MiB hugepages ($SYSFS)"
	old=$(<"$SYSFS/nr_hugepages")
	have=$old
	if ((have < want)); then
		if ! echo "$want" >"$SYSFS/nr_hugepages" 2>/dev/null; then
			die "cannot set $SYSFS/nr_hugepages (need root; read-only" \
				"/sys in a container?)"
		fi
		have=$(<"$SYSFS/nr_hugepages")
		if ((have < want)); then
			# Fragmented memory: compact, then ask once more.
			echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
			echo "$want" >"$SYSFS/nr_hugepages" 2>/dev/null || true
			have=$(<"$SYSFS/nr_hugepages")
		fi
		if ((have < want)); then
			# Give back what a failed request took: it may be most of RAM.
			echo "$old" >"$SYSFS/nr_hugepages" 2>/dev/null || true
			avail=$(awk '/MemAvailable/ { print $2 / 1024 }' /proc/meminfo)
			die "asked for $want 2 MiB hugepages, the kernel could give" \
				"only $have (not enough free contiguous memory; now back" \
				"to $(<"$SYSFS/nr_hugepages"), ${avail%.*} MiB available)"
		fi
		echo "hugepages.sh: $have 2 MiB hugepages (was $old)" >&2
	fi
	free=$(<"$SYSFS/free_hugepages")
	if ((free == 0)); then
		echo "hugepages.sh: warning: all $have 2 MiB hugepages are in use" >&2
	fi
}

# Files a DPDK instance with file prefix $1 leaves, one a line.
prefix_files() {
	local prefix=$1 m f
	if [[ -e "$RUNDIR_BASE/$prefix" ]]; then
		find "$RUNDIR_BASE/$prefix" -mindepth 1 2>/dev/null || true
	fi
	while IFS= read -r m; do
		for f in "$m/${prefix}map_"*; do
			[[ -e "$f" ]] && printf '%s\n' "$f"
		done
	done < <(hugetlbfs_mounts)
}

cleanup_prefix() {
	local prefix=$1 dry=$2 users
	local -a files
	[[ "$prefix" =~ ^[A-Za-z0-9._-]+$ && "$prefix" != . && "$prefix" != .. ]] ||
		die "bad prefix '$prefix' (letters, digits, . _ - only)"
	command -v fuser >/dev/null 2>&1 || die "fuser not found (package psmisc)"
	mapfile -t files < <(prefix_files "$prefix")
	if [[ ${#files[@]} -eq 0 ]]; then
		if [[ -d "$RUNDIR_BASE/$prefix" && $dry -eq 0 ]]; then
			rmdir "$RUNDIR_BASE/$prefix" 2>/dev/null || true
		fi
		return 0
	fi
	# fuser sees open descriptors and memory mappings: a live primary or
	# secondary holds its hugepage files, config and fbarrays so.
	# (fuser prints only the PIDs on stdout.)
	users=$(fuser "${files[@]}" 2>/dev/null | tr -s ' \t' '\n' |
		sed '/^$/d' | sort -un | tr '\n' ' ' || true)
	if [[ -n "${users// /}" ]]; then
		die "prefix '$prefix' is still in use by PID(s) ${users% }; not removed"
	fi
	if [[ $dry -eq 1 ]]; then
		printf 'would remove %s\n' "${files[@]}"
		[[ -d "$RUNDIR_BASE/$prefix" ]] &&
			printf 'would remove %s\n' "$RUNDIR_BASE/$prefix"
		return 0
	fi
	rm -rf -- "$RUNDIR_BASE/${prefix:?}"
	local f
	for f in "${files[@]}"; do
		[[ "$f" == "$RUNDIR_BASE/"* ]] || rm -f -- "$f"
	done
	echo "hugepages.sh: removed ${#files[@]} stale file(s) of prefix '$prefix'" >&2
}

main() {
	case "${1:-}" in
	--cleanup)
		[[ $# -ge 2 && $# -le 3 ]] || usage
		local dry=0
		if [[ $# -eq 3 ]]; then
			[[ "$3" == --dry-run ]] || usage
			dry=1
		fi
		cleanup_prefix "$2" "$dry"
		;;
	-h | --help)
		sed -n '2,15s/^# \{0,1\}//p' "$0"
		;;
	*)
		[[ $# -le 1 ]] || usage
		local n=${1:-512}
		if ! [[ "$n" =~ ^[0-9]+$ ]] || ((10#$n == 0)); then
			usage
		fi
		ensure_mount
		ensure_pages "$((10#$n))"
		;;
	esac
}

main "$@"
