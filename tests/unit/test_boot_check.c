// SPDX-License-Identifier: MIT
/*
 * What sidecar_entry() accepts and refuses before it starts any CPU, and
 * the control pages it writes: every documented error, one test each.
 */
#include <criterion/criterion.h>
#include <sidecar/control_ops.h>
#include <string.h>

#include "boot_check_baseline.h"
#include "sk_boot.h"

#define MiB (1ull << 20)

static struct sidecar_params params;
static struct sidecar_params_ext ext;
static uint32_t apic_ids[SIDECAR_EXT_MAX_VPS];
static struct sk_boot_env env;
static char err[256];

/* Node 0: VPs 0-3 at 64 MiB; node 1: VPs 4-6 at 80 MiB. APIC ID = 2 * VP. */
static void baseline(void)
{
	memset(&params, 0, sizeof(params));
	boot_check_baseline(&ext, params.nodes);
	for (uint32_t i = 0; i < SIDECAR_EXT_MAX_VPS; i++)
		apic_ids[i] = 2 * i;
	params.node_count = 2;
	env = (struct sk_boot_env){
		.image_start = 16 * MiB,
		.image_size = 1 * MiB,
		.params_pa = 32 * MiB,
		.output_pa = 48 * MiB,
		.bsp_apic_id = 0,
		.x2apic = false,
		.maxphyaddr = 46,
	};
}

TestSuite(boot_check, .init = baseline);

static void expect_ok(void)
{
	cr_assert(sk_boot_check_ext(&ext, err, sizeof(err)), "%s", err);
	cr_assert(sk_boot_check(&params, &ext, apic_ids, &env, err, sizeof(err)), "%s", err);
}

static void expect_error(const char *text)
{
	cr_assert(sk_boot_check_ext(&ext, err, sizeof(err)), "%s", err);
	cr_assert_not(sk_boot_check(&params, &ext, apic_ids, &env, err, sizeof(err)));
	cr_expect_str_eq(err, text);
}

Test(boot_check, baseline_is_valid)
{
	expect_ok();
}

/*
 * The refusals, one row per rule (docs/kernel.md, "Errors of
 * sidecar_entry()"): each row changes the valid baseline in one way and
 * names the check that must refuse it and the exact message.
 */
enum stage {
	EXT,	/* sk_boot_check_ext() */
	CHECK,	/* sk_boot_check() */
	PLACE,	/* sk_boot_params_place_ok() */
	OUTPUT, /* sk_boot_output_ok(): no message, nowhere to write it */
};

struct row {
	const char *name;
	void (*apply)(void);
	enum stage stage;
	const char *message;
};

#define APPLY(fn, body)                                                                            \
	static void fn(void)                                                                       \
	{                                                                                          \
		body;                                                                              \
	}

#define GIB   (1ull << 30)
#define TOP46 (1ull << 46)
#define TOP52 (1ull << 52)

