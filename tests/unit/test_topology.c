// SPDX-License-Identifier: MIT
/*
 * The device-tree topology reader: the example trees shipped under
 * tests/dts (compiled by dtc at build time, found through $SIDECAR_DTB_DIR)
 * and hostile trees built here with libfdt's sequential-write API.
 */
#include <criterion/criterion.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdt_blob.h"
#include "sidecar_topology.h"

#define MiB (1ull << 20)

static struct sidecar_topology topo;
static struct sidecar_plan plan;

static void *load_dtb(const char *name, size_t *size)
{
	const char *dir = getenv("SIDECAR_DTB_DIR");
	char path[4096];
	FILE *f;
	void *buf = malloc(1 << 20);

	cr_assert_not_null(dir, "SIDECAR_DTB_DIR is not set");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	*size = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void parse_file(const char *name)
{
	size_t size;
	void *fdt = load_dtb(name, &size);

	cr_assert_eq(sidecar_topology_from_fdt(fdt, size, &topo), 0, "%s: %s", name, topo.error);
	free(fdt);
}

Test(topology, four_cpus)
{
	struct sidecar_plan_input in;

	parse_file("4cpu-1vnode.dtb");
	cr_expect_eq(topo.cpu_count, 4);
	for (uint32_t i = 0; i < 4; i++) {
		cr_expect_eq(topo.cpus[i].vp_index, i);
		cr_expect_eq(topo.cpus[i].apic_id, i);
		cr_expect_eq(topo.cpus[i].vnode, 0);
	}
	cr_expect_eq(topo.ram_count, 1);
	cr_expect_eq(topo.ram[0].start, 0);
	cr_expect_eq(topo.ram[0].end, 512 * MiB);
	cr_expect_eq(topo.used_count, 2, "one /memreserve/ and one reserved-memory node");
	cr_expect_eq(topo.used[0].start, 0x100000);
	cr_expect_eq(topo.used[0].end, 0x500000);
	cr_expect_eq(topo.used[1].start, 0);
	cr_expect_eq(topo.used[1].end, 1 * MiB);
	cr_expect_str_eq(topo.cmdline, "console=ttyS0");

	in = sidecar_topology_plan_input(&topo);
	cr_assert_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.node_count, 1);
	/* The lowest free page: [0, 1M) and [1M, 5M) are used. */
	cr_expect_eq(plan.nodes[0].memory_base, 5 * MiB);
	cr_expect_eq(topo.excluded_count, 0);
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 0);
}

Test(topology, two_vnodes_with_logging)
{
	struct sidecar_plan_input in;

	parse_file("12cpu-2vnode.dtb");
	cr_expect_eq(topo.cpu_count, 12);
	cr_expect_eq(topo.cpus[5].vnode, 0);
	cr_expect_eq(topo.cpus[6].vnode, 1);
	cr_expect_eq(topo.ram_count, 2);
	cr_expect_eq(topo.ram[1].vnode, 1);
	in = sidecar_topology_plan_input(&topo);
	cr_assert_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.node_count, 2);
	cr_expect(plan.enable_logging);
	cr_expect_eq(plan.nodes[1].mem_vnode, 1);
	cr_expect_eq(plan.nodes[1].memory_base, 256 * MiB);
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,6");
}

Test(topology, excluded_cpus)
{
	struct sidecar_plan_input in;

	parse_file("8cpu-2vnode-overrides.dtb");
	cr_assert_eq(topo.excluded_count, 2);
	cr_expect_eq(topo.excluded[0], 5);
	cr_expect_eq(topo.excluded[1], 2);
	in = sidecar_topology_plan_input(&topo);
	cr_expect_eq(in.excluded_cpus, topo.excluded);
	cr_expect_eq(in.excluded_count, 2);
	cr_assert_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 1);
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,2,4,5");

	parse_file("8cpu-skip-node.dtb");
	cr_expect_eq(topo.excluded_count, 4, "duplicates are kept (the planner merges them)");
	in = sidecar_topology_plan_input(&topo);
	cr_assert_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.node_count, 1);
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,1,2,3,4");

	parse_file("sidecar-off.dtb");
	in = sidecar_topology_plan_input(&topo);
	cr_expect_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "disabled via command line (OPENHCL_SIDECAR=off)");
}

