// SPDX-License-Identifier: MIT
#include "sidecar_planner.h"

void sidecar_plan_print(const struct sidecar_plan *plan, sc_emit_fn emit, void *ctx)
{
	if (plan->result != SIDECAR_PLAN_PLANNED) {
		sc_format(emit, ctx, "sidecar plan: declined: %s\n", plan->reason);
		return;
	}

	sc_format(emit, ctx, "sidecar plan: %u CPUs in %u node%s, %llu KiB reserved, logging %s\n",
		  plan->cpu_count, plan->node_count, plan->node_count == 1 ? "" : "s",
		  (unsigned long long)(plan->total_memory / 1024),
		  plan->enable_logging ? "on" : "off");
	sc_format(emit, ctx, "%4s %7s %8s %5s %9s %18s %12s\n", "node", "base_vp", "vp_count",
		  "vnode", "mem_vnode", "memory_base", "memory_size");
	for (uint32_t i = 0; i < plan->node_count; i++) {
		const struct sidecar_plan_node *n = &plan->nodes[i];

		sc_format(emit, ctx, "%4u %7u %8u %5u %9u %#18llx %#12llx%s\n", i, n->base_vp,
			  n->vp_count, n->vnode, n->mem_vnode, (unsigned long long)n->memory_base,
			  (unsigned long long)n->memory_size,
			  n->mem_vnode != n->vnode ? "  (remote memory)" : "");
	}
	for (uint32_t i = 0; i < plan->skipped_count; i++) {
		const struct sidecar_plan_skipped *k = &plan->skipped[i];

		if (k->vp_count == 1)
			sc_format(emit, ctx, "no node for VP %u: no sidecar-started AP\n",
				  k->base_vp);
		else
			sc_format(emit, ctx, "no node for VPs %u-%u: no sidecar-started AP\n",
				  k->base_vp, k->base_vp + k->vp_count - 1);
	}
	if (plan->initial_state.per_cpu_state_specified)
		sc_format(emit, ctx,
			  "per-CPU state specified: the sidecar starts only the CPUs "
			  "not in boot_cpus=\n");
	sc_format(emit, ctx, "kernel command line: %s\n", plan->boot_cpus);
}
