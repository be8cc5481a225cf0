// SPDX-License-Identifier: MIT
/* The boot planner on the topologies OpenHCL's boot shim has to handle. */
#include <criterion/criterion.h>
#include <string.h>

#include "sidecar_planner.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static struct sidecar_plan_cpu cpus[SIDECAR_PLAN_MAX_CPUS + 1];
static struct sidecar_plan plan;

/* CPUs 0..n-1 with APIC ID 2*i, vnodes given per CPU by `vnode_of`. */
static size_t make_cpus(size_t n, uint32_t (*vnode_of)(size_t))
{
	for (size_t i = 0; i < n; i++) {
		cpus[i].vp_index = (uint32_t)i;
		cpus[i].apic_id = (uint32_t)(2 * i);
		cpus[i].vnode = vnode_of ? vnode_of(i) : 0;
	}
	return n;
}

static enum sidecar_plan_result run(size_t ncpus, const struct sidecar_plan_ram *ram, size_t nram,
				    const struct sidecar_plan_range *used, size_t nused,
				    const char *cmdline)
{
	struct sidecar_plan_input in = {
		.cpus = cpus,
		.cpu_count = ncpus,
		.ram = ram,
		.ram_count = nram,
		.used = used,
		.used_count = nused,
		.cmdline = cmdline,
	};

	return sidecar_plan_compute(&in, &plan);
}

static void expect_node(uint32_t i, uint32_t base_vp, uint32_t vp_count, uint32_t mem_vnode,
			uint64_t memory_base)
{
	cr_expect_eq(plan.nodes[i].base_vp, base_vp, "node %u base_vp", i);
	cr_expect_eq(plan.nodes[i].vp_count, vp_count, "node %u vp_count", i);
	cr_expect_eq(plan.nodes[i].mem_vnode, mem_vnode, "node %u mem_vnode", i);
	cr_expect_eq(plan.nodes[i].memory_base, memory_base, "node %u memory_base %#llx", i,
		     (unsigned long long)plan.nodes[i].memory_base);
	cr_expect_eq(plan.nodes[i].memory_size, sidecar_required_memory(vp_count),
		     "node %u memory_size", i);
}

static const struct sidecar_plan_ram one_gib[] = {{0, 1 * GiB, 0}};

