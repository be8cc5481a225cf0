/* SPDX-License-Identifier: MIT */
/*
 * The host topology as a flattened device tree (docs/topology-dt.md):
 *
 *   /chosen/bootargs             the command line
 *   /chosen/openhcl,sidecar-excluded-cpus
 *                                VP indexes the main kernel must start
 *                                (per-CPU overrides; cells, optional)
 *   /cpus/cpu@N                  one node per CPU, in VP-index order:
 *       reg                      the APIC ID (one cell)
 *       numa-node-id             the vnode (default 0)
 *   /memory@ADDR                 device_type = "memory":
 *       reg                      (address, size) pairs, root address/size cells
 *       numa-node-id             the vnode of every pair (default 0)
 *   /reserved-memory/NAME reg    ranges already in use
 *   /memreserve/ entries         ranges already in use
 *
 * The same reader runs in the host tool and in the boot shim.
 */
#ifndef SIDECAR_TOPOLOGY_H
#define SIDECAR_TOPOLOGY_H

#include "sidecar_planner.h"

#define SIDECAR_TOPOLOGY_CMDLINE_SIZE  4096
#define SIDECAR_TOPOLOGY_EXCLUDED_PROP "openhcl,sidecar-excluded-cpus"
#define SIDECAR_TOPOLOGY_ERROR_SIZE    160

struct sidecar_topology {
	struct sidecar_plan_cpu cpus[SIDECAR_PLAN_MAX_CPUS];
	size_t cpu_count;
	struct sidecar_plan_ram ram[SIDECAR_PLAN_MAX_RAM_RANGES];
	size_t ram_count;
	struct sidecar_plan_range used[SIDECAR_PLAN_MAX_USED_RANGES];
	size_t used_count;
	char cmdline[SIDECAR_TOPOLOGY_CMDLINE_SIZE];
	/* /chosen/openhcl,sidecar-excluded-cpus, each below cpu_count. */
	uint32_t excluded[SIDECAR_PLAN_MAX_CPUS];
	size_t excluded_count;
	char error[SIDECAR_TOPOLOGY_ERROR_SIZE];
};

/*
 * Parses `fdt` (at most `size` bytes) into `topo`. Returns 0, or -1 with a
 * reason in topo->error.
 */
int sidecar_topology_from_fdt(const void *fdt, size_t size, struct sidecar_topology *topo);

/* The planner input that refers to `topo`'s arrays. */
struct sidecar_plan_input sidecar_topology_plan_input(const struct sidecar_topology *topo);

#endif /* SIDECAR_TOPOLOGY_H */
