#!/usr/bin/env bash
# The whole test suite: the user-space units once more under
# ThreadSanitizer (build-tsan/, hosted parts only), the fuzz harnesses for a
# short fixed budget and the user-space units built by clang under ASan and
# UBSan (build-fuzz/), the whole tree built by clang with its unit and
# QEMU suites and two Linux tests (build-clang/), then every Meson suite
# of the main build (build/). Ends with Meson's summary.
#
# scripts/test.sh --scale runs the 'scale' suite instead (the self-test on
# 1024 and 2048 vCPUs, tests/qemu/meson.build), after the same setup and
# build: about 6 minutes on two idle cores, far more on a busy host, so
# the default run leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=0
case ${1:-} in
'') ;;
--scale) scale=1 ;;
-h | --help)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "test.sh: unknown option $1 (scripts/test.sh [--scale])" >&2
	exit 2
	;;
esac

# The Debian kernels the 'linux' suite boots, and their headers (the
# driver is built against them); downloads only what is missing.
scripts/install-deps.sh
scripts/fetch-kernels
# checkpatch.pl for the style suite's check of driver/.
scripts/fetch-checkpatch

scripts/build.sh build

if [ $scale -eq 1 ]; then
	echo "== the scale suite (build/): 1024 and 2048 vCPUs"
	exec meson test -C build --suite scale --print-errorlogs
fi

echo "== unit tests under ThreadSanitizer (build-tsan/)"
if [ -f build-tsan/build.ninja ]; then
	meson setup --reconfigure build-tsan >/dev/null
else
	meson setup build-tsan -Db_sanitize=thread -Db_lundef=false >/dev/null
fi
meson compile -C build-tsan >/dev/null
meson test -C build-tsan --suite unit --print-errorlogs

echo "== fuzz harnesses, fixed seeds (build-fuzz/: clang, ASan + UBSan)"
scripts/fuzz --suite

# The same configuration builds every hosted part with clang: the unit
# tests once more, under AddressSanitizer and UndefinedBehaviorSanitizer.
echo "== unit tests built by clang, under ASan + UBSan (build-fuzz/)"
meson test -C build-fuzz --suite unit --print-errorlogs

# The whole tree, freestanding kernel and boot shim included, built by
# clang (docs/conventions.md, "Compilers"): its unit and QEMU suites, and
# two Linux tests that boot the clang-built kernel and shim under stock
# Linux: the whole stack (driver, test VMM, sidecarctl) on 6.12 and a
# plain boot of 6.1. sidecar.ko is built by Kbuild with the kernel's own
# gcc whatever CC says, so it is built for 6.12 only, and the main build's
# Linux suite runs the rest. About 2.5 minutes in all.
echo "== unit, QEMU and two Linux tests, built by clang (build-clang/)"
k612=$(sh driver/kernels.sh | awk '$1 ~ /^6[.]12[.]/ { print $2; exit }')
if [ -z "$k612" ]; then
	echo "test.sh: no 6.12 kernel headers (scripts/fetch-kernels installs them)" >&2
	exit 1
fi
CC=clang CXX=clang++ scripts/build.sh build-clang -Dkernel_headers="$k612"
meson test -C build-clang --suite unit --suite qemu --print-errorlogs
meson test -C build-clang --print-errorlogs linux-6.12-8cpu-2vnode-vmm linux-6.1-8cpu-2vnode-boot

echo "== all suites (build/)"
meson test -C build --print-errorlogs
