// SPDX-License-Identifier: MIT
/*
 * The node plan, following OpenHCL's start_sidecar() step by step:
 *  1. every vnode must be below SIDECAR_PLAN_MAX_VNODES;
 *  2. per vnode, keep the largest free RAM range (RAM minus used ranges);
 *  3. split runs of consecutive CPUs that share a vnode into
 *     ceil(n / 32) chunks of ceil(n / chunks) CPUs (the last one shorter);
 *  4. decline when every chunk has a single CPU (nothing to offload);
 *  5. for each chunk, cut sidecar_required_memory(n) from the end of its
 *     vnode's free range, or else from the next vnode (cyclically) with
 *     room; decline when none has room.
 * Where OpenHCL would panic or silently truncate (unsorted CPUs,
 * overlapping RAM, more than SIDECAR_MAX_NODES chunks) we decline instead.
 */
#include "mem_ranges.h"
#include "sidecar_planner.h"

#define PAGE_MASK ((uint64_t)SIDECAR_PAGE_SIZE - 1)

struct free_ranges {
	uint64_t start[SIDECAR_PLAN_MAX_VNODES];
	uint64_t end[SIDECAR_PLAN_MAX_VNODES];
	uint32_t current_vnode;
};

static uint64_t free_len(const struct free_ranges *f, uint32_t vnode)
{
	return f->end[vnode] - f->start[vnode];
}

/* Keeps the largest page-aligned free piece per vnode; the first of equal
 * size wins, as in OpenHCL (which compares with a strict `>`). */
static void note_free_piece(void *ctx, uint64_t start, uint64_t end)
{
	struct free_ranges *f = ctx;
	uint32_t v = f->current_vnode;

	/* A piece that starts in the last page of the 64-bit space holds no
	 * whole page: rounding its start up would wrap to 0 and turn it into
	 * [0, end), past every used range and outside RAM. */
	if (start > UINT64_MAX - PAGE_MASK)
		return;
	start = (start + PAGE_MASK) & ~PAGE_MASK;
	end &= ~PAGE_MASK;
	if (end <= start)
		return;
	if (end - start > free_len(f, v)) {
		f->start[v] = start;
		f->end[v] = end;
	}
}