Test(topology, remote_memory_and_sparse_apic_ids)
{
	struct sidecar_plan_input in;

	parse_file("remote-memory.dtb");
	cr_expect_eq(topo.cpu_count, 8);
	cr_expect_eq(topo.cpus[7].apic_id, 14);
	in = sidecar_topology_plan_input(&topo);
	cr_assert_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.nodes[0].vnode, 1);
	cr_expect_eq(plan.nodes[0].mem_vnode, 0);
}

Test(topology, one_cpu_per_vnode_declines)
{
	struct sidecar_plan_input in;

	parse_file("2cpu-2vnode.dtb");
	in = sidecar_topology_plan_input(&topo);
	cr_expect_eq(sidecar_plan_compute(&in, &plan), SIDECAR_PLAN_DECLINED);
}

/* ---- hostile trees ---- */

/* 8-byte aligned, as the device tree check demands (DT spec v0.4, 5.1). */
static _Alignas(8) char blob[16384];

static void begin(void)
{
	cr_assert_eq(fdt_create(blob, sizeof(blob)), 0);
	cr_assert_eq(fdt_finish_reservemap(blob), 0);
	cr_assert_eq(fdt_begin_node(blob, ""), 0);
	cr_assert_eq(fdt_property_u32(blob, "#address-cells", 2), 0);
	cr_assert_eq(fdt_property_u32(blob, "#size-cells", 2), 0);
}

static void cpu(const char *name, const void *reg, int reg_len)
{
	cr_assert_eq(fdt_begin_node(blob, name), 0);
	if (reg)
		cr_assert_eq(fdt_property(blob, "reg", reg, reg_len), 0);
	cr_assert_eq(fdt_end_node(blob), 0);
}

static void finish(void)
{
	cr_assert_eq(fdt_end_node(blob), 0);
	cr_assert_eq(fdt_finish(blob), 0);
}

static void expect_error(const char *substring)
{
	cr_assert_eq(sidecar_topology_from_fdt(blob, sizeof(blob), &topo), -1);
	cr_expect(strstr(topo.error, substring), "error '%s' lacks '%s'", topo.error, substring);
}

static void cpus_begin(void)
{
	cr_assert_eq(fdt_begin_node(blob, "cpus"), 0);
}

static void cpus_end(void)
{
	cr_assert_eq(fdt_end_node(blob), 0);
}

Test(topology_errors, not_a_tree)
{
	memset(blob, 0x5A, sizeof(blob));
	expect_error("not a device tree");
	cr_expect_eq(sidecar_topology_from_fdt(blob, 8, &topo), -1);
	cr_expect_str_eq(topo.error, "device tree too small (8 bytes)");
}

Test(topology_errors, truncated)
{
	size_t size;
	void *fdt = load_dtb("33cpu-1vnode.dtb", &size);

	cr_expect_eq(sidecar_topology_from_fdt(fdt, size / 2, &topo), -1);
	cr_expect(strstr(topo.error, "only"), "%s", topo.error);
	free(fdt);
}

Test(topology_errors, no_cpus)
{
	begin();
	finish();
	expect_error("no /cpus node");

	begin();
	cpus_begin();
	cpus_end();
	finish();
	expect_error("no cpu@N nodes");
}

Test(topology_errors, bad_cpu_reg)
{
	fdt32_t two[2] = {cpu_to_fdt32(0), cpu_to_fdt32(1)};

	begin();
	cpus_begin();
	cpu("cpu@0", two, sizeof(two));
	cpus_end();
	finish();
	expect_error("reg must be one cell");

	begin();
	cpus_begin();
	cpu("cpu@0", NULL, 0);
	cpus_end();
	finish();
	expect_error("reg must be one cell");
}

Test(topology_errors, duplicate_apic_id)
{
	fdt32_t id = cpu_to_fdt32(3);

	begin();
	cpus_begin();
	cpu("cpu@0", &id, 4);
	cpu("cpu@1", &id, 4);
	cpus_end();
	finish();
	expect_error("APIC ID 3 used twice");
}

/* A tree with CPU 0 and one memory node whose reg is `reg`. */
static void one_cpu_and_memory(const fdt32_t *reg, int len)
{
	fdt32_t id = cpu_to_fdt32(0);

	begin();
	cpus_begin();
	cpu("cpu@0", &id, 4);
	cpus_end();
	cr_assert_eq(fdt_begin_node(blob, "memory@0"), 0);
	cr_assert_eq(fdt_property_string(blob, "device_type", "memory"), 0);
	cr_assert_eq(fdt_property(blob, "reg", reg, len), 0);
	cr_assert_eq(fdt_end_node(blob), 0);
	finish();
}