/* Extension header. */
APPLY(no_magic, ext.magic = 0)
APPLY(bad_version, ext.version = 2)
APPLY(small_ext, ext.size = 40)
APPLY(no_vps, ext.vp_count = 0)
APPLY(too_many_vps, ext.vp_count = 4097)
APPLY(unaligned_output_ext, ext.output_ext = 0x3000004)
APPLY(unknown_flags, ext.flags = 0x80)
/* Params fields. */
APPLY(logging_2, params.enable_logging = 2)
APPLY(no_nodes, params.node_count = 0)
APPLY(too_many_nodes, params.node_count = 129)
APPLY(per_cpu_7, params.initial_state.per_cpu_state_specified = 7)
APPLY(starts_cpu_3, params.initial_state.sidecar_starts_cpu[399] = 3)
/* Node VPs. */
APPLY(node_vp_count_0, params.nodes[1].vp_count = 0)
APPLY(node_vp_count_4033, params.nodes[1].vp_count = 4033)
APPLY(vps_beyond_list, ext.vp_count = 6)
APPLY(vps_wrap, params.nodes[1].base_vp = 0xFFFFFFFF)
APPLY(vps_overlap, params.nodes[1].base_vp = 2)
/* Node memory. */
APPLY(node_base_unaligned, params.nodes[0].memory_base += 0x800)
APPLY(node_size_unaligned, params.nodes[0].memory_size += 1)
APPLY(node_too_small, params.nodes[0].memory_size -= 4096)
APPLY(node_wraps, params.nodes[1].memory_base = 0xFFFFFFFFFFFF0000ull)
APPLY(node_beyond_maxphyaddr, params.nodes[1].memory_base = TOP46 - 4096)
APPLY(node_straddles_2_52, {
	env.maxphyaddr = 52;
	params.nodes[1].memory_base = TOP52 - 4096;
})
APPLY(node_on_node, params.nodes[1].memory_base = 64 * MiB + 0x10000)
APPLY(node_on_image, params.nodes[1].memory_base = 16 * MiB + 0xF0000)
APPLY(node_on_params, params.nodes[1].memory_base = 32 * MiB)
APPLY(node_on_output, params.nodes[1].memory_base = 48 * MiB - 4096)
APPLY(node_on_output_ext, params.nodes[1].memory_base = 0x3800000)
APPLY(node_on_trampoline, params.nodes[1].memory_base = 0)
APPLY(node_on_guest, {
	ext.guest_memory_base = 64 * MiB;
	ext.guest_memory_size = 2 * MiB;
})
/* Guest memory. */
APPLY(guest_unaligned, {
	ext.guest_memory_base = 256 * MiB + 4096;
	ext.guest_memory_size = 64 * MiB;
})
APPLY(guest_too_big, {
	ext.guest_memory_base = 256 * MiB;
	ext.guest_memory_size = 8 * GIB;
})
APPLY(guest_no_size, ext.guest_memory_base = 2 * MiB)
APPLY(guest_wraps, {
	ext.guest_memory_base = 0xFFFFFFFFFFE00000ull;
	ext.guest_memory_size = 4 * MiB;
})
APPLY(guest_beyond_maxphyaddr, {
	ext.guest_memory_base = TOP46 - 2 * MiB;
	ext.guest_memory_size = 4 * MiB;
})
APPLY(guest_on_image, {
	ext.guest_memory_base = 16 * MiB;
	ext.guest_memory_size = 2 * MiB;
})
APPLY(guest_on_output_ext, {
	ext.guest_memory_base = 56 * MiB;
	ext.guest_memory_size = 2 * MiB;
})
APPLY(guest_on_trampoline, {
	ext.guest_memory_base = 0;
	ext.guest_memory_size = 2 * MiB;
})
/* The output extension. */
APPLY(output_ext_on_image, ext.output_ext = 16 * MiB + 0x100)
APPLY(output_ext_on_params, ext.output_ext = 32 * MiB + 8)
APPLY(output_ext_on_output, ext.output_ext = 48 * MiB + 0x800)
APPLY(output_ext_wraps, ext.output_ext = 0xFFFFFFFFFFFFFF00ull)
APPLY(output_ext_beyond_maxphyaddr, ext.output_ext = TOP46 - 8)
APPLY(output_ext_straddles_2_52, {
	env.maxphyaddr = 52;
	ext.output_ext = TOP52 - 8;
})
/* The trampoline page. */
APPLY(trampoline_on_image, env.image_start = 0x7000)
APPLY(trampoline_on_params, env.params_pa = 0x8000)
APPLY(trampoline_on_output, env.output_pa = 0x8800)
APPLY(trampoline_on_output_ext, ext.output_ext = 0x8000 - 8)
/* The output and params. */
APPLY(output_on_params, env.output_pa = 32 * MiB + 4096)
APPLY(params_on_image, env.params_pa = 16 * MiB)
APPLY(params_beyond_maxphyaddr, env.params_pa = TOP46 - 4096)
APPLY(params_straddle_2_52, {
	env.maxphyaddr = 52;
	env.params_pa = TOP52 - 8192;
})
APPLY(params_wrap, env.params_pa = 0xFFFFFFFFFFFFF000ull)
APPLY(params_unaligned, env.params_pa = 32 * MiB + 8)
APPLY(output_unaligned, env.output_pa = 48 * MiB + 4)
APPLY(output_on_image, env.output_pa = 16 * MiB + 0x800)
APPLY(output_beyond_maxphyaddr, env.output_pa = TOP46 - 8)
APPLY(output_straddles_2_52, {
	env.maxphyaddr = 52;
	env.output_pa = TOP52 - 8;
})
APPLY(output_wraps, env.output_pa = 0xFFFFFFFFFFFFFF00ull)
/* The image and the CPU. */
APPLY(image_above_4g, env.image_start = 4 * GIB - 4096)
APPLY(image_wraps, env.image_start = 0xFFFFFFFFFFFFF000ull)
APPLY(maxphyaddr_0, env.maxphyaddr = 0)
APPLY(maxphyaddr_53, env.maxphyaddr = 53)

