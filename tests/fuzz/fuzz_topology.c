// SPDX-License-Identifier: MIT
/*
 * The host topology device tree -> sidecar_topology_from_fdt() -> the
 * planner: what sidecar-plan and the boot shim do with a tree from outside
 * (docs/topology-dt.md). The bytes are also read as a planner input
 * directly, to reach range arithmetic that a tree reaches only rarely.
 *
 * Invariants, for any bytes:
 *  - sidecar_fdt_blob_check() refuses with a non-empty one-line reason, or
 *    accepts a tree that libfdt 1.6.1's fdt_check_full() accepts too (the
 *    check is at least as strict as libfdt's own, so no tree it passes can
 *    reach libfdt's known defects);
 *  - the reader refuses with a non-empty one-line reason (the check's own
 *    reason when the check refused), or returns a topology within its
 *    documented bounds: 1..2048 CPUs in VP order with unique APIC IDs,
 *    ranges with start < end, a NUL-terminated command line;
 *  - the planner declines with a non-empty one-line reason and no nodes,
 *    or plans nodes whose memory is page aligned, exactly
 *    sidecar_required_memory(n) bytes, inside one RAM range of the vnode
 *    it names, outside every used range and every other node's memory;
 *    the nodes cover every CPU exactly once, in order, each node's CPUs on
 *    its vnode, base VP = its first CPU; boot_cpus lists the base VPs;
 *    the params page says the same.
 * ASan/UBSan catch any read past the input (copied to a buffer of exactly
 * its size) and any overflow.
 */
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdt_blob.h"
#include "fuzz_check.h"
#include "sidecar_topology.h"

static struct sidecar_topology topo;
static struct sidecar_plan plan;
static struct sidecar_params params;

static void check_reason(const char *reason, size_t size)
{
	size_t len = strnlen(reason, size);

	FUZZ_CHECK(len > 0 && len < size, "empty or unterminated reason");
	FUZZ_CHECK(!memchr(reason, '\n', len), "reason '%s' is not one line", reason);
}

static void check_topology(const struct sidecar_topology *t)
{
	FUZZ_CHECK(t->cpu_count >= 1 && t->cpu_count <= SIDECAR_PLAN_MAX_CPUS, "%zu CPUs",
		   t->cpu_count);
	FUZZ_CHECK(t->ram_count <= SIDECAR_PLAN_MAX_RAM_RANGES, "%zu RAM ranges", t->ram_count);
	FUZZ_CHECK(t->used_count <= SIDECAR_PLAN_MAX_USED_RANGES, "%zu used ranges", t->used_count);
	for (size_t i = 0; i < t->cpu_count; i++) {
		FUZZ_CHECK(t->cpus[i].vp_index == i, "CPU %zu has VP index %u", i,
			   t->cpus[i].vp_index);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(t->cpus[j].apic_id != t->cpus[i].apic_id, "APIC ID %u twice",
				   t->cpus[i].apic_id);
	}
	for (size_t i = 0; i < t->ram_count; i++)
		FUZZ_CHECK(t->ram[i].start < t->ram[i].end, "RAM range %zu empty or wrapped", i);
	for (size_t i = 0; i < t->used_count; i++)
		FUZZ_CHECK(t->used[i].start < t->used[i].end, "used range %zu empty or wrapped", i);
	FUZZ_CHECK(memchr(t->cmdline, '\0', sizeof(t->cmdline)), "unterminated command line");
}

/* [a, a_end) and [b, b_end) share a byte (an empty range shares none). */
static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < a_end && b < b_end && a < b_end && b < a_end;
}

