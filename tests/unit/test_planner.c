// SPDX-License-Identifier: MIT
/*
 * The boot planner on the topologies OpenHCL's boot shim has to handle, as
 * openhcl_boot does at openvmm 1488a37b (sidecar.rs, cmdline.rs,
 * host_params/dt/mod.rs, memory.rs).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
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

/* The host's per-CPU overrides for the next run() (then cleared). */
static const uint32_t *excluded;
static size_t excluded_count;

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
		.excluded_cpus = excluded,
		.excluded_count = excluded_count,
	};

	excluded = NULL;
	excluded_count = 0;
	return sidecar_plan_compute(&in, &plan);
}

#define EXCLUDE(...)                                                                               \
	do {                                                                                       \
		static const uint32_t list_[] = {__VA_ARGS__};                                     \
		excluded = list_;                                                                  \
		excluded_count = sizeof(list_) / sizeof(list_[0]);                                 \
	} while (0)

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

Test(planner, two_cpus_one_node)
{
	make_cpus(2, NULL);
	cr_assert_eq(run(2, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 1);
	/* memory.rs LowMemory: the bottom of the first free range. */
	expect_node(0, 0, 2, 0, 0);
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0");
	cr_expect_eq(plan.total_memory, sidecar_required_memory(2));
	cr_expect_not(plan.enable_logging);
}

static uint32_t vnode_is_index(size_t i)
{
	return (uint32_t)i;
}

Test(planner, thirty_three_cpus_split_17_16)
{
	uint64_t r17 = sidecar_required_memory(17), r16 = sidecar_required_memory(16);

	make_cpus(33, NULL);
	cr_assert_eq(run(33, one_gib, 1, NULL, 0, "quiet SIDECAR_LOGGING=1"), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.node_count, 2);
	/* Successive nodes on one vnode get ascending addresses. */
	expect_node(0, 0, 17, 0, 0);
	expect_node(1, 17, 16, 0, r17);
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
		expect_node(i, i * 32, 32, v, v * 4 * GiB + k * r32);
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
	cr_expect_eq(plan.node_count, 3);
	expect_node(0, 0, 3, 0, 0);
	expect_node(1, 3, 20, 1, 1 * GiB);
	expect_node(2, 23, 20, 1, 1 * GiB + sidecar_required_memory(20));
	/* sidecar.rs sidecar_node_is_empty(): a single-CPU chunk has no AP
	 * for the sidecar, so it is no node and takes no memory... */
	cr_expect_eq(plan.skipped_count, 1);
	cr_expect_eq(plan.skipped[0].base_vp, 43);
	cr_expect_eq(plan.skipped[0].vp_count, 1);
	cr_expect_eq(plan.total_memory,
		     sidecar_required_memory(3) + 2 * sidecar_required_memory(20));
	/* ...and (our choice, where OpenHCL lists only the nodes' base VPs)
	 * its CPU is in boot_cpus=: the sidecar does not start it, so the
	 * kernel must. */
	cr_expect_str_eq(plan.boot_cpus, "boot_cpus=0,3,23,43");
	cr_expect_not(sidecar_plan_sidecar_starts(&plan, 43));
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
	expect_node(0, 0, 8, 0, 0);
}

Test(planner, remote_fallback_takes_the_lowest_address)
{
	/* CPUs on vnode 1, whose only range is too small: the fallback is
	 * memory.rs's allocate(None): the lowest free range of any vnode that
	 * is large enough (vnode 3's here, below vnode 0's), not the next
	 * vnode in order. */
	struct sidecar_plan_ram ram[] = {
		{64 * MiB, 64 * MiB + 4096, 1},
		{128 * MiB, 192 * MiB, 3},
		{256 * MiB, 512 * MiB, 0},
	};

	make_cpus(8, all_on_vnode_1);
	cr_assert_eq(run(8, ram, 3, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 8, 3, 128 * MiB);
}

Test(planner, local_vnode_before_a_lower_remote_range)
{
	/* The local vnode's range wins over a lower one of another vnode. */
	struct sidecar_plan_ram ram[] = {{0, 64 * MiB, 0}, {1 * GiB, 2 * GiB, 1}};

	make_cpus(8, all_on_vnode_1);
	cr_assert_eq(run(8, ram, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 8, 1, 1 * GiB);
}

Test(planner, exact_size_local_range_is_taken)
{
	/* memory.rs find_index(): `range.len() >= len`, on the local vnode too. */
	uint64_t need = sidecar_required_memory(4);
	struct sidecar_plan_ram ram[] = {{0, 1 * GiB, 1}, {1 * GiB, 1 * GiB + need, 0}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, 1 * GiB);
}

Test(planner, memory_too_small)
{
	struct sidecar_plan_ram ram[] = {{0, sidecar_required_memory(8) - 4096, 0}};

	make_cpus(8, NULL);
	cr_assert_eq(run(8, ram, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason,
			 "not enough memory for the sidecar node at VP 0: needs 0x69000 bytes");
	cr_expect_eq(plan.node_count, 0);
}

Test(planner, second_node_runs_out_of_memory)
{
	uint64_t r17 = sidecar_required_memory(17);
	struct sidecar_plan_ram ram[] = {{0, r17 + 4096 * 10, 0}};

	make_cpus(33, NULL);
	cr_assert_eq(run(33, ram, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason,
			 "not enough memory for the sidecar node at VP 17: needs 0xd1000 bytes");
}

static uint32_t vnode_64(size_t i)
{
	return i < 2 ? 0 : 64;
}

Test(planner, overlapping_used_ranges)
{
	/* Used ranges overlap each other and stick out of RAM. The free pieces
	 * are [1M, 100M) and [300M, 1G-2M), and the first wins. */
	struct sidecar_plan_range used[] = {
		{200 * MiB, 300 * MiB},	      {0, 1 * MiB},	      {100 * MiB, 250 * MiB},
		{1 * GiB - 2 * MiB, 2 * GiB}, {120 * MiB, 130 * MiB},
	};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, one_gib, 1, used, 5, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, 1 * MiB);
}

Test(planner, used_ranges_first_piece_that_fits)
{
	/* [0,1G) minus [4K, 900M): a page, then 124M; the page is too small. */
	struct sidecar_plan_range used[] = {{4096, 900 * MiB}};

	make_cpus(2, NULL);
	cr_assert_eq(run(2, one_gib, 1, used, 1, ""), SIDECAR_PLAN_PLANNED);
	expect_node(0, 0, 2, 0, 900 * MiB);

	used[0] = (struct sidecar_plan_range){200 * MiB, 1 * GiB - 1 * MiB};
	cr_assert_eq(run(2, one_gib, 1, used, 1, ""), SIDECAR_PLAN_PLANNED);
	expect_node(0, 0, 2, 0, 0);
}

Test(planner, unaligned_ram_is_trimmed_to_pages)
{
	struct sidecar_plan_ram ram[] = {{0x1234, 64 * MiB + 0x789, 0}};

	make_cpus(2, NULL);
	cr_assert_eq(run(2, ram, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED);
	cr_expect_eq(plan.nodes[0].memory_base % 4096, 0);
	expect_node(0, 0, 2, 0, 0x2000);
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
	cr_expect_str_eq(plan.reason,
			 "not enough memory for the sidecar node at VP 0: needs 0x35000 bytes");
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
	cr_expect_eq(strncmp(plan.reason, "not enough memory for the sidecar node at VP 0", 46), 0,
		     "%s", plan.reason);
}

Test(planner, last_page_piece_next_to_real_ram)
{
	/* The wrapped piece would have started at 0, before the real RAM. */
	struct sidecar_plan_ram ram[] = {{1 * GiB, 2 * GiB, 0}, {LAST_PAGE + 1, UINT64_MAX, 0}};

	make_cpus(4, NULL);
	cr_assert_eq(run(4, ram, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	expect_node(0, 0, 4, 0, 1 * GiB);
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

/* 2048 CPUs in runs of 16, vnodes 0..63 and then 0..63 again: 128 runs. */
static uint32_t runs_of_16_over_64_vnodes(size_t i)
{
	return (uint32_t)((i / 16) % 64);
}

Test(planner, openhcl_limits_exactly_reached)
{
	/* OpenHCL's MAX_CPU_COUNT (2048), 64 vnodes and MAX_NODES (128) at
	 * once, with APIC IDs up to 4094 (only x2APIC addresses them): the
	 * largest machine the planner must accept. */
	struct sidecar_plan_ram ram[64];
	uint64_t r16 = sidecar_required_memory(16);

	for (uint32_t v = 0; v < 64; v++)
		ram[v] = (struct sidecar_plan_ram){v * GiB, (v + 1) * GiB, v};
	make_cpus(SIDECAR_PLAN_MAX_CPUS, runs_of_16_over_64_vnodes);
	cr_assert_eq(run(SIDECAR_PLAN_MAX_CPUS, ram, 64, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s",
		     plan.reason);
	cr_assert_eq(plan.node_count, SIDECAR_MAX_NODES);
	for (uint32_t i = 0; i < SIDECAR_MAX_NODES; i++) {
		uint32_t v = i % 64;

		cr_expect_eq(plan.nodes[i].vnode, v, "node %u vnode", i);
		/* The second node on a vnode goes right after the first. */
		expect_node(i, i * 16, 16, v, v * GiB + (i / 64) * r16);
	}
	cr_expect_eq(plan.total_memory, SIDECAR_MAX_NODES * r16);
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
			 "   1      17       16     0         0            0xde000      0xd1000\n"),
		  "%s", out);
	cr_expect(strstr(out, "kernel command line: boot_cpus=0,17\n"), "%s", out);

	make_cpus(1, NULL);
	run(1, one_gib, 1, NULL, 0, "");
	out[0] = '\0';
	sidecar_plan_print(&plan, emit_to_string, out);
	cr_expect_str_eq(out, "sidecar plan: declined: all NUMA nodes have one CPU\n");
}

/* ---- OPENHCL_SIDECAR= (cmdline.rs) and our SIDECAR_LOGGING=1 ---- */

static void expect_options(const char *cmdline, bool enabled, bool logging)
{
	struct sidecar_cmdline_options o = sidecar_cmdline_parse(cmdline);

	cr_expect_eq(o.enabled, enabled, "'%s': enabled %d, expected %d", cmdline, o.enabled,
		     enabled);
	cr_expect_eq(o.enable_logging, logging, "'%s': logging %d, expected %d", cmdline,
		     o.enable_logging, logging);
}

Test(planner, sidecar_option_as_upstream_tests)
{
	/* cmdline.rs test_sidecar_parsing(), case by case. */
	expect_options("OPENHCL_SIDECAR=on", true, false);
	expect_options("OPENHCL_SIDECAR=off", false, false);
	expect_options("OPENHCL_SIDECAR=on,off", false, false);
	expect_options("OPENHCL_SIDECAR=on,log", true, true);
	expect_options("OPENHCL_SIDECAR=log", true, true);
}

Test(planner, sidecar_option_items_replace_the_whole_state)
{
	/* The default: SidecarOptions::default(), enabled, no logging. */
	expect_options(NULL, true, false);
	expect_options("", true, false);
	expect_options("console=ttyS0 quiet", true, false);
	expect_options("OPENHCL_SIDECAR=off,log", true, true);
	expect_options("OPENHCL_SIDECAR=log,on", true, false);
	expect_options("OPENHCL_SIDECAR=log,off", false, false);
	expect_options("OPENHCL_SIDECAR=off,on", true, false);
	/* Words in order: the last one's last item wins. */
	expect_options("OPENHCL_SIDECAR=off OPENHCL_SIDECAR=on", true, false);
	expect_options("OPENHCL_SIDECAR=log quiet OPENHCL_SIDECAR=off", false, false);
	expect_options("OPENHCL_SIDECAR=off\tOPENHCL_SIDECAR=log\n", true, true);
}

Test(planner, sidecar_option_unknown_items_are_ignored)
{
	expect_options("OPENHCL_SIDECAR=", true, false);
	expect_options("OPENHCL_SIDECAR=bogus", true, false);
	expect_options("OPENHCL_SIDECAR=off,bogus", false, false);
	expect_options("OPENHCL_SIDECAR=log,,", true, true);
	expect_options("OPENHCL_SIDECAR=,off,", false, false);
	/* Items match whole and case-sensitively. */
	expect_options("OPENHCL_SIDECAR=offf", true, false);
	expect_options("OPENHCL_SIDECAR=of", true, false);
	expect_options("OPENHCL_SIDECAR=OFF", true, false);
	expect_options("OPENHCL_SIDECAR=on=off", true, false);
	expect_options("OPENHCL_SIDECAR=off log", false, false);
	/* The word must start with the option, case and all. */
	expect_options("XOPENHCL_SIDECAR=off", true, false);
	expect_options("openhcl_sidecar=off", true, false);
	expect_options("OPENHCL_SIDECARS=off", true, false);
	expect_options("OPENHCL_SIDECAR", true, false);
	expect_options("OPENHCL_SIDECAR =off", true, false);
}

Test(planner, sidecar_logging_word_is_our_extension)
{
	expect_options("SIDECAR_LOGGING=1", true, true);
	expect_options("SIDECAR_LOGGING=0", true, false);
	/* Order does not matter, and it never re-enables. */
	expect_options("SIDECAR_LOGGING=1 OPENHCL_SIDECAR=on", true, true);
	expect_options("OPENHCL_SIDECAR=log,on SIDECAR_LOGGING=1", true, true);
	expect_options("SIDECAR_LOGGING=1 OPENHCL_SIDECAR=off", false, false);
	expect_options("OPENHCL_SIDECAR=off SIDECAR_LOGGING=1", false, false);
}

Test(planner, sidecar_off_declines)
{
	make_cpus(8, NULL);
	cr_assert_eq(run(8, one_gib, 1, NULL, 0, "quiet OPENHCL_SIDECAR=on,off"),
		     SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "disabled via command line (OPENHCL_SIDECAR=off)");
	cr_expect_str_eq(plan.boot_cpus, "");
	/* Before any other check (sidecar.rs), and over the overrides
	 * (host_params applies them only when enabled). */
	make_cpus(1, NULL);
	EXCLUDE(5000);
	cr_assert_eq(run(1, NULL, 0, NULL, 0, "OPENHCL_SIDECAR=off"), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "disabled via command line (OPENHCL_SIDECAR=off)");
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 0);
}

Test(planner, sidecar_log_enables_logging)
{
	make_cpus(8, NULL);
	cr_assert_eq(run(8, one_gib, 1, NULL, 0, "OPENHCL_SIDECAR=off,log"), SIDECAR_PLAN_PLANNED);
	cr_expect(plan.enable_logging);
	cr_assert_eq(run(8, one_gib, 1, NULL, 0, "OPENHCL_SIDECAR=log,on SIDECAR_LOGGING=0"),
		     SIDECAR_PLAN_PLANNED);
	cr_expect_not(plan.enable_logging);
}

/* ---- per-CPU overrides (host_params/dt/mod.rs, sidecar.rs) ---- */

/* boot_cpus= as a set, checked against sidecar_plan_sidecar_starts(): every
 * CPU is started by exactly one of the kernel and the sidecar. */
static void expect_boot_cpus(const char *want)
{
	bool listed[SIDECAR_PLAN_MAX_CPUS] = {false};
	const char *p = plan.boot_cpus + strlen("boot_cpus=");

	cr_assert_str_eq(plan.boot_cpus, want);
	while (*p) {
		unsigned long vp = strtoul(p, (char **)&p, 10);

		cr_assert_lt(vp, plan.cpu_count);
		listed[vp] = true;
		if (*p == ',')
			p++;
	}
	for (uint32_t vp = 0; vp < plan.cpu_count; vp++)
		cr_expect_neq(listed[vp], sidecar_plan_sidecar_starts(&plan, vp),
			      "VP %u: in boot_cpus= %d, sidecar-started %d", vp, listed[vp],
			      sidecar_plan_sidecar_starts(&plan, vp));
}

static uint32_t four_and_four(size_t i)
{
	return i < 4 ? 0 : 1;
}

static const struct sidecar_plan_ram two_vnodes[] = {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 1}};

/* initial_state.sidecar_starts_cpu[0..400) against `zeros` (the entries
 * that must be 0; every other one 1). */
static void expect_starts(const uint8_t *starts, const uint32_t *zeros, size_t n)
{
	for (uint32_t i = 0; i < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) {
		bool zero = false;

		for (size_t k = 0; k < n; k++)
			zero |= zeros[k] == i;
		cr_expect_eq(starts[i], zero ? 0 : 1, "sidecar_starts_cpu[%u] = %u", i, starts[i]);
	}
}

Test(planner, no_overrides_initial_state_all_ones)
{
	static struct sidecar_params params;

	/* host_params/mod.rs: the default PerCpuState is [true; 400], and
	 * sidecar.rs clones it into the params whole. */
	make_cpus(8, four_and_four);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 0);
	expect_starts(plan.initial_state.sidecar_starts_cpu, NULL, 0);
	memset(&params, 0, sizeof(params));
	sidecar_plan_to_params(&plan, &params);
	cr_expect_eq(params.initial_state.per_cpu_state_specified, 0);
	expect_starts(params.initial_state.sidecar_starts_cpu, NULL, 0);
	expect_boot_cpus("boot_cpus=0,4");
}

Test(planner, overrides_fill_initial_state)
{
	static struct sidecar_params params;
	static const uint32_t zeros[] = {0, 2, 4, 5};

	make_cpus(8, four_and_four);
	EXCLUDE(5, 2, 5);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 2);
	expect_node(0, 0, 4, 0, 0);
	expect_node(1, 4, 4, 1, 1 * GiB);
	cr_expect_eq(plan.skipped_count, 0);
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 1);
	/* The excluded CPUs and both base VPs (sidecar.rs :252-262). */
	expect_starts(plan.initial_state.sidecar_starts_cpu, zeros, 4);
	expect_boot_cpus("boot_cpus=0,2,4,5");
	memset(&params, 0, sizeof(params));
	sidecar_plan_to_params(&plan, &params);
	cr_expect_eq(
		memcmp(&params.initial_state, &plan.initial_state, sizeof(params.initial_state)),
		0);
}

Test(planner, excluded_base_vp_keeps_its_node)
{
	/* A base VP is kernel-started anyway; its node keeps its APs. */
	make_cpus(8, four_and_four);
	EXCLUDE(4);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 2);
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 1);
	expect_boot_cpus("boot_cpus=0,4");
}

