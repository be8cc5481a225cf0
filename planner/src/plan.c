// SPDX-License-Identifier: MIT
/*
 * The node plan, following OpenHCL's start_sidecar() (openhcl_boot/src/
 * sidecar.rs at openvmm 1488a37b) and the per-CPU overrides of
 * host_params/dt/mod.rs, step by step:
 *  1. OPENHCL_SIDECAR=off declines;
 *  2. with excluded CPUs, initial_state is specified (every excluded CPU
 *     kernel-started) if the CPU count and every excluded index fit its
 *     400 entries; otherwise the plan declines (OpenHCL's
 *     DisabledServicing: sidecar is not used at all);
 *  3. every vnode must be below SIDECAR_PLAN_MAX_VNODES;
 *  4. split runs of consecutive CPUs that share a vnode into
 *     ceil(n / 32) chunks of ceil(n / chunks) CPUs (the last one shorter);
 *  5. decline when every chunk has a single CPU (nothing to offload);
 *  6. skip every chunk with no CPU left for the sidecar to start (a single
 *     CPU, or, with overrides, every AP excluded): no node, no memory, and
 *     with overrides its base VP is kernel-started too;
 *  7. for every other chunk, take sidecar_required_memory(n) bytes from
 *     the bottom of the lowest free range of its vnode that is large
 *     enough, or else of the lowest free range of any vnode (OpenHCL's
 *     AddressSpaceManager, LowMemory policy); decline when none is; with
 *     overrides, the node's base VP is kernel-started;
 *  8. decline when every chunk was skipped.
 * boot_cpus= lists every CPU the sidecar does not start.
 * Where OpenHCL would panic or silently truncate (unsorted CPUs,
 * overlapping RAM, more than SIDECAR_MAX_NODES chunks) we decline instead.
 */
#include "mem_ranges.h"
#include "sidecar_planner.h"

#define PAGE_MASK     ((uint64_t)SIDECAR_PAGE_SIZE - 1)
#define PER_CPU_LIMIT SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE

/* Every RAM range minus the used ranges, in address order: each used range
 * splits at most one piece, so there are at most ram + used pieces. */
#define MAX_PIECES (SIDECAR_PLAN_MAX_RAM_RANGES + SIDECAR_PLAN_MAX_USED_RANGES)

struct free_pieces {
	struct sidecar_plan_ram piece[MAX_PIECES];
	size_t count;
	uint32_t current_vnode;
};

/* Keeps every page-aligned free piece, in the order they come. */
static void note_free_piece(void *ctx, uint64_t start, uint64_t end)
{
	struct free_pieces *f = ctx;

	/* A piece that starts in the last page of the 64-bit space holds no
	 * whole page: rounding its start up would wrap to 0 and turn it into
	 * [0, end), past every used range and outside RAM. */
	if (start > UINT64_MAX - PAGE_MASK)
		return;
	start = (start + PAGE_MASK) & ~PAGE_MASK;
	end &= ~PAGE_MASK;
	if (end <= start || f->count == MAX_PIECES)
		return;
	f->piece[f->count++] = (struct sidecar_plan_ram){start, end, f->current_vnode};
}

/* memory.rs find_index(): the first free piece in address order on `vnode`
 * (any vnode if `any`) with at least `len` bytes; -1 if none. */
static long find_piece(const struct free_pieces *f, bool any, uint32_t vnode, uint64_t len)
{
	for (size_t i = 0; i < f->count; i++) {
		if ((any || f->piece[i].vnode == vnode) &&
		    f->piece[i].end - f->piece[i].start >= len)
			return (long)i;
	}
	return -1;
}