static void check_plan(const struct sidecar_plan_input *in, const struct sidecar_plan *p)
{
	char boot_cpus[SIDECAR_PLAN_BOOT_CPUS_SIZE];
	size_t used = 0;
	uint32_t next_vp = 0;
	uint64_t total = 0;

	if (p->result == SIDECAR_PLAN_DECLINED) {
		check_reason(p->reason, sizeof(p->reason));
		FUZZ_CHECK(p->node_count == 0 && p->boot_cpus[0] == '\0', "declined with nodes");
		return;
	}
	FUZZ_CHECK(p->result == SIDECAR_PLAN_PLANNED, "result %d", p->result);
	FUZZ_CHECK(p->reason[0] == '\0', "planned with a reason");
	FUZZ_CHECK(p->node_count >= 1 && p->node_count <= SIDECAR_MAX_NODES, "%u nodes",
		   p->node_count);
	FUZZ_CHECK(p->cpu_count == in->cpu_count, "cpu_count %u", p->cpu_count);
	FUZZ_CHECK(p->enable_logging == sidecar_cmdline_has_token(in->cmdline, "SIDECAR_LOGGING=1"),
		   "logging flag");
	used = (size_t)snprintf(boot_cpus, sizeof(boot_cpus), "boot_cpus=");
	for (uint32_t i = 0; i < p->node_count; i++) {
		const struct sidecar_plan_node *n = &p->nodes[i];
		uint64_t base = n->memory_base, end = base + n->memory_size;
		bool in_ram = false;

		/* Every CPU in exactly one node, in order; base VP = first CPU. */
		FUZZ_CHECK(n->base_vp == next_vp, "node %u starts at VP %u, not %u", i, n->base_vp,
			   next_vp);
		FUZZ_CHECK(n->vp_count >= 1 && n->vp_count <= SIDECAR_PLAN_MAX_NODE_SIZE,
			   "node %u has %u VPs", i, n->vp_count);
		FUZZ_CHECK(n->vp_count <= in->cpu_count - n->base_vp, "node %u past the CPUs", i);
		for (uint32_t vp = n->base_vp; vp < n->base_vp + n->vp_count; vp++)
			FUZZ_CHECK(in->cpus[vp].vnode == n->vnode, "VP %u not on node %u's vnode",
				   vp, i);
		next_vp += n->vp_count;

		/* Memory: page aligned, the required size, in one RAM range of
		 * mem_vnode, clear of used ranges and of every other node. */
		FUZZ_CHECK(n->memory_size == sidecar_required_memory(n->vp_count),
			   "node %u has %#llx bytes", i, (unsigned long long)n->memory_size);
		FUZZ_CHECK(base % SIDECAR_PAGE_SIZE == 0, "node %u memory %#llx unaligned", i,
			   (unsigned long long)base);
		FUZZ_CHECK(end > base, "node %u memory wraps", i);
		for (size_t r = 0; r < in->ram_count; r++) {
			if (in->ram[r].start <= base && end <= in->ram[r].end &&
			    in->ram[r].vnode == n->mem_vnode)
				in_ram = true;
		}
		FUZZ_CHECK(in_ram, "node %u memory [%#llx, %#llx) outside RAM of vnode %u", i,
			   (unsigned long long)base, (unsigned long long)end, n->mem_vnode);
		for (size_t u = 0; u < in->used_count; u++)
			FUZZ_CHECK(!overlaps(base, end, in->used[u].start, in->used[u].end),
				   "node %u memory [%#llx, %#llx) over used [%#llx, %#llx)", i,
				   (unsigned long long)base, (unsigned long long)end,
				   (unsigned long long)in->used[u].start,
				   (unsigned long long)in->used[u].end);
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(!overlaps(base, end, p->nodes[j].memory_base,
					     p->nodes[j].memory_base + p->nodes[j].memory_size),
				   "nodes %u and %u share memory", j, i);
		total += n->memory_size;
		used += (size_t)snprintf(boot_cpus + used, sizeof(boot_cpus) - used, "%s%u",
					 i ? "," : "", n->base_vp);
		FUZZ_CHECK(used < sizeof(boot_cpus), "boot_cpus too long");
	}
	FUZZ_CHECK(next_vp == in->cpu_count, "nodes cover %u of %zu CPUs", next_vp, in->cpu_count);
	FUZZ_CHECK(total == p->total_memory, "total_memory");
	FUZZ_CHECK(!strcmp(boot_cpus, p->boot_cpus), "boot_cpus '%s', expected '%s'", p->boot_cpus,
		   boot_cpus);

	memset(&params, 0, sizeof(params));
	sidecar_plan_to_params(p, &params);
	FUZZ_CHECK(params.node_count == p->node_count, "params node_count");
	for (uint32_t i = 0; i < p->node_count; i++)
		FUZZ_CHECK(params.nodes[i].memory_base == p->nodes[i].memory_base &&
				   params.nodes[i].memory_size == p->nodes[i].memory_size &&
				   params.nodes[i].base_vp == p->nodes[i].base_vp &&
				   params.nodes[i].vp_count == p->nodes[i].vp_count,
			   "params node %u", i);
}

