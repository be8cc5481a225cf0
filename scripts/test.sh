#!/usr/bin/env bash
# The whole test suite: builds and runs every Meson test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh build
meson test -C build --print-errorlogs