static enum sidecar_plan_result decline(struct sidecar_plan *plan, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum sidecar_plan_result decline(struct sidecar_plan *plan, const char *fmt, ...)
{
	va_list ap;

	plan->result = SIDECAR_PLAN_DECLINED;
	plan->node_count = 0;
	plan->skipped_count = 0;
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

/* Splits the CPU list into chunks (step 4), written to plan->nodes; returns
 * false if there are more than SIDECAR_MAX_NODES, with the number in
 * *needed. */
static bool split_chunks(const struct sidecar_plan_input *in, struct sidecar_plan *plan,
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

/* sidecar.rs sidecar_node_is_empty(): no AP left for the sidecar. */
static bool chunk_is_empty(const struct sidecar_plan *plan, const struct sidecar_plan_node *c)
{
	if (!plan->initial_state.per_cpu_state_specified)
		return c->vp_count == 1;
	for (uint32_t i = 1; i < c->vp_count; i++) {
		if (plan->initial_state.sidecar_starts_cpu[c->base_vp + i])
			return false;
	}
	return true;
}

bool sidecar_plan_sidecar_starts(const struct sidecar_plan *plan, uint32_t vp)
{
	if (plan->result != SIDECAR_PLAN_PLANNED)
		return false;
	for (uint32_t i = 0; i < plan->node_count; i++) {
		const struct sidecar_plan_node *n = &plan->nodes[i];

		if (vp <= n->base_vp || vp - n->base_vp >= n->vp_count)
			continue;
		/* A specified state covers every CPU: the count is at most 400. */
		if (!plan->initial_state.per_cpu_state_specified)
			return true;
		return vp < PER_CPU_LIMIT && plan->initial_state.sidecar_starts_cpu[vp];
	}
	return false;
}

static void format_boot_cpus(struct sidecar_plan *plan)
{
	size_t used = sc_snprintf(plan->boot_cpus, sizeof(plan->boot_cpus), "boot_cpus=");
	const char *comma = "";

	/* sc_snprintf() returns the untruncated length: stop rather than
	 * index past the buffer (SIDECAR_PLAN_BOOT_CPUS_SIZE fits the most). */
	for (uint32_t vp = 0; vp < plan->cpu_count && used < sizeof(plan->boot_cpus); vp++) {
		if (sidecar_plan_sidecar_starts(plan, vp))
			continue;
		used += sc_snprintf(plan->boot_cpus + used, sizeof(plan->boot_cpus) - used, "%s%u",
				    comma, vp);
		comma = ",";
	}
}

size_t sidecar_plan_kernel_cpulist(const struct sidecar_plan *plan, char *buf, size_t size)
{
	size_t len = 0;
	uint32_t vp = 0;

	if (size)
		buf[0] = '\0';
	if (plan->result != SIDECAR_PLAN_PLANNED)
		return 0;
	while (vp < plan->cpu_count) {
		uint32_t first = vp;

		if (sidecar_plan_sidecar_starts(plan, vp)) {
			vp++;
			continue;
		}
		while (vp + 1 < plan->cpu_count && !sidecar_plan_sidecar_starts(plan, vp + 1))
			vp++;
		/* sc_snprintf() returns the untruncated length: write
		 * nothing past a full buffer, but keep counting. */
		if (first == vp)
			len += sc_snprintf(len < size ? buf + len : NULL,
					   len < size ? size - len : 0, "%s%u", len ? "," : "",
					   first);
		else
			len += sc_snprintf(len < size ? buf + len : NULL,
					   len < size ? size - len : 0, "%s%u-%u", len ? "," : "",
					   first, vp);
		vp++;
	}
	return len;
}

/* Step 2 (host_params/dt/mod.rs): the servicing overrides. */
static bool apply_overrides(const struct sidecar_plan_input *in, struct sidecar_plan *plan)
{
	uint32_t max_id = 0;

	for (size_t i = 0; i < in->excluded_count; i++) {
		if (in->excluded_cpus[i] > max_id)
			max_id = in->excluded_cpus[i];
	}
	if (in->cpu_count > PER_CPU_LIMIT || max_id >= PER_CPU_LIMIT) {
		decline(plan,
			"too many CPUs for per-CPU state (%zu CPUs, highest excluded CPU %u, "
			"at most %u)",
			in->cpu_count, max_id, PER_CPU_LIMIT);
		return false;
	}
	plan->initial_state.per_cpu_state_specified = 1;
	for (size_t i = 0; i < in->excluded_count; i++)
		plan->initial_state.sidecar_starts_cpu[in->excluded_cpus[i]] = 0;
	return true;
}

enum sidecar_plan_result sidecar_plan_compute(const struct sidecar_plan_input *in,
					      struct sidecar_plan *plan)
{
	struct free_pieces free;
	struct sidecar_plan_ram ram[SIDECAR_PLAN_MAX_RAM_RANGES];
	struct sidecar_plan_range used[SIDECAR_PLAN_MAX_USED_RANGES];
	struct sidecar_cmdline_options options;
	size_t used_count = in->used_count;
	uint32_t max_vnode = 0, needed, chunk_count, created = 0;
	bool any_multi = false;

	*plan = (struct sidecar_plan){.result = SIDECAR_PLAN_PLANNED};
	plan->cpu_count = (uint32_t)in->cpu_count;
	/* host_params/mod.rs: the default PerCpuState is all true. */
	for (uint32_t i = 0; i < PER_CPU_LIMIT; i++)
		plan->initial_state.sidecar_starts_cpu[i] = 1;

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
	if (in->excluded_count && !in->excluded_cpus)
		return decline(plan, "%zu excluded CPUs but no list", in->excluded_count);

	/* Steps 1 and 2. */
	options = sidecar_cmdline_parse(in->cmdline);
	if (!options.enabled)
		return decline(plan, "disabled via command line (OPENHCL_SIDECAR=off)");
	if (in->excluded_count && !apply_overrides(in, plan))
		return plan->result;
	plan->enable_logging = options.enable_logging;

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
	/* Step 3. */
	if (max_vnode >= SIDECAR_PLAN_MAX_VNODES)
		return decline(plan, "NUMA node %u too large (at most %u nodes)", max_vnode,
			       SIDECAR_PLAN_MAX_VNODES);

	/* RAM must be a set of disjoint ranges; used ranges may overlap. */
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
	free.count = 0;
	for (size_t i = 0; i < in->ram_count; i++) {
		free.current_vnode = ram[i].vnode;
		mem_ranges_subtract(ram[i].start, ram[i].end, used, used_count, note_free_piece,
				    &free);
	}

	/* Steps 4 and 5. */
	if (!split_chunks(in, plan, &needed))
		return decline(plan, "the CPUs form %u sidecar nodes, at most %u supported", needed,
			       SIDECAR_MAX_NODES);
	chunk_count = plan->node_count;
	for (uint32_t i = 0; i < chunk_count; i++)
		any_multi |= plan->nodes[i].vp_count > 1;
	if (!any_multi)
		return decline(plan, "all NUMA nodes have one CPU");

	/* Steps 6 and 7: chunks are compacted into nodes in place (a node
	 * index never passes its chunk's). */
	for (uint32_t i = 0; i < chunk_count; i++) {
		struct sidecar_plan_node chunk = plan->nodes[i], *node = &plan->nodes[created];
		uint64_t required = sidecar_required_memory(chunk.vp_count);
		long p;

		if (chunk_is_empty(plan, &chunk)) {
			if (plan->initial_state.per_cpu_state_specified)
				plan->initial_state.sidecar_starts_cpu[chunk.base_vp] = 0;
			plan->skipped[plan->skipped_count++] =
				(struct sidecar_plan_skipped){chunk.base_vp, chunk.vp_count};
			continue;
		}
		p = find_piece(&free, false, chunk.vnode, required);
		if (p < 0)
			p = find_piece(&free, true, 0, required);
		if (p < 0)
			return decline(
				plan,
				"not enough memory for the sidecar node at VP %u: needs %#llx "
				"bytes",
				chunk.base_vp, (unsigned long long)required);
		*node = chunk;
		node->mem_vnode = free.piece[p].vnode;
		node->memory_base = free.piece[p].start;
		node->memory_size = required;
		free.piece[p].start += required;
		plan->total_memory += required;
		if (plan->initial_state.per_cpu_state_specified)
			plan->initial_state.sidecar_starts_cpu[chunk.base_vp] = 0;
		created++;
	}
	plan->node_count = created;
	/* Step 8. */
	if (created == 0)
		return decline(plan, "no nodes have sidecar-started APs");

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
	/* sidecar.rs clones the overrides whole: all 1s when not specified. */
	params->initial_state = plan->initial_state;
}
