#!/usr/bin/env bash
# The main job: builds Sidecar and shows what it does. For now that is the
# boot plan for an example topology (33 CPUs on one NUMA node).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh build >/dev/null
echo "== boot plan for tests/dts/33cpu-1vnode.dts"
build/tools/sidecar-plan build/tests/33cpu-1vnode.dtb