Test(topology_errors, bad_memory_reg)
{
	fdt32_t reg[3] = {0, 0, cpu_to_fdt32(4096)};

	one_cpu_and_memory(reg, sizeof(reg));
	expect_error("not a multiple of 16");
}

Test(topology_errors, wrapping_memory_range)
{
	fdt32_t reg[4] = {cpu_to_fdt32(0xFFFFFFFF), cpu_to_fdt32(0xFFFFF000), 0,
			  cpu_to_fdt32(0x2000)};

	one_cpu_and_memory(reg, sizeof(reg));
	expect_error("invalid memory range");
}

Test(topology_errors, unterminated_bootargs)
{
	fdt32_t id = cpu_to_fdt32(0);

	begin();
	cr_assert_eq(fdt_begin_node(blob, "chosen"), 0);
	cr_assert_eq(fdt_property(blob, "bootargs", "abc", 3), 0);
	cr_assert_eq(fdt_end_node(blob), 0);
	cpus_begin();
	cpu("cpu@0", &id, 4);
	cpus_end();
	finish();
	expect_error("not a NUL-terminated string");
}

/* ---- hostile headers and structure blocks (issue 10, finding 1) ----
 *
 * libfdt 1.6.1 crashes in fdt_check_full() on a version below 16, loads
 * misaligned words from a misaligned reserve map or structure block, and
 * overflows a signed offset on a property length near 2^31. Each of these
 * trees must be refused before libfdt sees it, with a one-line reason. */

/* The 64-byte reproducer from the issue: version 2, a root named "x". */
static const char version_2_tree[] = "d00dfeed000000400000003000000040000000200000000200000002"
				     "000000000000000000000000000000000000000000000001780000"
				     "000000000200000009";

static void expect_refused(size_t size, const char *substring)
{
	cr_assert_eq(sidecar_topology_from_fdt(blob, size, &topo), -1, "accepted; wanted '%s'",
		     substring);
	cr_expect(strstr(topo.error, substring), "error '%s' lacks '%s'", topo.error, substring);
	cr_expect_null(strchr(topo.error, '\n'), "error '%s' is not one line", topo.error);
}

static uint32_t get32(size_t off)
{
	uint32_t v;

	memcpy(&v, blob + off, 4);
	return fdt32_to_cpu(v);
}

static void put32(size_t off, uint32_t value)
{
	fdt32_t v = cpu_to_fdt32(value);

	memcpy(blob + off, &v, 4);
}

/* A good tree: CPU 0 with its reg, one memory range, one reservation. */
static size_t good_tree(void)
{
	fdt32_t id = cpu_to_fdt32(0);
	fdt32_t reg[4] = {0, 0, 0, cpu_to_fdt32(0x10000000)};

	cr_assert_eq(fdt_create(blob, sizeof(blob)), 0);
	cr_assert_eq(fdt_add_reservemap_entry(blob, 0, 0x1000), 0);
	cr_assert_eq(fdt_finish_reservemap(blob), 0);
	cr_assert_eq(fdt_begin_node(blob, ""), 0);
	cr_assert_eq(fdt_property_u32(blob, "#address-cells", 2), 0);
	cr_assert_eq(fdt_property_u32(blob, "#size-cells", 2), 0);
	cpus_begin();
	cpu("cpu@0", &id, 4);
	cpus_end();
	cr_assert_eq(fdt_begin_node(blob, "memory@0"), 0);
	cr_assert_eq(fdt_property_string(blob, "device_type", "memory"), 0);
	cr_assert_eq(fdt_property(blob, "reg", reg, sizeof(reg)), 0);
	cr_assert_eq(fdt_end_node(blob), 0);
	finish();
	cr_assert_eq(sidecar_topology_from_fdt(blob, fdt_totalsize(blob), &topo), 0, "%s",
		     topo.error);
	return fdt_totalsize(blob);
}

/* The structure-block offset of the first property of `path`, in bytes
 * from the start of the blob. */
static size_t prop_at(const char *path)
{
	int node = fdt_path_offset(blob, path);
	int prop = fdt_first_property_offset(blob, node);

	cr_assert_geq(prop, 0);
	return fdt_off_dt_struct(blob) + (size_t)prop;
}

