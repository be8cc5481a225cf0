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
 *    ranges with start < end, a NUL-terminated command line, at most 2048
 *    excluded CPUs, each a CPU of the tree;
 *  - the planner declines with a non-empty one-line reason and no nodes,
 *    always when OPENHCL_SIDECAR= ends in "off" and when excluded CPUs do
 *    not fit initial_state's 400 entries; or it plans, with the options'
 *    logging flag, nodes whose memory is page aligned, exactly
 *    sidecar_required_memory(n) bytes, inside one RAM range of the vnode
 *    it names, outside every used range and every other node's memory,
 *    taken from the bottom of a free piece (the page below is not free);
 *    the nodes and the skipped chunks are the vnode runs split as
 *    sidecar.rs splits them, cover every CPU exactly once, in order, each
 *    on one vnode, base VP = first CPU; a node has an AP the sidecar
 *    starts, a skipped chunk none; initial_state is all 1s and
 *    unspecified without overrides, else specified with 0 exactly for the
 *    excluded CPUs and every chunk's base VP; boot_cpus= lists exactly the
 *    CPUs the sidecar does not start (bases, skipped chunks, excluded),
 *    and sidecar_plan_sidecar_starts() and the CPU list with ranges of
 *    sidecar_plan_kernel_cpulist() agree; the params page says the
 *    same, initial_state byte for byte.
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
	FUZZ_CHECK(t->excluded_count <= SIDECAR_PLAN_MAX_CPUS, "%zu excluded", t->excluded_count);
	for (size_t i = 0; i < t->excluded_count; i++)
		FUZZ_CHECK(t->excluded[i] < t->cpu_count, "excluded CPU %u of %zu", t->excluded[i],
			   t->cpu_count);
}

/* [a, a_end) and [b, b_end) share a byte (an empty range shares none). */
static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < a_end && b < b_end && a < b_end && b < a_end;
}

/* Per VP: kernel-started by the reference, excluded by the host. */
static bool ref_kernel[SIDECAR_PLAN_MAX_CPUS];
static bool ref_excluded[SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE];

/* sidecar.rs: runs of one vnode, each split into ceil(n/32) chunks of
 * ceil(n/chunks); `i`-th chunk's size, given its base. */
static uint32_t ref_chunk_size(const struct sidecar_plan_input *in, uint32_t base)
{
	uint32_t run_start = base, run_end = base, chunks, size;

	while (run_start > 0 && in->cpus[run_start - 1].vnode == in->cpus[base].vnode)
		run_start--;
	while (run_end < in->cpu_count && in->cpus[run_end].vnode == in->cpus[base].vnode)
		run_end++;
	chunks = (run_end - run_start + 31) / 32;
	size = (run_end - run_start + chunks - 1) / chunks;
	FUZZ_CHECK((base - run_start) % size == 0, "chunk at VP %u not on a chunk boundary", base);
	return base + size <= run_end ? size : run_end - base;
}

/* Node memory comes from the bottom of a free piece (memory.rs LowMemory):
 * the page below it is outside its RAM range, used, or an earlier node's. */
static void check_bottom(const struct sidecar_plan_input *in, const struct sidecar_plan *p,
			 uint32_t i)
{
	uint64_t base = p->nodes[i].memory_base, below = base - SIDECAR_PAGE_SIZE;
	bool taken = base < SIDECAR_PAGE_SIZE;

	for (size_t r = 0; r < in->ram_count && !taken; r++) {
		if (in->ram[r].start <= base && base < in->ram[r].end)
			taken = below < in->ram[r].start;
	}
	for (size_t u = 0; u < in->used_count && !taken; u++)
		taken = overlaps(below, base, in->used[u].start, in->used[u].end);
	for (uint32_t j = 0; j < i && !taken; j++)
		taken = overlaps(below, base, p->nodes[j].memory_base,
				 p->nodes[j].memory_base + p->nodes[j].memory_size);
	FUZZ_CHECK(taken, "node %u memory at %#llx: the page below is free", i,
		   (unsigned long long)base);
}

/* sidecar_plan_kernel_cpulist(): the same CPUs as the reference, as
 * ascending, maximal, non-overlapping ranges. */
