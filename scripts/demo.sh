#!/usr/bin/env bash
# The main job: builds Sidecar and boots it in QEMU (TCG) on 12 CPUs in two
# NUMA nodes (APIC IDs 0-5 and 8-13). The reference boot shim plans the
# nodes, starts the sidecar kernel on every CPU but each node's base CPU,
# and prints the per-CPU table (VP, APIC ID, node, status) and the bring-up
# timings.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh build >/dev/null
exec scripts/sidecar-qemu --cpus 12 --numa 6,6