Test(topology_header, version_2_reproducer)
{
	size_t n = strlen(version_2_tree) / 2;

	cr_assert_eq(n, 64);
	for (size_t i = 0; i < n; i++) {
		unsigned int byte;

		cr_assert_eq(sscanf(version_2_tree + 2 * i, "%2x", &byte), 1);
		blob[i] = (char)byte;
	}
	expect_refused(n, "device tree version 2, at least 17 is supported");
}

Test(topology_header, versions)
{
	size_t size = good_tree();

	put32(SIDECAR_FDT_HDR_VERSION, 16);
	expect_refused(size, "version 16, at least 17");
	put32(SIDECAR_FDT_HDR_VERSION, 17);
	put32(SIDECAR_FDT_HDR_LAST_COMP, 18);
	expect_refused(size, "needs a reader of version 18");
	/* Newer trees that a version 17 reader can read are fine. */
	put32(SIDECAR_FDT_HDR_VERSION, 18);
	put32(SIDECAR_FDT_HDR_LAST_COMP, 16);
	cr_expect_eq(sidecar_topology_from_fdt(blob, size, &topo), 0, "%s", topo.error);
}

Test(topology_header, sizes)
{
	size_t size = good_tree();

	expect_refused(39, "device tree too small (39 bytes)");
	put32(SIDECAR_FDT_HDR_TOTALSIZE, 32);
	expect_refused(size, "smaller than its header");
	put32(SIDECAR_FDT_HDR_TOTALSIZE, 0xffffffff);
	expect_refused(size, "claims 4294967295 bytes");
	put32(SIDECAR_FDT_HDR_TOTALSIZE, (uint32_t)size);
	expect_refused(size - 1, "only");
}

Test(topology_header, misaligned_blob)
{
	static _Alignas(8) char copy[sizeof(blob) + 8];
	size_t size = good_tree();

	memcpy(copy + 4, blob, size);
	cr_assert_eq(sidecar_topology_from_fdt(copy + 4, size, &topo), -1);
	cr_expect(strstr(topo.error, "is not 8-byte aligned"), "%s", topo.error);
}

Test(topology_header, reserve_map)
{
	size_t size = good_tree();
	uint32_t rsv = get32(SIDECAR_FDT_HDR_OFF_RSVMAP);

	/* fdt_ro.c:195 in 1.6.1 loads the entries as uint64_t. */
	put32(SIDECAR_FDT_HDR_OFF_RSVMAP, rsv + 4);
	expect_refused(size, "reserve map offset");
	expect_refused(size, "is not 8-byte aligned");
	put32(SIDECAR_FDT_HDR_OFF_RSVMAP, 8);
	expect_refused(size, "no end entry");
	put32(SIDECAR_FDT_HDR_OFF_RSVMAP, ((uint32_t)size & ~7u) - 8);
	expect_refused(size, "no end entry");
	/* No zero-size entry before the end of the tree. */
	put32(SIDECAR_FDT_HDR_OFF_RSVMAP, rsv);
	memset(blob + rsv + 16, 0xff, 16);
	put32(SIDECAR_FDT_HDR_OFF_RSVMAP, get32(SIDECAR_FDT_HDR_OFF_STRINGS) & ~7u);
	memset(blob + get32(SIDECAR_FDT_HDR_OFF_STRINGS), 0xff,
	       size - get32(SIDECAR_FDT_HDR_OFF_STRINGS));
	expect_refused(size, "no end entry");
}

Test(topology_header, structure_block)
{
	size_t size = good_tree();
	uint32_t off = get32(SIDECAR_FDT_HDR_OFF_STRUCT), len = get32(SIDECAR_FDT_HDR_SIZE_STRUCT);

	put32(SIDECAR_FDT_HDR_OFF_STRUCT, off + 2);
	expect_refused(size, "not 4-byte aligned");
	put32(SIDECAR_FDT_HDR_OFF_STRUCT, off);
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, len - 2);
	expect_refused(size, "not 4-byte aligned");
	/* off + size wraps in 32 bits. */
	put32(SIDECAR_FDT_HDR_OFF_STRUCT, 0xfffffff0);
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, 0x20);
	expect_refused(size, "outside the");
	put32(SIDECAR_FDT_HDR_OFF_STRUCT, 16);
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, len);
	expect_refused(size, "outside the");
	put32(SIDECAR_FDT_HDR_OFF_STRUCT, off);
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, ((uint32_t)size + 3) & ~3u);
	expect_refused(size, "outside the");
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, len + 4);
	expect_refused(size, "overlap");
}