static const struct row rows[] = {
	{"no extension", no_magic, EXT,
	 "no params extension after the params page (magic 0): bare x86-64 boot needs the "
	 "APIC IDs and a trampoline page"},
	{"extension version", bad_version, EXT,
	 "params extension version 2 not supported (expected 1)"},
	{"extension size", small_ext, EXT, "params extension size 40 too small (at least 80)"},
	{"no VPs", no_vps, EXT, "params extension vp_count 0 out of range (1..4096)"},
	{"too many VPs", too_many_vps, EXT,
	 "params extension vp_count 4097 out of range (1..4096)"},
	{"output extension alignment", unaligned_output_ext, EXT,
	 "output extension at 0x3000004 is not 8-byte aligned"},
	{"extension flags", unknown_flags, EXT, "unknown params extension flags 0x80"},

	{"enable_logging", logging_2, CHECK, "enable_logging must be 0 or 1, not 2"},
	{"node_count 0", no_nodes, CHECK, "node_count 0 out of range (1..128)"},
	{"node_count 129", too_many_nodes, CHECK, "node_count 129 out of range (1..128)"},
	{"per_cpu_state_specified", per_cpu_7, CHECK,
	 "initial_state.per_cpu_state_specified must be 0 or 1"},
	{"sidecar_starts_cpu", starts_cpu_3, CHECK,
	 "initial_state.sidecar_starts_cpu[399] must be 0 or 1, not 3"},

	{"node vp_count 0", node_vp_count_0, CHECK, "node 1: vp_count 0 out of range (1..4032)"},
	{"node vp_count 4033", node_vp_count_4033, CHECK,
	 "node 1: vp_count 4033 out of range (1..4032)"},
	{"VPs beyond the list", vps_beyond_list, CHECK,
	 "node 1: VPs 4..6 outside the CPU list (6 CPUs)"},
	{"VP range wraps", vps_wrap, CHECK,
	 "node 1: VPs 4294967295..4294967297 outside the CPU list (8 CPUs)"},
	{"VPs of two nodes", vps_overlap, CHECK, "node 1: VPs overlap those of node 0"},

	{"node base alignment", node_base_unaligned, CHECK,
	 "node 0: memory base 0x4000800 or size 0x35000 not page aligned"},
	{"node size alignment", node_size_unaligned, CHECK,
	 "node 0: memory base 0x4000000 or size 0x35001 not page aligned"},
	{"node memory too small", node_too_small, CHECK,
	 "node 0: failed to provide required memory: 0x35000, actual: 0x34000"},
	{"node memory wraps", node_wraps, CHECK, "node 1: memory range wraps around"},
	{"node memory beyond MAXPHYADDR", node_beyond_maxphyaddr, CHECK,
	 "node 1: memory at 0x3ffffffff000..0x400000026fff lies beyond the CPU's 46-bit "
	 "physical address space"},
	{"node memory across 2^52", node_straddles_2_52, CHECK,
	 "node 1: memory at 0xffffffffff000..0x10000000026fff lies beyond the CPU's 52-bit "
	 "physical address space"},
	{"node on node", node_on_node, CHECK, "node 1: memory overlaps node 0"},
	{"node on the image", node_on_image, CHECK, "node 1: memory overlaps the sidecar image"},
	{"node on the params", node_on_params, CHECK, "node 1: memory overlaps the params"},
	{"node on the output", node_on_output, CHECK, "node 1: memory overlaps the output"},
	{"node on the output extension", node_on_output_ext, CHECK,
	 "node 1: memory overlaps the output extension"},
	{"node on the trampoline", node_on_trampoline, CHECK,
	 "node 1: memory overlaps the trampoline page"},
	{"node on guest memory", node_on_guest, CHECK, "node 0: memory overlaps the guest memory"},

	{"guest memory alignment", guest_unaligned, CHECK,
	 "guest memory base 0x10001000 or size 0x4000000 not 2 MiB aligned (nested page "
	 "tables map it with 2 MiB pages)"},
	{"guest memory size", guest_too_big, CHECK,
	 "guest memory size 0x200000000 above the 0x100000000 supported"},
	{"guest memory without size", guest_no_size, CHECK, "guest memory at 0x200000 has size 0"},
	{"guest memory wraps", guest_wraps, CHECK,
	 "guest memory at 0xffffffffffe00000 (0x400000 bytes) wraps around"},
	{"guest memory beyond MAXPHYADDR", guest_beyond_maxphyaddr, CHECK,
	 "guest memory at 0x3fffffe00000..0x4000001fffff lies beyond the CPU's 46-bit "
	 "physical address space"},
	{"guest memory on the image", guest_on_image, CHECK,
	 "guest memory overlaps the sidecar image"},
	{"guest memory on the output extension", guest_on_output_ext, CHECK,
	 "guest memory overlaps the output extension"},
	{"guest memory on the trampoline", guest_on_trampoline, CHECK,
	 "guest memory overlaps the trampoline page"},

	{"output extension on the image", output_ext_on_image, CHECK,
	 "output extension overlaps the sidecar image"},
	{"output extension on the params", output_ext_on_params, CHECK,
	 "output extension overlaps the params"},
	{"output extension on the output", output_ext_on_output, CHECK,
	 "output extension overlaps the output"},
	{"output extension wraps", output_ext_wraps, CHECK,
	 "output extension at 0xffffffffffffff00 (0xdb0 bytes) wraps around"},
	{"output extension beyond MAXPHYADDR", output_ext_beyond_maxphyaddr, CHECK,
	 "output extension at 0x3ffffffffff8..0x400000000da7 lies beyond the CPU's 46-bit "
	 "physical address space"},
	{"output extension across 2^52", output_ext_straddles_2_52, CHECK,
	 "output extension at 0xffffffffffff8..0x10000000000da7 lies beyond the CPU's 52-bit "
	 "physical address space"},

	{"trampoline on the image", trampoline_on_image, CHECK,
	 "trampoline page overlaps the sidecar image"},
	{"trampoline on the params", trampoline_on_params, CHECK,
	 "trampoline page overlaps the params"},
	{"trampoline on the output", trampoline_on_output, CHECK,
	 "trampoline page overlaps the output"},
	{"trampoline on the output extension", trampoline_on_output_ext, CHECK,
	 "trampoline page overlaps the output extension"},

	{"output on the params", output_on_params, CHECK, "output overlaps the params"},
	{"params on the image", params_on_image, CHECK, "params overlaps the sidecar image"},
	{"params beyond MAXPHYADDR", params_beyond_maxphyaddr, PLACE,
	 "params at 0x3ffffffff000..0x40000000404f lies beyond the CPU's 46-bit physical "
	 "address space"},
	{"params across 2^52", params_straddle_2_52, PLACE,
	 "params at 0xfffffffffe000..0x1000000000304f lies beyond the CPU's 52-bit physical "
	 "address space"},
	{"params wrap", params_wrap, PLACE,
	 "params at 0xfffffffffffff000 (0x5050 bytes) wraps around"},
	{"params alignment", params_unaligned, PLACE, "params at 0x2000008 are not page aligned"},
	{"output alignment", output_unaligned, OUTPUT, NULL},
	{"output on the image", output_on_image, OUTPUT, NULL},
	{"output beyond MAXPHYADDR", output_beyond_maxphyaddr, OUTPUT, NULL},
	{"output across 2^52", output_straddles_2_52, OUTPUT, NULL},
	{"output wraps", output_wraps, OUTPUT, NULL},

	{"image above 4 GiB", image_above_4g, CHECK,
	 "the image must lie below 4 GiB: APs load its page tables in 32-bit mode"},
	{"image wraps", image_wraps, OUTPUT, NULL},
	{"MAXPHYADDR 0", maxphyaddr_0, PLACE,
	 "the CPU's physical-address width (0 bits) is outside 32..52"},
	{"MAXPHYADDR 53", maxphyaddr_53, PLACE,
	 "the CPU's physical-address width (53 bits) is outside 32..52"},
};

