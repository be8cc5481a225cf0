#!/usr/bin/env bash
# Installs what is missing, then configures and builds into build/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

scripts/install-deps.sh
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" >/dev/null
else
	meson setup "$build"
fi
meson compile -C "$build"