static enum sidecar_plan_result decline(struct sidecar_plan *plan, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum sidecar_plan_result decline(struct sidecar_plan *plan, const char *fmt, ...)
{
	va_list ap;

	plan->result = SIDECAR_PLAN_DECLINED;
	plan->node_count = 0;
	plan->total_memory = 0;
	plan->boot_cpus[0] = '\0';
	va_start(ap, fmt);
	sc_vsnprintf(plan->reason, sizeof(plan->reason), fmt, ap);
	va_end(ap);
	return plan->result;
}

/* The size of the chunks a run of n CPUs is split into. */
static uint32_t chunk_size(uint32_t run)
{
	uint32_t chunks = (run + SIDECAR_PLAN_MAX_NODE_SIZE - 1) / SIDECAR_PLAN_MAX_NODE_SIZE;

	return (run + chunks - 1) / chunks;
}

/* Splits the CPU list into nodes (step 3); returns false if there are more
 * than SIDECAR_MAX_NODES, with the number needed in *needed. */
static bool split_nodes(const struct sidecar_plan_input *in, struct sidecar_plan *plan,
			uint32_t *needed)
{
	uint32_t count = 0;
	size_t i = 0;

	while (i < in->cpu_count) {
		size_t run_end = i + 1;
		uint32_t size;

		while (run_end < in->cpu_count && in->cpus[run_end].vnode == in->cpus[i].vnode)
			run_end++;
		size = chunk_size((uint32_t)(run_end - i));
		for (size_t first = i; first < run_end; first += size) {
			uint32_t n = (uint32_t)(run_end - first < size ? run_end - first : size);

			if (count < SIDECAR_MAX_NODES) {
				plan->nodes[count].base_vp = in->cpus[first].vp_index;
				plan->nodes[count].vp_count = n;
				plan->nodes[count].vnode = in->cpus[first].vnode;
			}
			count++;
		}
		i = run_end;
	}
	*needed = count;
	if (count > SIDECAR_MAX_NODES)
		return false;
	plan->node_count = count;
	return true;
}

static void format_boot_cpus(struct sidecar_plan *plan)
{
	size_t used = sc_snprintf(plan->boot_cpus, sizeof(plan->boot_cpus), "boot_cpus=");

	/* 128 base VPs below 2048 take at most 650 bytes; sc_snprintf()
	 * returns the untruncated length, so stop rather than index past
	 * the buffer should that ever change. */
	for (uint32_t i = 0; i < plan->node_count && used < sizeof(plan->boot_cpus); i++) {
		used += sc_snprintf(plan->boot_cpus + used, sizeof(plan->boot_cpus) - used, "%s%u",
				    i ? "," : "", plan->nodes[i].base_vp);
	}
}

enum sidecar_plan_result sidecar_plan_compute(const struct sidecar_plan_input *in,
					      struct sidecar_plan *plan)
{
	struct sidecar_plan_ram ram[SIDECAR_PLAN_MAX_RAM_RANGES];
	struct sidecar_plan_range used[SIDECAR_PLAN_MAX_USED_RANGES];
	struct free_ranges free = {0};
	size_t used_count = in->used_count;
	uint32_t max_vnode = 0, needed;
	bool any_multi = false;

	*plan = (struct sidecar_plan){.result = SIDECAR_PLAN_PLANNED};
	plan->cpu_count = (uint32_t)in->cpu_count;

	if (in->cpu_count == 0)
		return decline(plan, "no CPUs in the topology");
	if (in->cpu_count > SIDECAR_PLAN_MAX_CPUS)
		return decline(plan, "%zu CPUs, at most %u supported", in->cpu_count,
			       SIDECAR_PLAN_MAX_CPUS);
	if (in->ram_count > SIDECAR_PLAN_MAX_RAM_RANGES)
		return decline(plan, "%zu RAM ranges, at most %u supported", in->ram_count,
			       SIDECAR_PLAN_MAX_RAM_RANGES);
	if (in->used_count > SIDECAR_PLAN_MAX_USED_RANGES)
		return decline(plan, "%zu used ranges, at most %u supported", in->used_count,
			       SIDECAR_PLAN_MAX_USED_RANGES);

	for (size_t i = 0; i < in->cpu_count; i++) {
		if (in->cpus[i].vp_index != i)
			return decline(plan, "CPU list out of order: entry %zu has VP index %u", i,
				       in->cpus[i].vp_index);
		if (in->cpus[i].vnode > max_vnode)
			max_vnode = in->cpus[i].vnode;
	}
	for (size_t i = 0; i < in->ram_count; i++) {
		if (in->ram[i].vnode > max_vnode)
			max_vnode = in->ram[i].vnode;
		ram[i] = in->ram[i];
	}
	/* Step 1. */
	if (max_vnode >= SIDECAR_PLAN_MAX_VNODES)
		return decline(plan, "NUMA node %u too large (at most %u nodes)", max_vnode,
			       SIDECAR_PLAN_MAX_VNODES);

	/* Step 2: RAM must be a set of disjoint ranges; used ranges may overlap. */
	mem_ranges_sort_ram(ram, in->ram_count);
	for (size_t i = 0; i < in->ram_count; i++) {
		if (ram[i].end <= ram[i].start)
			return decline(plan, "empty RAM range [%#llx, %#llx)",
				       (unsigned long long)ram[i].start,
				       (unsigned long long)ram[i].end);
		if (i && ram[i].start < ram[i - 1].end)
			return decline(plan, "RAM ranges overlap at %#llx",
				       (unsigned long long)ram[i].start);
	}
	for (size_t i = 0; i < used_count; i++) {
		/* An inverted range would be dropped as empty: its memory
		 * would count as free. */
		if (in->used[i].end < in->used[i].start)
			return decline(plan, "used range [%#llx, %#llx) ends before it starts",
				       (unsigned long long)in->used[i].start,
				       (unsigned long long)in->used[i].end);
		used[i] = in->used[i];
	}
	mem_ranges_normalize(used, &used_count);
	for (size_t i = 0; i < in->ram_count; i++) {
		free.current_vnode = ram[i].vnode;
		mem_ranges_subtract(ram[i].start, ram[i].end, used, used_count, note_free_piece,
				    &free);
	}

	/* Steps 3 and 4. */
	if (!split_nodes(in, plan, &needed))
		return decline(plan, "the CPUs form %u sidecar nodes, at most %u supported", needed,
			       SIDECAR_MAX_NODES);
	for (uint32_t i = 0; i < plan->node_count; i++)
		any_multi |= plan->nodes[i].vp_count > 1;
	if (!any_multi)
		return decline(plan, "all NUMA nodes have one CPU");

	plan->enable_logging = sidecar_cmdline_has_token(in->cmdline, "SIDECAR_LOGGING=1");

	/* Step 5. */
	for (uint32_t i = 0; i < plan->node_count; i++) {
		struct sidecar_plan_node *node = &plan->nodes[i];
		uint64_t required = sidecar_required_memory(node->vp_count);
		uint32_t vnode = node->vnode;

		/* OpenHCL falls back when the local range is not strictly larger,
		 * but accepts a remote range of exactly the right size; the
		 * cyclic search ends with the local vnode itself. */
		if (required >= free_len(&free, vnode)) {
			bool found = false;

			for (uint32_t k = 1; k <= max_vnode + 1; k++) {
				uint32_t v = (vnode + k) % (max_vnode + 1);

				if (free_len(&free, v) >= required) {
					vnode = v;
					found = true;
					break;
				}
			}
			if (!found)
				return decline(
					plan,
					"not enough memory for sidecar node %u: needs %#llx bytes",
					i, (unsigned long long)required);
		}
		free.end[vnode] -= required;
		node->mem_vnode = vnode;
		node->memory_base = free.end[vnode];
		node->memory_size = required;
		plan->total_memory += required;
	}

	format_boot_cpus(plan);
	return plan->result;
}

void sidecar_plan_to_params(const struct sidecar_plan *plan, struct sidecar_params *params)
{
	params->hypercall_page = 0;
	params->enable_logging = plan->enable_logging;
	params->node_count = plan->result == SIDECAR_PLAN_PLANNED ? plan->node_count : 0;
	for (uint32_t i = 0; i < params->node_count; i++) {
		params->nodes[i].memory_base = plan->nodes[i].memory_base;
		params->nodes[i].memory_size = plan->nodes[i].memory_size;
		params->nodes[i].base_vp = plan->nodes[i].base_vp;
		params->nodes[i].vp_count = plan->nodes[i].vp_count;
	}
}