/* Each row is refused by its stage, with its message, and passes every
 * stage before it (so the row tests what it says). */
Test(boot_check, every_rule)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		bool ok;

		baseline();
		r->apply();
		err[0] = '\0';
		switch (r->stage) {
		case OUTPUT:
			cr_expect_not(sk_boot_output_ok(&env), "%s: output accepted", r->name);
			continue;
		case PLACE:
			cr_expect(sk_boot_output_ok(&env), "%s: output refused", r->name);
			ok = sk_boot_params_place_ok(&env, err, sizeof(err));
			break;
		case EXT:
			ok = sk_boot_check_ext(&ext, err, sizeof(err));
			break;
		default:
			cr_expect(sk_boot_output_ok(&env), "%s: output refused", r->name);
			cr_expect(sk_boot_params_place_ok(&env, err, sizeof(err)),
				  "%s: params refused: %s", r->name, err);
			cr_expect(sk_boot_check_ext(&ext, err, sizeof(err)), "%s: %s", r->name,
				  err);
			ok = sk_boot_check(&params, &ext, apic_ids, &env, err, sizeof(err));
			break;
		}
		cr_expect_not(ok, "%s: accepted", r->name);
		cr_expect_str_eq(err, r->message, "%s: \"%s\"", r->name, err);
	}
}