Test(planner, one_cpu_declines)
{
	make_cpus(1, NULL);
	cr_assert_eq(run(1, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "all NUMA nodes have one CPU");
	cr_expect_eq(plan.node_count, 0);
	cr_expect_str_eq(plan.boot_cpus, "");
}

Test(planner, two_cpus_one_node)
{
	make_cpus(2, NULL);
	cr_assert_eq(run(2, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 1);
	/* Taken from the end of the only free range. */
	expect_node(0, 0, 2, 0, 1 * GiB - sidecar_required_memory(2));
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0");
	cr_expect_eq(plan.total_memory, sidecar_required_memory(2));
	cr_expect_not(plan.enable_logging);
}

static uint32_t vnode_is_index(size_t i)
{
	return (uint32_t)i;
}

Test(planner, every_vnode_one_cpu_declines)
{
	struct sidecar_plan_ram ram[4];

	for (uint32_t v = 0; v < 4; v++)
		ram[v] = (struct sidecar_plan_ram){v * GiB, (v + 1) * GiB, v};
	make_cpus(4, vnode_is_index);
	cr_assert_eq(run(4, ram, 4, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "all NUMA nodes have one CPU");
}

Test(planner, thirty_three_cpus_split_17_16)
{
	uint64_t r17 = sidecar_required_memory(17), r16 = sidecar_required_memory(16);

	make_cpus(33, NULL);
	cr_assert_eq(run(33, one_gib, 1, NULL, 0, "quiet SIDECAR_LOGGING=1"), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.node_count, 2);
	expect_node(0, 0, 17, 0, 1 * GiB - r17);
	expect_node(1, 17, 16, 0, 1 * GiB - r17 - r16);
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,17");
	cr_expect(plan.enable_logging);
	cr_expect_eq(plan.total_memory, r17 + r16);
}

static uint32_t quarter_of_1024(size_t i)
{
	return (uint32_t)(i / 256);
}

Test(planner, cpus_1024_in_4_vnodes)
{
	struct sidecar_plan_ram ram[4];
	uint64_t r32 = sidecar_required_memory(32);

	for (uint32_t v = 0; v < 4; v++)
		ram[v] = (struct sidecar_plan_ram){v * 4 * GiB, (v + 1) * 4 * GiB, v};
	make_cpus(1024, quarter_of_1024);
	cr_assert_eq(run(1024, ram, 4, NULL, 0, NULL), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 32, "8 nodes of 32 per vnode");
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t v = i / 8, k = i % 8;

		cr_expect_eq(plan.nodes[i].vnode, v);
		expect_node(i, i * 32, 32, v, (v + 1) * 4 * GiB - (k + 1) * r32);
	}
	cr_expect_eq(strncmp(plan.boot_cpus, "boot_cpus=0,32,64,", 18), 0);
	cr_expect_eq(strcmp(plan.boot_cpus + strlen(plan.boot_cpus) - 4, ",992"), 0);
}

/* vnode 0: 3 CPUs, vnode 1: 40 CPUs (20+20), vnode 2: 1 CPU. */
static uint32_t uneven(size_t i)
{
	return i < 3 ? 0 : i < 43 ? 1 : 2;
}

Test(planner, uneven_vnodes)
{
	struct sidecar_plan_ram ram[] = {
		{0, 1 * GiB, 0},
		{1 * GiB, 2 * GiB, 1},
		{2 * GiB, 3 * GiB, 2},
	};

	make_cpus(44, uneven);
	cr_assert_eq(run(44, ram, 3, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 4);
	expect_node(0, 0, 3, 0, 1 * GiB - sidecar_required_memory(3));
	expect_node(1, 3, 20, 1, 2 * GiB - sidecar_required_memory(20));
	expect_node(2, 23, 20, 1, 2 * GiB - 2 * sidecar_required_memory(20));
	/* A single-CPU node still gets its (small) reservation, as in OpenHCL. */
	expect_node(3, 43, 1, 2, 3 * GiB - sidecar_required_memory(1));
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,3,23,43");
}

static uint32_t all_on_vnode_1(size_t i)
{
	(void)i;
	return 1;
}

Test(planner, memory_only_on_remote_vnode)
{
	struct sidecar_plan_ram ram[] = {{0, 512 * MiB, 0}};

	make_cpus(8, all_on_vnode_1);
	cr_assert_eq(run(8, ram, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.nodes[0].vnode, 1);
	expect_node(0, 0, 8, 0, 512 * MiB - sidecar_required_memory(8));
}

Test(planner, remote_fallback_is_cyclic)
{
	/* CPUs on vnode 1; vnode 2 too small, vnodes 3 and 0 large enough:
	 * the search goes 2, 3, 0, 1 and picks 3. */
	struct sidecar_plan_ram ram[] = {
		{0, 64 * MiB, 0},
		{64 * MiB, 64 * MiB + 4096, 2},
		{128 * MiB, 192 * MiB, 3},
	};

	make_cpus(8, all_on_vnode_1);
	cr_assert_eq(run(8, ram, 3, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 8, 3, 192 * MiB - sidecar_required_memory(8));
}

Test(planner, exact_size_local_range_falls_back_to_itself)
{
	/* OpenHCL compares the local range with `>=` (fall back) but remote
	 * ranges with `>=` (accept): an exact fit is found again at the end of
	 * the cycle, on the local vnode. */
	uint64_t need = sidecar_required_memory(4);
	struct sidecar_plan_ram ram[] = {{1 * GiB, 1 * GiB + need, 0}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, 1 * GiB);
}

Test(planner, memory_too_small)
{
	struct sidecar_plan_ram ram[] = {{0, sidecar_required_memory(8) - 4096, 0}};

	make_cpus(8, NULL);
	cr_assert_eq(run(8, ram, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "not enough memory for sidecar node 0: needs 0x69000 bytes");
	cr_expect_eq(plan.node_count, 0);
}

Test(planner, second_node_runs_out_of_memory)
{
	uint64_t r17 = sidecar_required_memory(17);
	struct sidecar_plan_ram ram[] = {{0, r17 + 4096 * 10, 0}};

	make_cpus(33, NULL);
	cr_assert_eq(run(33, ram, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_eq(strncmp(plan.reason, "not enough memory for sidecar node 1", 36), 0, "%s",
		     plan.reason);
}

static uint32_t vnode_64(size_t i)
{
	return i < 2 ? 0 : 64;
}

Test(planner, vnode_out_of_range)
{
	make_cpus(4, vnode_64);
	cr_assert_eq(run(4, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "NUMA node 64 too large (at most 64 nodes)");
}

Test(planner, ram_vnode_out_of_range)
{
	struct sidecar_plan_ram ram[] = {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 70}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 2, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "NUMA node 70 too large (at most 64 nodes)");
}

Test(planner, overlapping_used_ranges)
{
	/* Used ranges overlap each other and stick out of RAM. The free pieces
	 * are [1M, 100M) and [300M, 1G-2M), and the largest wins. */
	struct sidecar_plan_range used[] = {
		{200 * MiB, 300 * MiB},	      {0, 1 * MiB},	      {100 * MiB, 250 * MiB},
		{1 * GiB - 2 * MiB, 2 * GiB}, {120 * MiB, 130 * MiB},
	};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, one_gib, 1, used, 5, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, 1 * GiB - 2 * MiB - sidecar_required_memory(4));
}

Test(planner, used_ranges_pick_largest_piece)
{
	/* [0,1G) minus [10M, 900M): pieces of 10M and 124M; the second wins. */
	struct sidecar_plan_range used[] = {{10 * MiB, 900 * MiB}};

	make_cpus(2, NULL);
	cr_assert_eq(run(2, one_gib, 1, used, 1, ""), SIDECAR_PLAN_PLANNED);
	expect_node(0, 0, 2, 0, 1 * GiB - sidecar_required_memory(2));

	used[0] = (struct sidecar_plan_range){200 * MiB, 1 * GiB - 1 * MiB};
	cr_assert_eq(run(2, one_gib, 1, used, 1, ""), SIDECAR_PLAN_PLANNED);
	expect_node(0, 0, 2, 0, 200 * MiB - sidecar_required_memory(2));
}

Test(planner, unaligned_ram_is_trimmed_to_pages)
{
	struct sidecar_plan_ram ram[] = {{0x1234, 64 * MiB + 0x789, 0}};

	make_cpus(2, NULL);
	cr_assert_eq(run(2, ram, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.nodes[0].memory_base % 4096, 0);
	expect_node(0, 0, 2, 0, 64 * MiB - sidecar_required_memory(2));
}

/* ---- the top of the 64-bit space (issue 10, finding 2) ----
 *
 * Rounding a range start up to a page as (start + 4095) & ~4095 wraps to 0
 * for a start in the last page: the free range became [0, 2^64 - 4096),
 * past every used range, and node memory landed outside RAM. */

#define LAST_PAGE (UINT64_MAX - 4095)

Test(planner, ram_in_the_last_page_holds_no_page)
{
	/* The tree: memory reg = <0xffffffff 0xfffff001 0x0 0xffe>. */
	struct sidecar_plan_ram ram[] = {{LAST_PAGE + 1, LAST_PAGE + 1 + 0xffe, 0}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED,
		     "planned node memory at %#llx", (unsigned long long)plan.nodes[0].memory_base);
	cr_expect_str_eq(plan.reason, "not enough memory for sidecar node 0: needs 0x35000 bytes");
}

Test(planner, last_page_piece_does_not_hide_used_ranges)
{
	/* RAM [1G, 2^64 - 1) minus [1G + 4K, 2^64 - 4095): the pieces are one
	 * page at 1G and the 4094 bytes at the top, which hold no page. */
	struct sidecar_plan_ram ram[] = {{1 * GiB, UINT64_MAX, 0}};
	struct sidecar_plan_range used[] = {{1 * GiB + 4096, LAST_PAGE + 1}};

	make_cpus(2, NULL);
	cr_assert_eq(run(2, ram, 1, used, 1, ""), SIDECAR_PLAN_DECLINED,
		     "planned node memory at %#llx", (unsigned long long)plan.nodes[0].memory_base);
	cr_expect_eq(strncmp(plan.reason, "not enough memory for sidecar node 0", 36), 0, "%s",
		     plan.reason);
}

Test(planner, last_page_piece_next_to_real_ram)
{
	/* The wrapped piece used to win as the largest of vnode 0. */
	struct sidecar_plan_ram ram[] = {{1 * GiB, 2 * GiB, 0}, {LAST_PAGE + 1, UINT64_MAX, 0}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, 2 * GiB - sidecar_required_memory(4));
}

Test(planner, ram_up_to_the_top_of_the_address_space)
{
	/* A page-aligned start in the last page rounds to itself; an end of
	 * 2^64 - 1 rounds down to the last page. */
	uint64_t need = sidecar_required_memory(4);
	struct sidecar_plan_ram ram[] = {{LAST_PAGE - need, UINT64_MAX, 0}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, LAST_PAGE - need);

	ram[0].start = LAST_PAGE;
	cr_assert_eq(run(4, ram, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
}

Test(planner, inverted_used_range_declines)
{
	/* [2^64 - 4K, 512M) is what start + size gives for a used range
	 * that wraps; dropping it as empty would free the memory it covers. */
	struct sidecar_plan_range used[] = {{LAST_PAGE, 512 * MiB}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, one_gib, 1, used, 1, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason,
			 "used range [0xfffffffffffff000, 0x20000000) ends before it starts");
	used[0].end = used[0].start;
	cr_expect_eq(run(4, one_gib, 1, used, 1, ""), SIDECAR_PLAN_PLANNED,
		     "an empty range is fine");
}

Test(planner, overlapping_ram_declines)
{
	struct sidecar_plan_ram ram[] = {{0, 1 * GiB, 0}, {512 * MiB, 2 * GiB, 1}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 2, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "RAM ranges overlap at 0x20000000");
}

Test(planner, unordered_cpus_decline)
{
	make_cpus(4, NULL);
	cpus[2].vp_index = 9;
	cr_assert_eq(run(4, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "CPU list out of order: entry 2 has VP index 9");
}

static uint32_t alternating(size_t i)
{
	return (uint32_t)(i % 2);
}

Test(planner, too_many_nodes_declines)
{
	/* Alternating vnodes make every CPU its own run: 300 nodes. OpenHCL
	 * would silently drop the nodes past 128; we decline. */
	struct sidecar_plan_ram ram[] = {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 1}};

	make_cpus(300, alternating);
	cr_assert_eq(run(300, ram, 2, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "the CPUs form 300 sidecar nodes, at most 128 supported");
}

Test(planner, limits)
{
	make_cpus(SIDECAR_PLAN_MAX_CPUS + 1, NULL);
	cr_expect_eq(run(SIDECAR_PLAN_MAX_CPUS + 1, one_gib, 1, NULL, 0, ""),
		     SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "2049 CPUs, at most 2048 supported");
	cr_expect_eq(run(0, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "no CPUs in the topology");
}

Test(planner, params_from_plan)
{
	static struct sidecar_params params;

	make_cpus(33, NULL);
	cr_assert_eq(run(33, one_gib, 1, NULL, 0, "SIDECAR_LOGGING=1"), SIDECAR_PLAN_PLANNED);
	memset(&params, 0, sizeof(params));
	sidecar_plan_to_params(&plan, &params);
	cr_expect_eq(params.hypercall_page, 0);
	cr_expect_eq(params.enable_logging, 1);
	cr_expect_eq(params.node_count, 2);
	cr_expect_eq(params.nodes[1].base_vp, 17);
	cr_expect_eq(params.nodes[1].vp_count, 16);
	cr_expect_eq(params.nodes[1].memory_base, plan.nodes[1].memory_base);
	cr_expect_eq(params.nodes[1].memory_size, sidecar_required_memory(16));
	cr_expect_eq(params.initial_state.per_cpu_state_specified, 0);
}

Test(planner, cmdline_tokens)
{
	cr_expect(sidecar_cmdline_has_token("SIDECAR_LOGGING=1", "SIDECAR_LOGGING=1"));
	cr_expect(sidecar_cmdline_has_token("a\tSIDECAR_LOGGING=1\nb", "SIDECAR_LOGGING=1"));
	cr_expect_not(sidecar_cmdline_has_token("SIDECAR_LOGGING=10", "SIDECAR_LOGGING=1"));
	cr_expect_not(sidecar_cmdline_has_token("XSIDECAR_LOGGING=1", "SIDECAR_LOGGING=1"));
	cr_expect_not(sidecar_cmdline_has_token("SIDECAR_LOGGING=0", "SIDECAR_LOGGING=1"));
	cr_expect_not(sidecar_cmdline_has_token(NULL, "SIDECAR_LOGGING=1"));
	cr_expect_not(sidecar_cmdline_has_token("", "SIDECAR_LOGGING=1"));
}

static void emit_to_string(void *ctx, const char *text, size_t len)
{
	strncat(ctx, text, len);
}

Test(planner, print_table)
{
	static char out[8192];

	make_cpus(33, NULL);
	run(33, one_gib, 1, NULL, 0, "");
	out[0] = '\0';
	sidecar_plan_print(&plan, emit_to_string, out);
	cr_expect(strstr(out, "sidecar plan: 33 CPUs in 2 nodes, 1724 KiB reserved, logging off\n"),
		  "%s", out);
	cr_expect(strstr(out,
			 "   1      17       16     0         0         0x3fe51000      0xd1000\n"),
		  "%s", out);
	cr_expect(strstr(out, "kernel command line: boot_cpus=0,17\n"), "%s", out);

	make_cpus(1, NULL);
	run(1, one_gib, 1, NULL, 0, "");
	out[0] = '\0';
	sidecar_plan_print(&plan, emit_to_string, out);
	cr_expect_str_eq(out, "sidecar plan: declined: all NUMA nodes have one CPU\n");
}
