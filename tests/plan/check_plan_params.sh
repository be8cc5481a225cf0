#!/bin/sh
# sidecar-plan --params writes initial_state as openhcl_boot does
# (sidecar.rs clones its PerCpuState into SidecarParams, openvmm 1488a37b):
# per_cpu_state_specified at byte 3088, sidecar_starts_cpu[400] from 3089.
# Usage: check_plan_params.sh EXE PLAIN_DTB OVERRIDES_DTB
# (PLAIN: no overrides; OVERRIDES: 8 CPUs, nodes at 0 and 4, CPUs 2, 5 excluded).
set -u
exe=$1 plain=$2 overrides=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# The bytes [3088, 3489) of FILE as one hex word per line.
state() {
	od -An -v -tx1 -j 3088 -N 401 "$1" | tr -s ' ' '\n' | sed '/^$/d'
}

"$exe" --params "$tmp/plain" "$plain" >/dev/null || { echo "sidecar-plan failed on $plain"; exit 1; }
[ "$(wc -c <"$tmp/plain")" = 4096 ] || { echo "params page is not 4096 bytes"; failed=1; }
want=$( (echo 00; for i in $(seq 400); do echo 01; done) )
[ "$(state "$tmp/plain")" = "$want" ] || {
	echo "no overrides: initial_state is not flag 0 and 400 x 1"
	failed=1
}

"$exe" --params "$tmp/over" "$overrides" >/dev/null || { echo "sidecar-plan failed on $overrides"; exit 1; }
want=$( (echo 01; for i in $(seq 0 399); do
	case $i in 0 | 2 | 4 | 5) echo 00 ;; *) echo 01 ;; esac
done) )
[ "$(state "$tmp/over")" = "$want" ] || {
	echo "overrides: initial_state is not flag 1 with CPUs 0, 2, 4, 5 at 0"
	state "$tmp/over" | head -8 | tr '\n' ' '
	echo
	failed=1
}
[ "$failed" = 0 ] && echo PASS
exit "$failed"