/* The baseline passes every stage; near-misses of the range rules pass. */
Test(boot_check, ranges_that_just_fit)
{
	expect_ok();
	cr_expect(sk_boot_output_ok(&env));
	cr_expect(sk_boot_params_place_ok(&env, err, sizeof(err)), "%s", err);
	/* Adjacent ranges touch without overlapping. */
	ext.output_ext = 48 * MiB + sizeof(struct sidecar_output);
	env.params_pa = 17 * MiB;
	expect_ok();
	/* The last page below MAXPHYADDR. */
	baseline();
	params.nodes[1].memory_base = TOP46 - sidecar_required_memory(3);
	expect_ok();
	ext.output_ext = (params.nodes[1].memory_base - sidecar_output_ext_size(8)) & ~7ull;
	expect_ok();
	env.output_pa = TOP46 - 2 * 4096;
	cr_expect(sk_boot_output_ok(&env));
	/* No output extension: address 0 is "absent", not a range at 0. */
	baseline();
	ext.output_ext = 0;
	expect_ok();
	/* The image may end exactly at 4 GiB. */
	baseline();
	env.image_start = 4 * GIB - MiB;
	expect_ok();
}

Test(boot_check, trampoline_page)
{
	static const uint64_t bad[] = {0, 0x8010, 0x100000, 0x7F000000};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ext.trampoline_page = bad[i];
		cr_expect_not(sk_boot_check_ext(&ext, err, sizeof(err)), "%#llx accepted",
			      (unsigned long long)bad[i]);
		cr_expect(strstr(err, "must be page aligned, above page 0 and below 1 MiB"), "%s",
			  err);
	}
	ext.trampoline_page = 0xFF000;
	expect_ok();
}