static void plan_and_check(const struct sidecar_plan_input *in)
{
	sidecar_plan_compute(in, &plan);
	check_plan(in, &plan);
}

/*
 * The bytes as a planner input: a header byte each for the CPU count
 * (times 4), RAM and used range counts, then per CPU a vnode byte, per RAM
 * range start, length and vnode, per used range start and length. Sizes
 * are taken as lengths so the fuzzer reaches the top of the address space.
 */
static struct sidecar_plan_cpu raw_cpus[SIDECAR_PLAN_MAX_CPUS];
static struct sidecar_plan_ram raw_ram[SIDECAR_PLAN_MAX_RAM_RANGES];
static struct sidecar_plan_range raw_used[SIDECAR_PLAN_MAX_USED_RANGES];

static bool take(const uint8_t **d, size_t *left, void *out, size_t n)
{
	if (*left < n)
		return false;
	memcpy(out, *d, n);
	*d += n;
	*left -= n;
	return true;
}

static void raw_planner_input(const uint8_t *d, size_t left)
{
	uint8_t hdr[3];
	struct sidecar_plan_input in = {.cpus = raw_cpus, .ram = raw_ram, .used = raw_used};

	if (!take(&d, &left, hdr, sizeof(hdr)))
		return;
	in.cpu_count = (size_t)hdr[0] * 4 % (SIDECAR_PLAN_MAX_CPUS + 1);
	in.ram_count = hdr[1] % (SIDECAR_PLAN_MAX_RAM_RANGES + 1);
	in.used_count = hdr[2] % (SIDECAR_PLAN_MAX_USED_RANGES + 1);
	for (size_t i = 0; i < in.cpu_count; i++) {
		uint8_t v = 0;

		take(&d, &left, &v, 1);
		/* Runs of one vnode, as real topologies have; 0xff is out of range. */
		raw_cpus[i] = (struct sidecar_plan_cpu){(uint32_t)i, (uint32_t)i,
							v == 0xff ? 64u : v % 8};
	}
	for (size_t i = 0; i < in.ram_count; i++) {
		uint64_t start = 0, len = 0;
		uint8_t v = 0;

		take(&d, &left, &start, 8);
		take(&d, &left, &len, 8);
		take(&d, &left, &v, 1);
		raw_ram[i] = (struct sidecar_plan_ram){start, start + len, v % 8};
	}
	for (size_t i = 0; i < in.used_count; i++) {
		uint64_t start = 0, len = 0;

		take(&d, &left, &start, 8);
		take(&d, &left, &len, 8);
		raw_used[i] = (struct sidecar_plan_range){start, start + len};
	}
	in.cmdline = left && d[0] & 1 ? "quiet SIDECAR_LOGGING=1" : "";
	plan_and_check(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[SIDECAR_TOPOLOGY_ERROR_SIZE];
	/* Exactly `size` bytes from malloc (16-byte aligned): ASan flags any
	 * read past the tree. */
	void *fdt = malloc(size ? size : 1);
	bool accepted;
	struct sidecar_plan_input in;

	FUZZ_CHECK(fdt, "out of memory");
	memcpy(fdt, data, size);

	accepted = sidecar_fdt_blob_check(fdt, size, why, sizeof(why));
	if (accepted)
		FUZZ_CHECK(fdt_check_full(fdt, size) == 0,
			   "libfdt refuses a tree the check passed");
	else
		check_reason(why, sizeof(why));

	if (sidecar_topology_from_fdt(fdt, size, &topo) != 0) {
		check_reason(topo.error, sizeof(topo.error));
		FUZZ_CHECK(accepted || !strcmp(topo.error, why), "reader said '%s', check '%s'",
			   topo.error, why);
		free(fdt);
		if (!accepted)
			raw_planner_input(data, size);
		return 0;
	}
	free(fdt);
	FUZZ_CHECK(accepted, "the reader accepted a tree the check refused");
	check_topology(&topo);
	in = sidecar_topology_plan_input(&topo);
	plan_and_check(&in);
	return 0;
}