Test(planner, node_without_sidecar_aps_is_skipped)
{
	static const uint32_t zeros[] = {0, 1, 2, 3, 4};

	make_cpus(8, four_and_four);
	EXCLUDE(3, 1, 2);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	/* No node and no memory for VPs 0-3; the remaining node is index 0. */
	cr_expect_eq(plan.node_count, 1);
	expect_node(0, 4, 4, 1, 1 * GiB);
	cr_expect_eq(plan.total_memory, sidecar_required_memory(4));
	cr_expect_eq(plan.skipped_count, 1);
	cr_expect_eq(plan.skipped[0].base_vp, 0);
	cr_expect_eq(plan.skipped[0].vp_count, 4);
	/* The skipped chunk's base VP is kernel-started too. */
	expect_starts(plan.initial_state.sidecar_starts_cpu, zeros, 5);
	expect_boot_cpus("boot_cpus=0,1,2,3,4");
}

Test(planner, one_cpu_chunk_with_overrides)
{
	/* 4 + 1: the 1-CPU chunk has no AP, so it is skipped with or without
	 * overrides; with them its CPU is marked kernel-started. */
	make_cpus(5, four_and_four);
	EXCLUDE(2);
	cr_assert_eq(run(5, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 1);
	cr_expect_eq(plan.initial_state.sidecar_starts_cpu[4], 0);
	expect_boot_cpus("boot_cpus=0,2,4");
	make_cpus(5, four_and_four);
	cr_assert_eq(run(5, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 1);
	cr_expect_eq(plan.initial_state.sidecar_starts_cpu[4], 1);
	expect_boot_cpus("boot_cpus=0,4");
}

Test(planner, overrides_at_the_400_limit)
{
	/* 400 CPUs in one vnode: ceil(400/32) = 13 chunks of ceil(400/13) =
	 * 31 CPUs, the last of 28; every base VP and CPU 399 kernel-started. */
	make_cpus(400, NULL);
	EXCLUDE(399);
	cr_assert_eq(run(400, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 1);
	cr_expect_eq(plan.initial_state.sidecar_starts_cpu[399], 0);
	cr_expect_eq(plan.node_count, 13);
	for (uint32_t i = 0; i < plan.node_count; i++)
		cr_expect_eq(plan.initial_state.sidecar_starts_cpu[plan.nodes[i].base_vp], 0);
	expect_boot_cpus("boot_cpus=0,31,62,93,124,155,186,217,248,279,310,341,372,399");
}

Test(planner, overrides_beyond_400_decline)
{
	/* host_params/dt/mod.rs: more CPUs than initial_state holds disables
	 * sidecar entirely (DisabledServicing), whatever the excluded ids. */
	make_cpus(401, NULL);
	EXCLUDE(1);
	cr_assert_eq(run(401, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "too many CPUs for per-CPU state (401 CPUs, highest "
				      "excluded CPU 1, at most 400)");
	cr_expect_eq(plan.initial_state.per_cpu_state_specified, 0);
	/* Without overrides, 401 CPUs are fine. */
	make_cpus(401, NULL);
	cr_expect_eq(run(401, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED);
	/* An excluded index of 400 or more, whatever the CPU count. */
	make_cpus(300, NULL);
	EXCLUDE(3, 400);
	cr_assert_eq(run(300, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_str_eq(plan.reason, "too many CPUs for per-CPU state (300 CPUs, highest "
				      "excluded CPU 400, at most 400)");
}

Test(planner, excluded_index_past_the_cpus_below_400)
{
	/* OpenHCL accepts it and clears an entry no CPU uses; so do we (the
	 * topology reader refuses such a tree first). */
	make_cpus(8, four_and_four);
	EXCLUDE(350);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.initial_state.sidecar_starts_cpu[350], 0);
	expect_boot_cpus("boot_cpus=0,4");
}

Test(planner, overrides_print)
{
	static char out[8192];

	make_cpus(8, four_and_four);
	EXCLUDE(1, 2, 3, 6);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	out[0] = '\0';
	sidecar_plan_print(&plan, emit_to_string, out);
	cr_expect(strstr(out, "no node for VPs 0-3: no sidecar-started AP\n"), "%s", out);
	cr_expect(strstr(out, "per-CPU state specified"), "%s", out);
	cr_expect(strstr(out, "kernel command line: boot_cpus=0,1,2,3,4,6\n"), "%s", out);
}

Test(planner, boot_cpus_fits_400_kernel_started_cpus)
{
	static uint32_t all[400];

	/* 400 CPUs, every one kernel-started but the last of each node:
	 * boot_cpus= is at its longest with overrides. */
	for (uint32_t i = 0; i < 400; i++)
		all[i] = i;
	make_cpus(400, NULL);
	excluded = all;
	excluded_count = 399;
	cr_assert_eq(run(400, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(plan.node_count, 1, "only the last chunk keeps an AP (VP 399)");
	cr_expect_lt(strlen(plan.boot_cpus) + 1, sizeof(plan.boot_cpus));
	cr_expect_eq(strcmp(plan.boot_cpus + strlen(plan.boot_cpus) - 8, ",397,398"), 0, "%s",
		     plan.boot_cpus + strlen(plan.boot_cpus) - 8);
	cr_expect(sidecar_plan_sidecar_starts(&plan, 399));
}

Test(planner, kernel_cpulist)
{
	char buf[64];

	make_cpus(8, four_and_four);
	EXCLUDE(2, 5);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	cr_expect_eq(sidecar_plan_kernel_cpulist(&plan, buf, sizeof(buf)), 7);
	cr_expect_str_eq(buf, "0,2,4-5");
	/* Truncated: NUL-terminated, the full length returned. */
	cr_expect_eq(sidecar_plan_kernel_cpulist(&plan, buf, 4), 7);
	cr_expect_str_eq(buf, "0,2");
	cr_expect_eq(sidecar_plan_kernel_cpulist(&plan, NULL, 0), 7);

	make_cpus(8, four_and_four);
	EXCLUDE(1, 2, 3, 7);
	cr_assert_eq(run(8, two_vnodes, 2, NULL, 0, ""), SIDECAR_PLAN_PLANNED, "%s", plan.reason);
	sidecar_plan_kernel_cpulist(&plan, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0-4,7");

	make_cpus(1, NULL);
	cr_assert_eq(run(1, one_gib, 1, NULL, 0, ""), SIDECAR_PLAN_DECLINED);
	cr_expect_eq(sidecar_plan_kernel_cpulist(&plan, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "");
}

/*
 * Inputs the planner declines, one row each: the reason it gives, and no
 * node and no boot_cpus= with it. Each row starts from make_cpus(cpus,
 * vnode_of), the RAM ranges and the overrides given.
 */
static const struct {
	const char *what;
	size_t cpus;
	uint32_t (*vnode_of)(size_t);
	struct sidecar_plan_ram ram[4];
	size_t ram_count;
	uint32_t excluded[6];
	size_t excluded_count;
	const char *reason;
} decline_cases[] = {
	{"one CPU", 1, NULL, {{0, 1 * GiB, 0}}, 1, {0}, 0, "all NUMA nodes have one CPU"},
	{"every vnode one CPU",
	 4,
	 vnode_is_index,
	 {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 1}, {2 * GiB, 3 * GiB, 2}, {3 * GiB, 4 * GiB, 3}},
	 4,
	 {0},
	 0,
	 "all NUMA nodes have one CPU"},
	/* sidecar.rs checks "all NUMA nodes have one CPU" before skipping. */
	{"one-CPU chunks before skipping",
	 4,
	 vnode_is_index,
	 {{0, 1 * GiB, 0}},
	 1,
	 {1},
	 1,
	 "all NUMA nodes have one CPU"},
	{"a CPU's vnode out of range",
	 4,
	 vnode_64,
	 {{0, 1 * GiB, 0}},
	 1,
	 {0},
	 0,
	 "NUMA node 64 too large (at most 64 nodes)"},
	{"a RAM range's vnode out of range",
	 4,
	 NULL,
	 {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 70}},
	 2,
	 {0},
	 0,
	 "NUMA node 70 too large (at most 64 nodes)"},
	{"overlapping RAM",
	 4,
	 NULL,
	 {{0, 1 * GiB, 0}, {512 * MiB, 2 * GiB, 1}},
	 2,
	 {0},
	 0,
	 "RAM ranges overlap at 0x20000000"},
	/* Alternating vnodes make every CPU its own run: 300 nodes. OpenHCL
	 * would silently drop the nodes past 128; we decline. */
	{"300 nodes",
	 300,
	 alternating,
	 {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 1}},
	 2,
	 {0},
	 0,
	 "the CPUs form 300 sidecar nodes, at most 128 supported"},
	{"every node skipped",
	 8,
	 four_and_four,
	 {{0, 1 * GiB, 0}, {1 * GiB, 2 * GiB, 1}},
	 2,
	 {1, 2, 3, 5, 6, 7},
	 6,
	 "no nodes have sidecar-started APs"},
};

Test(planner, declines)
{
	for (size_t i = 0; i < sizeof(decline_cases) / sizeof(decline_cases[0]); i++) {
		make_cpus(decline_cases[i].cpus, decline_cases[i].vnode_of);
		excluded = decline_cases[i].excluded;
		excluded_count = decline_cases[i].excluded_count;
		cr_expect_eq(run(decline_cases[i].cpus, decline_cases[i].ram,
				 decline_cases[i].ram_count, NULL, 0, ""),
			     SIDECAR_PLAN_DECLINED, "%s", decline_cases[i].what);
		cr_expect_str_eq(plan.reason, decline_cases[i].reason, "%s", decline_cases[i].what);
		cr_expect_eq(plan.node_count, 0, "%s", decline_cases[i].what);
		cr_expect_str_eq(plan.boot_cpus, "", "%s", decline_cases[i].what);
	}
}
