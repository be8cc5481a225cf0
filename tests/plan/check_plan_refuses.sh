#!/bin/sh
# Runs sidecar-plan on every malformed tree in DIR: each must exit 1 with
# nothing on stdout and exactly one line, "sidecar-plan: FILE: reason", on
# stderr (a crash, a plan, a decline or a multi-line message fails).
# Usage: check_plan_refuses.sh EXE DIR
set -u
exe=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 count=0
for dtb in "$dir"/*.dtb; do
	count=$((count + 1))
	"$exe" "$dtb" >"$tmp/out" 2>"$tmp/err"
	status=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$status" -ne 1 ] || [ -s "$tmp/out" ] || [ "$lines" -ne 1 ] ||
		! grep -q "^sidecar-plan: $dtb: ." "$tmp/err"; then
		echo "FAIL $(basename "$dtb"): exit $status, $lines stderr lines"
		cat "$tmp/out" "$tmp/err"
		failed=1
	else
		echo "ok   $(basename "$dtb"): $(cat "$tmp/err")"
	fi
done
if [ "$count" -lt 10 ]; then
	echo "only $count trees in $dir"
	exit 1
fi
exit $failed
