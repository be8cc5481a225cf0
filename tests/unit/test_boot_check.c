// SPDX-License-Identifier: MIT
/*
 * What sidecar_entry() accepts and refuses before it starts any CPU, and
 * the control pages it writes: every documented error, one test each.
 */
#include <criterion/criterion.h>
#include <sidecar/control_ops.h>
#include <string.h>

#include "sc_boot.h"

#define MiB (1ull << 20)

static struct sidecar_params params;
static struct sidecar_params_ext ext;
static uint32_t apic_ids[SIDECAR_EXT_MAX_VPS];
static struct sc_boot_env env;
static char err[256];

/* Node 0: VPs 0-3 at 64 MiB; node 1: VPs 4-6 at 80 MiB. APIC ID = 2 * VP. */
static void baseline(void)
{
	memset(&params, 0, sizeof(params));
	memset(&ext, 0, sizeof(ext));
	ext.magic = SIDECAR_PARAMS_EXT_MAGIC;
	ext.version = SIDECAR_PARAMS_EXT_VERSION;
	ext.size = sizeof(ext);
	ext.trampoline_page = 0x8000;
	ext.output_ext = 0x3800000;
	ext.vp_count = 8;
	for (uint32_t i = 0; i < SIDECAR_EXT_MAX_VPS; i++)
		apic_ids[i] = 2 * i;
	params.node_count = 2;
	params.nodes[0] = (struct sidecar_node_params){ 64 * MiB, sidecar_required_memory(4), 0, 4 };
	params.nodes[1] = (struct sidecar_node_params){ 80 * MiB, sidecar_required_memory(3), 4, 3 };
	env = (struct sc_boot_env){
		.image_start = 16 * MiB,
		.image_end = 17 * MiB,
		.params_start = 32 * MiB,
		.params_end = 32 * MiB + 8192,
		.output_start = 48 * MiB,
		.output_end = 48 * MiB + 4096,
		.output_ext_start = 0x3800000,
		.output_ext_end = 0x3800000 + sidecar_output_ext_size(8),
		.bsp_apic_id = 0,
		.x2apic = false,
	};
}

TestSuite(boot_check, .init = baseline);

static void expect_ok(void)
{
	cr_assert(sc_boot_check_ext(&ext, err, sizeof(err)), "%s", err);
	cr_assert(sc_boot_check(&params, &ext, apic_ids, &env, err, sizeof(err)), "%s", err);
}

static void expect_ext_error(const char *text)
{
	cr_assert_not(sc_boot_check_ext(&ext, err, sizeof(err)));
	cr_expect_str_eq(err, text);
}

static void expect_error(const char *text)
{
	cr_assert(sc_boot_check_ext(&ext, err, sizeof(err)), "%s", err);
	cr_assert_not(sc_boot_check(&params, &ext, apic_ids, &env, err, sizeof(err)));
	cr_expect_str_eq(err, text);
}

Test(boot_check, baseline_is_valid)
{
	expect_ok();
}

Test(boot_check, extension_header)
{
	ext.magic = 0;
	expect_ext_error("no params extension after the params page (magic 0): bare x86-64 boot "
			 "needs the APIC IDs and a trampoline page");
	baseline();
	ext.version = 2;
	expect_ext_error("params extension version 2 not supported (expected 1)");
	baseline();
	ext.size = 40;
	expect_ext_error("params extension size 40 too small (at least 80)");
	baseline();
	ext.vp_count = 0;
	expect_ext_error("params extension vp_count 0 out of range (1..4096)");
	ext.vp_count = 4097;
	expect_ext_error("params extension vp_count 4097 out of range (1..4096)");
	baseline();
	ext.output_ext = 0x3000004;
	expect_ext_error("output extension at 0x3000004 is not 8-byte aligned");
	baseline();
	ext.flags = 0x80;
	expect_ext_error("unknown params extension flags 0x80");
}

Test(boot_check, trampoline_page)
{
	static const uint64_t bad[] = { 0, 0x8010, 0x100000, 0x7F000000 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ext.trampoline_page = bad[i];
		cr_expect_not(sc_boot_check_ext(&ext, err, sizeof(err)), "%#llx accepted",
			      (unsigned long long)bad[i]);
		cr_expect(strstr(err, "must be page aligned, above page 0 and below 1 MiB"), "%s",
			  err);
	}
	ext.trampoline_page = 0xFF000;
	expect_ok();
}

