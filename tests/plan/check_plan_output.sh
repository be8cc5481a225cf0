#!/bin/sh
# Runs sidecar-plan on a topology and compares its output and exit status
# with the expected ones.
# Usage: check_plan_output.sh EXE DTB EXPECTED STATUS [SIDECAR-PLAN OPTIONS...]
set -u
exe=$1 dtb=$2 expected=$3 want_status=$4
shift 4
out=$("$exe" "$@" "$dtb" 2>&1)
status=$?
if [ "$status" -ne "$want_status" ]; then
	echo "sidecar-plan exited with $status, expected $want_status; output:"
	echo "$out"
	exit 1
fi
if ! printf '%s\n' "$out" | diff -u "$expected" -; then
	echo "output differs from $expected"
	exit 1
fi
echo "$out"
