/* SPDX-License-Identifier: MIT */
/*
 * Running the planner from the shim: the topology's own used ranges plus
 * everything the shim knows is taken (low memory, the shim, the multiboot
 * information and modules, its allocations, and DT RAM that the memory map
 * does not mark available).
 */
#ifndef SHIM_BOOT_PLAN_H
#define SHIM_BOOT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "multiboot.h"
#include "sidecar_topology.h"

/*
 * Computes the plan for `topo` with command line `cmdline`. `taken` lists
 * the shim's and the loader's ranges; allocations come from phys_alloc.
 * Returns false (with a reason in `why`) only if the used ranges cannot be
 * handed to the planner; a declined plan is a plan.
 */
bool boot_plan_compute(const struct sidecar_topology *topo, const char *cmdline,
		       const struct mb_range *taken, size_t taken_count, struct sidecar_plan *plan,
		       char *why, size_t why_size);

/* The used ranges of the last boot_plan_compute(), merged. */
const struct sidecar_plan_range *boot_plan_used(size_t *count);

#endif /* SHIM_BOOT_PLAN_H */