Test(boot_check, params_fields)
{
	params.enable_logging = 2;
	expect_error("enable_logging must be 0 or 1, not 2");
	baseline();
	params.node_count = 0;
	expect_error("node_count 0 out of range (1..128)");
	params.node_count = 129;
	expect_error("node_count 129 out of range (1..128)");
	baseline();
	params.initial_state.per_cpu_state_specified = 7;
	expect_error("initial_state.per_cpu_state_specified must be 0 or 1");
	baseline();
	params.initial_state.sidecar_starts_cpu[999] = 3;
	expect_error("initial_state.sidecar_starts_cpu[999] must be 0 or 1, not 3");
}

Test(boot_check, node_vp_count)
{
	params.nodes[1].vp_count = 0;
	expect_error("node 1: vp_count 0 out of range (1..4032)");
	params.nodes[1].vp_count = 4033;
	expect_error("node 1: vp_count 4033 out of range (1..4032)");
}

Test(boot_check, node_memory)
{
	params.nodes[0].memory_base += 0x800;
	expect_error("node 0: memory base 0x4000800 or size 0x35000 not page aligned");
	baseline();
	params.nodes[0].memory_size += 1;
	expect_error("node 0: memory base 0x4000000 or size 0x35001 not page aligned");
	baseline();
	params.nodes[0].memory_size -= 4096;
	expect_error("node 0: failed to provide required memory: 0x35000, actual: 0x34000");
	baseline();
	params.nodes[1].memory_base = 0xFFFFFFFFFFFF0000ull;
	expect_error("node 1: memory range wraps around");
	baseline();
	params.nodes[1].memory_base = 64 * MiB + 0x10000;
	expect_error("node 1: memory overlaps node 0");
}

Test(boot_check, node_memory_overlaps_boot_objects)
{
	params.nodes[1].memory_base = 16 * MiB + 0xF0000;
	expect_error("node 1: memory overlaps the sidecar image");
	baseline();
	params.nodes[1].memory_base = 32 * MiB;
	expect_error("node 1: memory overlaps the params");
	baseline();
	params.nodes[1].memory_base = 48 * MiB - 4096;
	expect_error("node 1: memory overlaps the output");
	baseline();
	params.nodes[1].memory_base = 0x3800000;
	expect_error("node 1: memory overlaps the output extension");
	baseline();
	params.nodes[1].memory_base = 0;
	expect_error("node 1: memory overlaps the trampoline page");
}

Test(boot_check, guest_memory)
{
	ext.guest_memory_base = 256 * MiB;
	ext.guest_memory_size = 64 * MiB;
	expect_ok();
	ext.guest_memory_base += 4096;
	expect_error("guest memory base 0x10001000 or size 0x4000000 not 2 MiB aligned (nested "
		     "page tables map it with 2 MiB pages)");
	baseline();
	ext.guest_memory_base = 256 * MiB;
	ext.guest_memory_size = 8ull << 30;
	expect_error("guest memory size 0x200000000 above the 0x100000000 supported");
	baseline();
	ext.guest_memory_base = 16 * MiB;
	ext.guest_memory_size = 2 * MiB;
	expect_error("guest memory overlaps the image, params, output or trampoline page");
	baseline();
	ext.guest_memory_base = 64 * MiB;
	ext.guest_memory_size = 2 * MiB;
	expect_error("node 0: memory overlaps the guest memory");
	baseline();
	ext.guest_memory_base = 2 * MiB;
	expect_error("guest memory at 0x200000 has size 0");
}

Test(boot_check, vps_outside_the_cpu_list)
{
	ext.vp_count = 6;
	expect_error("node 1: VPs 4..6 outside the CPU list (6 CPUs)");
	baseline();
	params.nodes[1].base_vp = 0xFFFFFFFF;
	expect_error("node 1: VPs 4294967295..4294967297 outside the CPU list (8 CPUs)");
	baseline();
	params.nodes[1].base_vp = 2;
	expect_error("node 1: VPs overlap those of node 0");
}