Test(topology_header, strings_block)
{
	size_t size = good_tree();
	uint32_t off = get32(SIDECAR_FDT_HDR_OFF_STRINGS),
		 len = get32(SIDECAR_FDT_HDR_SIZE_STRINGS);

	put32(SIDECAR_FDT_HDR_SIZE_STRINGS, len + 1);
	expect_refused(size, "strings block");
	put32(SIDECAR_FDT_HDR_SIZE_STRINGS, len);
	put32(SIDECAR_FDT_HDR_OFF_STRINGS, 0xffffff00);
	expect_refused(size, "strings block");
	put32(SIDECAR_FDT_HDR_OFF_STRINGS, get32(SIDECAR_FDT_HDR_OFF_STRUCT));
	expect_refused(size, "overlap");
	put32(SIDECAR_FDT_HDR_OFF_STRINGS, off);
	put32(SIDECAR_FDT_HDR_SIZE_STRINGS, 0);
	expect_refused(size, "has a bad name");
}

Test(topology_structure, property_length_overflow)
{
	/* fdt.c:212 in 1.6.1: offset + len overflows an int. */
	static const uint32_t lengths[] = {0x7ffffff0, 0x80000000, 0xfffffff8, 0xffffffff};
	size_t size = good_tree();
	size_t prop = prop_at("/cpus/cpu@0");

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		put32(prop + 4, lengths[i]);
		expect_refused(size, "claims");
	}
}

Test(topology_structure, property_name_offset)
{
	size_t size = good_tree();
	size_t prop = prop_at("/cpus/cpu@0");

	put32(prop + 8, get32(SIDECAR_FDT_HDR_SIZE_STRINGS));
	expect_refused(size, "has a bad name");
	put32(prop + 8, 0xffffffff);
	expect_refused(size, "has a bad name");
}

Test(topology_structure, tokens)
{
	size_t size = good_tree();
	uint32_t s = get32(SIDECAR_FDT_HDR_OFF_STRUCT),
		 end = s + get32(SIDECAR_FDT_HDR_SIZE_STRUCT);
	size_t prop = prop_at("/cpus/cpu@0");

	cr_assert_eq(get32(end - 4), FDT_END);
	cr_assert_eq(get32(end - 8), FDT_END_NODE);
	/* libfdt 1.6.1's fdt_check_full() refuses a NOP after the root. */
	put32(end - 4, FDT_NOP);
	expect_refused(size, "token 0x4 at structure offset");
	put32(end - 4, FDT_END);
	put32(end - 8, FDT_END);
	expect_refused(size, "inside an unfinished tree");
	put32(end - 8, FDT_END_NODE);
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, get32(SIDECAR_FDT_HDR_SIZE_STRUCT) - 4);
	expect_refused(size, "ends without an end token");
	put32(SIDECAR_FDT_HDR_SIZE_STRUCT, get32(SIDECAR_FDT_HDR_SIZE_STRUCT) + 4);
	put32(prop, 7);
	expect_refused(size, "unknown token 0x7");
	put32(prop, FDT_PROP);
	put32(s, FDT_PROP);
	expect_refused(size, "outside a node");
	put32(s, FDT_END_NODE);
	expect_refused(size, "unmatched end of node");
}

Test(topology_structure, node_names)
{
	fdt32_t id = cpu_to_fdt32(0);

	cr_assert_eq(fdt_create(blob, sizeof(blob)), 0);
	cr_assert_eq(fdt_finish_reservemap(blob), 0);
	cr_assert_eq(fdt_begin_node(blob, "root"), 0);
	finish();
	expect_refused(fdt_totalsize(blob), "named root");

	/* A newline would break the one-line error that names the node. */
	begin();
	cpus_begin();
	cpu("cpu@0\nX", &id, 4);
	cpus_end();
	finish();
	expect_refused(fdt_totalsize(blob), "unterminated or unprintable name");
}

/* Whatever a hostile tree says, sidecar_fdt_blob_check() writes a
 * terminated reason that fits. */
