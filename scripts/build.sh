#!/usr/bin/env bash
# Installs what is missing, then configures and builds into build/ (or $1).
# Further arguments go to `meson setup` (e.g. -Dkernel_headers=none), also
# when it reconfigures; the compiler is Meson's choice, or CC/CXX at the first setup
# (CC=clang CXX=clang++ scripts/build.sh build-clang: docs/conventions.md,
# "Compilers").
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true

scripts/install-deps.sh
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$@" >/dev/null
else
	meson setup "$build" "$@"
fi
meson compile -C "$build"