Test(boot_check, guest_memory)
{
	ext.guest_memory_base = 256 * MiB;
	ext.guest_memory_size = 64 * MiB;
	expect_ok();
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
	expect_error("VP 6 has APIC ID 255, which needs x2APIC; the BSP is in xAPIC mode");
	env.x2apic = true;
	expect_ok();
}

Test(boot_check, initial_state)
{
	/* Only the base VP of node 1 and VP 2 explicitly. */
	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[2] = 1;
	params.initial_state.sidecar_starts_cpu[4] = 1;
	cr_expect_not(sk_boot_starts_cpu(&params.nodes[0], &params.initial_state, 1));
	cr_expect(sk_boot_starts_cpu(&params.nodes[0], &params.initial_state, 2));
	cr_expect(sk_boot_starts_cpu(&params.nodes[1], &params.initial_state, 0));
	cr_expect_not(sk_boot_starts_cpu(&params.nodes[1], &params.initial_state, 1));
	/* A started base VP that is the BSP is refused. */
	env.bsp_apic_id = 8;
	expect_error("VP 4 (APIC ID 8) is the BSP running sidecar_entry(); it cannot also be a "
		     "sidecar CPU");
}

/* OpenHCL's PerCpuState has 400 entries (openvmm bc60ac59e); VPs past it get the default. */
Test(boot_check, initial_state_covers_400_cpus)
{
	struct sidecar_node_params far = {0, 0, 398, 4};

	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[399] = 1;
	cr_expect_not(sk_boot_starts_cpu(&far, &params.initial_state, 0), "VP 398 said no");
	cr_expect(sk_boot_starts_cpu(&far, &params.initial_state, 1), "VP 399 said yes");
	cr_expect(sk_boot_starts_cpu(&far, &params.initial_state, 2), "VP 400: default");
	cr_expect(sk_boot_starts_cpu(&far, &params.initial_state, 3), "VP 401: default");
}

/*
 * The params page past initial_state (bytes 3489-4095) is padding in
 * OpenHCL's SidecarParams: whatever a loader leaves there is not read.
 */
Test(boot_check, padding_after_initial_state_is_ignored)
{
	uint8_t *raw = (uint8_t *)&params;

	memset(raw + 3489, 0xFF, 4096 - 3489);
	params.initial_state.per_cpu_state_specified = 1;
	memset(params.initial_state.sidecar_starts_cpu, 1, 400);
	params.initial_state.sidecar_starts_cpu[0] = 0;
	params.initial_state.sidecar_starts_cpu[4] = 0;
	expect_ok();
}

/*
 * What OpenHCL's loader writes when the host gave no per-CPU overrides:
 * per_cpu_state_specified 0 with all 400 sidecar_starts_cpu entries 1
 * (its default PerCpuState, openhcl_boot host_params and main.rs at
 * openvmm 1488a37b). Accepted, and the flags are ignored: base VPs stay
 * with Linux, every other CPU starts.
 */