static void check_cpulist(const struct sidecar_plan *p)
{
	static char list[SIDECAR_PLAN_BOOT_CPUS_SIZE];
	size_t len = sidecar_plan_kernel_cpulist(p, list, sizeof(list));
	const char *s = list;
	long last = -2;
	uint32_t count = 0, want = 0;

	FUZZ_CHECK(len < sizeof(list) && strlen(list) == len, "cpulist of %zu bytes", len);
	while (*s) {
		char *end;
		unsigned long first = strtoul(s, &end, 10), lastv = first;

		FUZZ_CHECK(end != s, "cpulist '%s' malformed", list);
		if (*end == '-') {
			s = end + 1;
			lastv = strtoul(s, &end, 10);
			FUZZ_CHECK(end != s && lastv > first, "cpulist '%s': bad range", list);
		}
		FUZZ_CHECK((long)first > last + 1, "cpulist '%s' not maximal or not ascending",
			   list);
		for (unsigned long vp = first; vp <= lastv; vp++) {
			FUZZ_CHECK(vp < p->cpu_count && ref_kernel[vp], "cpulist '%s' has VP %lu",
				   list, vp);
			count++;
		}
		last = (long)lastv;
		FUZZ_CHECK(*end == ',' || *end == '\0', "cpulist '%s' malformed", list);
		s = *end ? end + 1 : end;
	}
	for (uint32_t vp = 0; vp < p->cpu_count; vp++)
		want += ref_kernel[vp];
	FUZZ_CHECK(count == want, "cpulist '%s' has %u CPUs, expected %u", list, count, want);
}