Test(topology_header, short_reason_buffer)
{
	char why[8];

	memset(blob, 0, 64);
	cr_expect_not(sidecar_fdt_blob_check(blob, 64, why, sizeof(why)));
	cr_expect_eq(strlen(why), 7);
	cr_expect_not(sidecar_fdt_blob_check(blob, 64, why, 0));
}

/* ---- /chosen/openhcl,sidecar-excluded-cpus ---- */

/* Four CPUs, then /chosen with the property (absent if len < 0). */
static void tree_with_excluded(const void *cells, int len)
{
	begin();
	cpus_begin();
	for (uint32_t i = 0; i < 4; i++) {
		fdt32_t id = cpu_to_fdt32(i);
		char name[16];

		snprintf(name, sizeof(name), "cpu@%u", i);
		cpu(name, &id, 4);
	}
	cpus_end();
	cr_assert_eq(fdt_begin_node(blob, "chosen"), 0);
	if (len >= 0)
		cr_assert_eq(fdt_property(blob, SIDECAR_TOPOLOGY_EXCLUDED_PROP, cells, len), 0);
	cr_assert_eq(fdt_end_node(blob), 0);
	finish();
}

Test(topology_excluded, read)
{
	fdt32_t cells[] = {cpu_to_fdt32(3), cpu_to_fdt32(0), cpu_to_fdt32(3)};

	tree_with_excluded(cells, sizeof(cells));
	cr_assert_eq(sidecar_topology_from_fdt(blob, sizeof(blob), &topo), 0, "%s", topo.error);
	cr_assert_eq(topo.excluded_count, 3);
	cr_expect_eq(topo.excluded[0], 3);
	cr_expect_eq(topo.excluded[1], 0);
	cr_expect_eq(topo.excluded[2], 3);
}

Test(topology_excluded, absent_or_empty_means_no_overrides)
{
	tree_with_excluded(NULL, -1);
	cr_assert_eq(sidecar_topology_from_fdt(blob, sizeof(blob), &topo), 0, "%s", topo.error);
	cr_expect_eq(topo.excluded_count, 0);
	tree_with_excluded("", 0);
	cr_assert_eq(sidecar_topology_from_fdt(blob, sizeof(blob), &topo), 0, "%s", topo.error);
	cr_expect_eq(topo.excluded_count, 0);
}

Test(topology_excluded, refused)
{
	fdt32_t cells[] = {cpu_to_fdt32(1), cpu_to_fdt32(4)};
	static fdt32_t many[SIDECAR_PLAN_MAX_CPUS + 1];

	tree_with_excluded(cells, 6);
	expect_error("/chosen/openhcl,sidecar-excluded-cpus is 6 bytes, not whole cells");
	tree_with_excluded(cells, sizeof(cells));
	expect_error("/chosen/openhcl,sidecar-excluded-cpus names CPU 4; the tree has 4 CPUs");
	cells[1] = cpu_to_fdt32(0xFFFFFFFF);
	tree_with_excluded(cells, sizeof(cells));
	expect_error("names CPU 4294967295");
	/* Bounded before anything is stored, duplicates or not. */
	{
		static _Alignas(8) char big[16384];

		cr_assert_eq(fdt_create(big, sizeof(big)), 0);
		cr_assert_eq(fdt_finish_reservemap(big), 0);
		cr_assert_eq(fdt_begin_node(big, ""), 0);
		cr_assert_eq(fdt_begin_node(big, "cpus"), 0);
		cr_assert_eq(fdt_begin_node(big, "cpu@0"), 0);
		cr_assert_eq(fdt_property_u32(big, "reg", 0), 0);
		cr_assert_eq(fdt_end_node(big), 0);
		cr_assert_eq(fdt_end_node(big), 0);
		cr_assert_eq(fdt_begin_node(big, "chosen"), 0);
		cr_assert_eq(fdt_property(big, SIDECAR_TOPOLOGY_EXCLUDED_PROP, many, sizeof(many)),
			     0);
		cr_assert_eq(fdt_end_node(big), 0);
		cr_assert_eq(fdt_end_node(big), 0);
		cr_assert_eq(fdt_finish(big), 0);
		cr_assert_eq(sidecar_topology_from_fdt(big, sizeof(big), &topo), -1);
		cr_expect_str_eq(topo.error, "/chosen/openhcl,sidecar-excluded-cpus has 2049 "
					     "entries, at most 2048 supported");
	}
}
