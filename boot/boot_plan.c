// SPDX-License-Identifier: MIT
#include "boot_plan.h"
#include "mem_ranges.h"
#include "phys_alloc.h"
#include "sc_format.h"

/* Enough for the topology's 64, the shim's own, and the gaps of a
 * fragmented memory map before merging. */
#define MAX_USED 512

static struct sidecar_plan_range used[MAX_USED];
static size_t used_count;
static bool overflow;

static void add(uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	if (used_count == MAX_USED) {
		overflow = true;
		return;
	}
	used[used_count++] = (struct sidecar_plan_range){start, end};
}

static void add_piece(void *ctx, uint64_t start, uint64_t end)
{
	(void)ctx;
	add(start, end);
}

bool boot_plan_compute(const struct sidecar_topology *topo, const char *cmdline,
		       const struct mb_range *taken, size_t taken_count, struct sidecar_plan *plan,
		       char *why, size_t why_size)
{
	struct sidecar_plan_input in = sidecar_topology_plan_input(topo);
	const struct sidecar_plan_range *avail;
	const struct mb_range *allocs;
	size_t avail_count, alloc_count;

	used_count = 0;
	overflow = false;
	for (size_t i = 0; i < topo->used_count; i++)
		add(topo->used[i].start, topo->used[i].end);
	/* Real-mode memory: IVT, BDA, EBDA, the loader's structures, the
	 * AP trampoline page, option ROMs. */
	add(0, ONE_MIB);
	for (size_t i = 0; i < taken_count; i++)
		add(taken[i].start, taken[i].end);
	allocs = phys_allocations(&alloc_count);
	for (size_t i = 0; i < alloc_count; i++)
		add(allocs[i].start, allocs[i].end);
	/* RAM in the DT that the firmware's map does not give us (ACPI
	 * tables, firmware reservations, holes). */
	avail = phys_available(&avail_count);
	for (size_t i = 0; i < topo->ram_count; i++)
		mem_ranges_subtract(topo->ram[i].start, topo->ram[i].end, avail, avail_count,
				    add_piece, NULL);
	if (overflow) {
		sc_snprintf(why, why_size, "more than %u used ranges before merging", MAX_USED);
		return false;
	}
	mem_ranges_normalize(used, &used_count);
	if (used_count > SIDECAR_PLAN_MAX_USED_RANGES) {
		sc_snprintf(why, why_size, "%zu used ranges after merging, the planner takes %u",
			    used_count, SIDECAR_PLAN_MAX_USED_RANGES);
		return false;
	}
	in.used = used;
	in.used_count = used_count;
	in.cmdline = cmdline;
	sidecar_plan_compute(&in, plan);
	return true;
}

const struct sidecar_plan_range *boot_plan_used(size_t *count)
{
	*count = used_count;
	return used;
}