Test(boot_check, bsp_must_not_be_started)
{
	env.bsp_apic_id = 4; /* VP 2 */
	expect_error("VP 2 (APIC ID 4) is the BSP running sidecar_entry(); it cannot also be a "
		     "sidecar CPU");
	/* The base VP is Linux's: being the BSP is expected. */
	env.bsp_apic_id = 8;
	expect_ok();
}

Test(boot_check, apic_ids)
{
	apic_ids[5] = apic_ids[2];
	expect_error("VPs 2 and 5 have the same APIC ID 4");
	baseline();
	/* A shared ID on a CPU the sidecar does not start is Linux's business. */
	apic_ids[4] = apic_ids[2];
	expect_ok();
	baseline();
	apic_ids[6] = 255;
	expect_error("VP 6 has APIC ID 255, which needs x2APIC; this CPU has none");
	env.x2apic = true;
	expect_ok();
}

Test(boot_check, initial_state)
{
	/* Only the base VP of node 1 and VP 2 explicitly. */
	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[2] = 1;
	params.initial_state.sidecar_starts_cpu[4] = 1;
	cr_expect_not(sc_boot_starts_cpu(&params.nodes[0], &params.initial_state, 1));
	cr_expect(sc_boot_starts_cpu(&params.nodes[0], &params.initial_state, 2));
	cr_expect(sc_boot_starts_cpu(&params.nodes[1], &params.initial_state, 0));
	cr_expect_not(sc_boot_starts_cpu(&params.nodes[1], &params.initial_state, 1));
	/* A started base VP that is the BSP is refused. */
	env.bsp_apic_id = 8;
	expect_error("VP 4 (APIC ID 8) is the BSP running sidecar_entry(); it cannot also be a "
		     "sidecar CPU");
}

Test(boot_check, initial_state_covers_1000_cpus)
{
	struct sidecar_node_params far = { 0, 0, 998, 4 };

	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[999] = 1;
	cr_expect_not(sc_boot_starts_cpu(&far, &params.initial_state, 0), "VP 998 said no");
	cr_expect(sc_boot_starts_cpu(&far, &params.initial_state, 1), "VP 999 said yes");
	cr_expect(sc_boot_starts_cpu(&far, &params.initial_state, 2), "VP 1000: default");
	cr_expect(sc_boot_starts_cpu(&far, &params.initial_state, 3), "VP 1001: default");
}

Test(boot_check, control_page_init)
{
	static struct sidecar_control_page cp;

	memset(&cp, 0xEE, sizeof(cp));
	sc_control_page_init(&cp, 7, &params.nodes[1], &params.initial_state, 0x20);
	cr_expect_eq(cp.index, 7);
	cr_expect_eq(cp.base_cpu, 4);
	cr_expect_eq(cp.cpu_count, 3);
	cr_expect_eq(cp.request_vector, 0x20);
	cr_expect_eq(cp.response_cpu, 0);
	cr_expect_eq(cp.response_vector, 0);
	cr_expect_eq(cp.needs_attention, 0);
	for (size_t i = 0; i < sizeof(cp.reserved); i++)
		cr_expect_eq(cp.reserved[i], 0);
	cr_expect_eq(sidecar_cpu_status(&cp, 0), SIDECAR_CPU_STATUS_REMOVED, "base VP");
	cr_expect_eq(sidecar_cpu_status(&cp, 1), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(sidecar_cpu_status(&cp, 2), SIDECAR_CPU_STATUS_RUN);
	for (uint32_t i = 3; i < SIDECAR_MAX_CPUS_PER_NODE; i++)
		cr_expect_eq(sidecar_cpu_status(&cp, i), SIDECAR_CPU_STATUS_REMOVED, "slot %u", i);

	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[5] = 1;
	sc_control_page_init(&cp, 1, &params.nodes[1], &params.initial_state, 0x20);
	cr_expect_eq(sidecar_cpu_status(&cp, 0), SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(sidecar_cpu_status(&cp, 1), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(sidecar_cpu_status(&cp, 2), SIDECAR_CPU_STATUS_REMOVED);
}
