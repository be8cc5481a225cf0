#!/usr/bin/env bash
# The main job: the whole stack in QEMU (TCG), 12 CPUs in two NUMA nodes
# (APIC IDs 0-5 and 8-13). The reference boot shim plans the nodes, starts
# the sidecar kernel on every CPU but each node's base CPU and prints the
# per-CPU table with the bring-up timings, then boots Debian's 6.1 kernel
# on CPU 0. In that Linux, /init loads sidecar.ko and runs the demo VMM
# (vmmlib/examples/demo_vmm.c, on libsidecar-vmm): it shows the nodes and
# CPUs, exercises every sidecar CPU, runs a guest on all of them at once,
# converts one CPU to Linux, and prints its timings. The last line is
# "linux: PASS" or "linux: FAIL (reason)", and so is the exit status.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The kernel the demo boots, and its headers for the driver (cached).
scripts/fetch-kernels --quiet
scripts/build.sh build >/dev/null

exec tests/linux/run-linux-test --kernel 6.1 --test sidecar-demo-vmm --quiet-kernel \
	--extra build/driver/sidecar-@RELEASE@.ko:/lib/modules/sidecar.ko \
	--extra build/vmmlib/sidecar-demo-vmm:/bin/sidecar-demo-vmm \
	--cpus 12 --numa 6,6 --timeout 900