Test(boot_check, upstream_default_per_cpu_state)
{
	static struct sidecar_control_page cp;

	params.initial_state.per_cpu_state_specified = 0;
	memset(params.initial_state.sidecar_starts_cpu, 1, 400);
	expect_ok();
	cr_expect_not(sk_boot_starts_cpu(&params.nodes[0], &params.initial_state, 0));
	cr_expect(sk_boot_starts_cpu(&params.nodes[0], &params.initial_state, 3));
	cr_expect_not(sk_boot_starts_cpu(&params.nodes[1], &params.initial_state, 0));
	cr_expect(sk_boot_starts_cpu(&params.nodes[1], &params.initial_state, 2));
	sk_control_page_init(&cp, 1, &params.nodes[1], &params.initial_state, 0x20);
	cr_expect_eq(sidecar_cpu_status(&cp, 0), SIDECAR_CPU_STATUS_REMOVED, "base VP");
	cr_expect_eq(sidecar_cpu_status(&cp, 1), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(sidecar_cpu_status(&cp, 2), SIDECAR_CPU_STATUS_RUN);
}

Test(boot_check, control_page_init)
{
	static struct sidecar_control_page cp;

	memset(&cp, 0xEE, sizeof(cp));
	sk_control_page_init(&cp, 7, &params.nodes[1], &params.initial_state, 0x20);
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
		cr_expect_eq(sidecar_cpu_status(&cp, i), SIDECAR_CPU_STATUS_REMOVED,
			     "cpu_status[%u]", i);

	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[5] = 1;
	sk_control_page_init(&cp, 1, &params.nodes[1], &params.initial_state, 0x20);
	cr_expect_eq(sidecar_cpu_status(&cp, 0), SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(sidecar_cpu_status(&cp, 1), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(sidecar_cpu_status(&cp, 2), SIDECAR_CPU_STATUS_REMOVED);
}

/* The start-up waits' timer counts (tsc.c, wait_step()). */
Test(boot_timer, count)
{
	/* 2.6 GHz TSC, 1 GHz timer (QEMU's). */
	cr_assert_eq(sk_boot_timer_count(2600000, 2600000, 1000000), 1000000, "1 ms");
	cr_assert_eq(sk_boot_timer_count(2600, 2600000, 1000000), 1000, "1 us");
	/* Rounds down, but never to 0, which would stop the timer. */
	cr_assert_eq(sk_boot_timer_count(1, 2600000, 1000000), 1);
	cr_assert_eq(sk_boot_timer_count(0, 2600000, 1000000), 1);
	/* Longer than the counter: the most it holds, not a wrapped count. */
	cr_assert_eq(sk_boot_timer_count(2600000ull * 5000, 2600000, 1000000), UINT32_MAX,
		     "5 s at 1 GHz");
	cr_assert_eq(sk_boot_timer_count(UINT64_MAX, 2600000, 1000000), UINT32_MAX);
	cr_assert_eq(sk_boot_timer_count(UINT64_MAX, 1, UINT32_MAX), UINT32_MAX);
	/* The largest frequencies: no overflow in the remainder's product. */
	cr_assert_eq(sk_boot_timer_count(UINT32_MAX - 1ull, UINT32_MAX, UINT32_MAX),
		     UINT32_MAX - 1u);
	/* A slower timer than the TSC and a faster one. */
	cr_assert_eq(sk_boot_timer_count(4000000, 4000000, 25000), 25000);
	cr_assert_eq(sk_boot_timer_count(1000, 1000000, 3000000), 3000);
	/* Frequencies no clock has: no count, the caller spins. */
	cr_assert_eq(sk_boot_timer_count(1000, 0, 1000000), 0);
	cr_assert_eq(sk_boot_timer_count(1000, 1000000, 0), 0);
	cr_assert_eq(sk_boot_timer_count(1000, 1ull << 32, 1000000), 0);
	cr_assert_eq(sk_boot_timer_count(1000, 1000000, 1ull << 32), 0);
}

/* The fan-out depth the kernel enforces and the shim checks (boot_ext.h). */
Test(boot_fanout, depth_bound)
{
	static const struct {
		uint32_t cpus, bound;
	} cases[] = {
		{0, 3},	    {1, 3},	{2, 4},	    {3, 4},	      {4, 5},
		{255, 10},  {256, 11},	{300, 11},  {1023, 12},	      {1024, 13},
		{2047, 13}, {2048, 14}, {4096, 15}, {UINT32_MAX, 34},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(sidecar_fanout_depth_bound(cases[i].cpus), cases[i].bound,
			     "%u CPUs: bound %u, expected %u", cases[i].cpus,
			     sidecar_fanout_depth_bound(cases[i].cpus), cases[i].bound);
}