static void check_plan(const struct sidecar_plan_input *in, const struct sidecar_plan *p)
{
	struct sidecar_cmdline_options options = sidecar_cmdline_parse(in->cmdline);
	bool overrides = in->excluded_count > 0, fits = in->cpu_count <= 400;
	char boot_cpus[SIDECAR_PLAN_BOOT_CPUS_SIZE];
	size_t used = 0;
	uint32_t next_vp = 0, node = 0, skipped = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < in->excluded_count; i++)
		fits &= in->excluded_cpus[i] < 400;
	if (p->result == SIDECAR_PLAN_DECLINED) {
		check_reason(p->reason, sizeof(p->reason));
		FUZZ_CHECK(p->node_count == 0 && p->boot_cpus[0] == '\0', "declined with nodes");
		return;
	}
	FUZZ_CHECK(p->result == SIDECAR_PLAN_PLANNED, "result %d", p->result);
	FUZZ_CHECK(p->reason[0] == '\0', "planned with a reason");
	FUZZ_CHECK(options.enabled, "planned with OPENHCL_SIDECAR=off");
	FUZZ_CHECK(!overrides || fits, "planned with overrides past initial_state");
	FUZZ_CHECK(p->node_count >= 1 && p->node_count <= SIDECAR_MAX_NODES, "%u nodes",
		   p->node_count);
	FUZZ_CHECK(p->cpu_count == in->cpu_count, "cpu_count %u", p->cpu_count);
	FUZZ_CHECK(p->enable_logging == options.enable_logging, "logging flag");

	memset(ref_kernel, 0, sizeof(ref_kernel));
	memset(ref_excluded, 0, sizeof(ref_excluded));
	for (size_t i = 0; i < in->excluded_count; i++) {
		if (in->excluded_cpus[i] < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)
			ref_excluded[in->excluded_cpus[i]] = true;
		if (in->excluded_cpus[i] < in->cpu_count)
			ref_kernel[in->excluded_cpus[i]] = true;
	}
	/* Nodes and skipped chunks, merged in VP order, tile the CPUs. */
	while (next_vp < in->cpu_count) {
		bool is_node = node < p->node_count && p->nodes[node].base_vp == next_vp;
		uint32_t size = ref_chunk_size(in, next_vp), sidecar_aps = 0;

		FUZZ_CHECK(is_node || (skipped < p->skipped_count &&
				       p->skipped[skipped].base_vp == next_vp),
			   "VP %u starts neither a node nor a skipped chunk", next_vp);
		FUZZ_CHECK((is_node ? p->nodes[node].vp_count : p->skipped[skipped].vp_count) ==
				   size,
			   "chunk at VP %u has %u CPUs, expected %u", next_vp,
			   is_node ? p->nodes[node].vp_count : p->skipped[skipped].vp_count, size);
		for (uint32_t vp = next_vp; vp < next_vp + size; vp++) {
			FUZZ_CHECK(in->cpus[vp].vnode == in->cpus[next_vp].vnode,
				   "VP %u not on its chunk's vnode", vp);
			if (vp > next_vp && !ref_kernel[vp])
				sidecar_aps++;
		}
		ref_kernel[next_vp] = true;
		if (is_node) {
			FUZZ_CHECK(sidecar_aps > 0, "node at VP %u has no sidecar-started AP",
				   next_vp);
			FUZZ_CHECK(p->nodes[node].vnode == in->cpus[next_vp].vnode, "node %u vnode",
				   node);
			node++;
		} else {
			FUZZ_CHECK(sidecar_aps == 0, "skipped chunk at VP %u has %u sidecar APs",
				   next_vp, sidecar_aps);
			for (uint32_t vp = next_vp; vp < next_vp + size; vp++)
				ref_kernel[vp] = true;
			skipped++;
		}
		next_vp += size;
	}
	FUZZ_CHECK(node == p->node_count && skipped == p->skipped_count,
		   "%u nodes and %u skipped chunks, the plan has %u and %u", node, skipped,
		   p->node_count, p->skipped_count);

	for (uint32_t i = 0; i < p->node_count; i++) {
		const struct sidecar_plan_node *n = &p->nodes[i];
		uint64_t base = n->memory_base, end = base + n->memory_size;
		bool in_ram = false;

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
		check_bottom(in, p, i);
		total += n->memory_size;
	}
	FUZZ_CHECK(total == p->total_memory, "total_memory");

	/* Who starts what: boot_cpus=, the predicate, initial_state. */
	used = (size_t)snprintf(boot_cpus, sizeof(boot_cpus), "boot_cpus=");
	for (uint32_t vp = 0; vp < in->cpu_count; vp++) {
		FUZZ_CHECK(sidecar_plan_sidecar_starts(p, vp) == !ref_kernel[vp],
			   "VP %u: sidecar_plan_sidecar_starts() %d, the reference %d", vp,
			   sidecar_plan_sidecar_starts(p, vp), !ref_kernel[vp]);
		if (ref_kernel[vp])
			used += (size_t)snprintf(boot_cpus + used, sizeof(boot_cpus) - used, "%s%u",
						 used > 10 ? "," : "", vp);
		FUZZ_CHECK(used < sizeof(boot_cpus), "boot_cpus too long");
	}
	FUZZ_CHECK(!strcmp(boot_cpus, p->boot_cpus), "boot_cpus '%s', expected '%s'", p->boot_cpus,
		   boot_cpus);
	check_cpulist(p);
	FUZZ_CHECK(p->initial_state.per_cpu_state_specified == overrides, "specified %u",
		   p->initial_state.per_cpu_state_specified);
	for (uint32_t i = 0; i < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) {
		bool zero = overrides && (ref_excluded[i] || (i < in->cpu_count && ref_kernel[i]));

		FUZZ_CHECK(p->initial_state.sidecar_starts_cpu[i] == !zero,
			   "sidecar_starts_cpu[%u] = %u", i,
			   p->initial_state.sidecar_starts_cpu[i]);
	}

	memset(&params, 0, sizeof(params));
	sidecar_plan_to_params(p, &params);
	FUZZ_CHECK(params.node_count == p->node_count, "params node_count");
	FUZZ_CHECK(params.enable_logging == p->enable_logging, "params enable_logging");
	for (uint32_t i = 0; i < p->node_count; i++)
		FUZZ_CHECK(params.nodes[i].memory_base == p->nodes[i].memory_base &&
				   params.nodes[i].memory_size == p->nodes[i].memory_size &&
				   params.nodes[i].base_vp == p->nodes[i].base_vp &&
				   params.nodes[i].vp_count == p->nodes[i].vp_count,
			   "params node %u", i);
	FUZZ_CHECK(!memcmp(&params.initial_state, &p->initial_state, sizeof(p->initial_state)),
		   "params initial_state");
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
 * Then a byte choosing the command line, an excluded-CPU count byte and
 * that many 2-byte VP indexes (below 512, to cross the 400 limit).
 */
static const char *const raw_cmdlines[] = {
	"",
	"quiet SIDECAR_LOGGING=1",
	"OPENHCL_SIDECAR=on",
	"OPENHCL_SIDECAR=off",
	"OPENHCL_SIDECAR=log",
	"OPENHCL_SIDECAR=off,log SIDECAR_LOGGING=1",
	"OPENHCL_SIDECAR=log,on",
	"SIDECAR_LOGGING=1 OPENHCL_SIDECAR=log OPENHCL_SIDECAR=on,off",
};
static uint32_t raw_excluded[256];
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
	if (left) {
		in.cmdline = raw_cmdlines[d[0] % (sizeof(raw_cmdlines) / sizeof(raw_cmdlines[0]))];
		d++, left--;
	}
	if (left) {
		in.excluded_count = d[0];
		d++, left--;
		for (size_t i = 0; i < in.excluded_count; i++) {
			uint16_t vp = 0;

			take(&d, &left, &vp, 2);
			raw_excluded[i] = vp % 512;
		}
		in.excluded_cpus = raw_excluded;
	}
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
