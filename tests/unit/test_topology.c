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
	cr_expect_eq(plan.nodes[0].memory_base, 512 * MiB - sidecar_required_memory(4));
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
	cr_expect_eq(plan.nodes[1].memory_base, 512 * MiB - sidecar_required_memory(6));
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,6");
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

static char blob[16384];

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
	fdt32_t two[2] = { cpu_to_fdt32(0), cpu_to_fdt32(1) };

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
	fdt32_t reg[3] = { 0, 0, cpu_to_fdt32(4096) };

	one_cpu_and_memory(reg, sizeof(reg));
	expect_error("not a multiple of 16");
}

Test(topology_errors, wrapping_memory_range)
{
	fdt32_t reg[4] = { cpu_to_fdt32(0xFFFFFFFF), cpu_to_fdt32(0xFFFFF000), 0,
			   cpu_to_fdt32(0x2000) };

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
