#!/bin/sh
# sidecar-plan refuses a bad --exclude-cpus list with exit status 1 and one
# line on stderr, and accepts a good one. Usage: check_plan_option_refused.sh EXE DTB
# (DTB has 4 CPUs).
set -u
exe=$1 dtb=$2
failed=0
for list in 4 1,,2 1, ,1 x -1 1x 99999999999999999999 "1 2"; do
	err=$("$exe" --exclude-cpus "$list" "$dtb" 2>&1 >/dev/null)
	status=$?
	lines=$(printf '%s\n' "$err" | wc -l)
	if [ "$status" -ne 1 ] || [ "$lines" -ne 1 ] ||
		! printf '%s' "$err" | grep -q "^sidecar-plan: --exclude-cpus"; then
		echo "--exclude-cpus '$list': status $status, stderr: $err"
		failed=1
	fi
done
"$exe" --exclude-cpus 3,1 "$dtb" >/dev/null || {
	echo "--exclude-cpus 3,1 refused"
	failed=1
}
[ "$failed" = 0 ] && echo "PASS"
exit "$failed"
