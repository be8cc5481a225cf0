// SPDX-License-Identifier: MIT
/*
 * The self-test's guests: with a VP backend, the shim acts as a VMM for
 * every sidecar CPU at once. It builds the test guest (lib/testguest, the
 * same program and checks as the Linux test VMM's) in guest memory, sets
 * its registers with SET_VP_REGISTERS,
 * runs it with RUN_VP and handles each exit as a VMM would: it checks
 * every field of the Hyper-V message, completes the instruction (results
 * in cpu_context, RIP advanced with SET_VP_REGISTERS) and runs again.
 *
 *   out 0xE9 per byte of the VP's string (rebuilt and compared), in 0x71,
 *   CPUID 1, RDMSR and WRMSR 0x40000100, a load from an unmapped GPA,
 *   HLT; then a spinning guest that STOP ends (intercept 0); the same
 *   with an NMI instead of the request IPI (the driver's escalation), an
 *   NMI to idle CPUs and one during a command; then TRANSLATE_GVA of a
 *   mapped, a not-present and an unmapped-GPA address, and one with
 *   SET_PAGE_TABLE_BITS on all CPUs at once; then the figures:
 *   exits handled per second per VP (a guest doing OUT in a loop) and the
 *   round trip of a NONE command.
 *
 * Over 500 lines on purpose: every case runs the one guest program whose
 * per-CPU state (guests[]) they all share and advance in order; the
 * harness they use is apart (selftest_harness.c).
 */
#include <sidecar/boot_ext.h>
#include <sidecar/control_ops.h>
#include <string.h>

#include "apic.h"
#include "selftest_guest.h"
#include "selftest_harness.h"
#include "serial.h"
#include "test_guest.h"
#include "tsc.h"
#include "x86.h"

#define BENCH_ROUNDS	100
#define PING_ROUNDS	200
#define PING_TIMEOUT_US 10000000u
/* Long enough for a sidecar CPU under TCG to be inside its guest. */
#define NMI_STOP_DELAY_US 20000u

/* Each CPU's place in the guest program; its index in guests[] is its index in cpus[]. */
static struct tg_vp guests[SIDECAR_PLAN_MAX_CPUS];

static void *guest_ptr(uint64_t gpa)
{
	return (void *)(uintptr_t)(boot->guest_base + gpa);
}

static uint32_t index_of(const struct selftest_vp *c)
{
	return (uint32_t)(c - cpus);
}

static struct tg_vp *guest_of(const struct selftest_vp *c)
{
	return &guests[index_of(c)];
}

static bool build_guest_memory(void)
{
	static uint32_t vps[SIDECAR_PLAN_MAX_CPUS];
	struct cpuid_regs r = cpuid(1, 0);
	struct tg_cpuid leaf1 = {r.eax, r.ebx, r.ecx, r.edx};

	for (uint32_t i = 0; i < cpu_count; i++) {
		vps[i] = cpus[i].vp;
		tg_vp_init(&guests[i], cpus[i].vp, i, &leaf1);
	}
	return tg_build(guest_ptr(0), boot->guest_size, vps, cpu_count);
}

/* ---- helpers ---- */

static const struct hv_message *message(const struct selftest_vp *c)
{
	return &c->command->intercept_message;
}

static uint64_t *gps(struct selftest_vp *c)
{
	return c->command->cpu_context.gps;
}

/* RUN_VP ended with an intercept message rather than an error or a stop. */
static bool intercepted(struct selftest_vp *c, char *detail, size_t size)
{
	if (!verify_no_error(c, detail, size))
		return false;
	if (!sidecar_response_run_vp(c->command)->intercept) {
		sc_snprintf(detail, size, "RUN_VP ended without an intercept");
		return false;
	}
	return true;
}

/* ---- set-up ---- */

static void prepare_setup(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req;
	struct hv_register_assoc regs[SIDECAR_MAX_GET_SET_VP_REGISTERS];
	size_t n = tg_setup_registers(regs, index_of(c));

	memset(&c->command->cpu_context, 0, sizeof(c->command->cpu_context));
	tg_reset_fx(&c->command->cpu_context.fx_state);
	req = prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, (uint16_t)n);
	memcpy(req->regs, regs, n * sizeof(regs[0]));
}

static bool verify_setup(struct selftest_vp *c, char *detail, size_t size)
{
	if (!verify_status_success(c, detail, size))
		return false;
	if (gps(c)[SIDECAR_CPU_CONTEXT_RSI] !=
		    TG_STRINGS + (uint64_t)TG_STRING_SIZE * index_of(c) ||
	    gps(c)[SIDECAR_CPU_CONTEXT_RDI] != TG_UNMAPPED_GPA) {
		sc_snprintf(detail, size, "RSI and RDI were not set in cpu_context");
		return false;
	}
	return true;
}

/* ---- run, check, complete ---- */

static void prepare_run(struct selftest_vp *c)
{
	prepare_command(c, SIDECAR_COMMAND_RUN_VP);
}

/* Advancing RIP is the VMM's job, as on Hyper-V: the message tells the
 * length (or, for an unmapped-GPA access, the VMM decodes it). */
static void prepare_advance(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 1);

	req->regs[0].name = HV_X64_REGISTER_RIP;
	req->regs[0].value.reg64 = guest_of(c)->next_rip;
}

static bool verify_out(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) && tg_check_out(guest_of(c), message(c), detail, size);
}

static bool verify_in(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_in(guest_of(c), message(c), gps(c), detail, size);
}

static bool verify_cpuid(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_cpuid(guest_of(c), message(c), gps(c), detail, size);
}

static bool verify_rdmsr(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_rdmsr(guest_of(c), message(c), gps(c), detail, size);
}

static bool verify_wrmsr(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_wrmsr(guest_of(c), message(c), detail, size);
}

static bool verify_unmapped(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_unmapped(guest_of(c), message(c), gps(c), detail, size);
}

static bool verify_hlt(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_hlt(guest_of(c), message(c), gps(c), detail, size);
}

/* ---- STOP of a spinning guest ---- */

static void prepare_spin(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 1);

	req->regs[0].name = HV_X64_REGISTER_RIP;
	req->regs[0].value.reg64 = tg_spin_rip();
}

static bool verify_stopped(struct selftest_vp *c, char *detail, size_t size)
{
	if (!verify_no_error(c, detail, size))
		return false;
	if (sidecar_response_run_vp(c->command)->intercept != 0) {
		sc_snprintf(detail, size, "the spinning guest stopped on intercept type %#x",
			    message(c)->header.typ);
		return false;
	}
	return true;
}

static void prepare_get_rip(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 1);

	req->regs[0].name = HV_X64_REGISTER_RIP;
}

static bool verify_still_spinning(struct selftest_vp *c, char *detail, size_t size)
{
	uint64_t rip = sidecar_request_get_set(c->command)->regs[0].value.reg64;

	if (!verify_status_success(c, detail, size))
		return false;
	if (rip != tg_spin_rip()) {
		sc_snprintf(detail, size, "RIP %#llx after STOP, expected the spin loop %#llx",
			    ULL(rip), ULL(tg_spin_rip()));
		return false;
	}
	return true;
}

/* ---- NMIs: the driver's escalation of a STOP ---- */

/* RUN -> STOP once the guest spins, signalled by an NMI alone: the NMI's
 * exit must end the run (the request IPI is not sent). */
static void stop_run_vp_by_nmi(struct group *g, struct selftest_vp *c)
{
	wait_until(never_done, NULL, NMI_STOP_DELAY_US);
	if (sidecar_cpu_status_transition(c->control, c->index, SIDECAR_CPU_STATUS_RUN,
					  SIDECAR_CPU_STATUS_STOP) &&
	    !apic_send_nmi(c->apic_id))
		check_fail(g, c, "cannot send an NMI");
}

/* An NMI right behind the request: it lands while the command runs. */
static void nmi_during_command(struct group *g, struct selftest_vp *c)
{
	if (!apic_send_nmi(c->apic_id))
		check_fail(g, c, "cannot send an NMI");
}

/* NMIs to CPUs halted in the dispatch loop: each must return to waiting,
 * then answer a command. */
static void nmi_idle_cpus(struct group *g)
{
	for (uint32_t i = 0; i < cpu_count; i++)
		if (cpus[i].active && !apic_send_nmi(cpus[i].apic_id))
			check_fail(g, &cpus[i], "cannot send an NMI");
	wait_until(never_done, NULL, NMI_STOP_DELAY_US);
}

static void prepare_none(struct selftest_vp *c)
{
	prepare_command(c, SIDECAR_COMMAND_NONE);
}

/* ---- TRANSLATE_GVA on the guest's tables ---- */

static uint64_t translate_gva_of;
static uint64_t translate_flags =
	HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_EXECUTE;

static void prepare_translate(struct selftest_vp *c)
{
	struct sidecar_translate_gva_request *req = sidecar_request_translate_gva(c->command);

	prepare_command(c, SIDECAR_COMMAND_TRANSLATE_GVA);
	req->gvn = translate_gva_of >> 12;
	req->control_flags = translate_flags;
}

static bool verify_translation(struct selftest_vp *c, char *detail, size_t size, uint32_t code,
			       uint64_t gpa_page)
{
	const struct sidecar_translate_gva_response *r = sidecar_response_translate_gva(c->command);
	uint32_t result = (uint32_t)r->output.translation_result.result;

	if (!verify_no_error(c, detail, size))
		return false;
	if (r->status != HV_STATUS_SUCCESS || result != code ||
	    (code == HV_TRANSLATE_GVA_SUCCESS && r->output.gpa_page != gpa_page)) {
		sc_snprintf(detail, size,
			    "GVA %#llx: status %#x result %u page %#llx, expected "
			    "result %u page %#llx",
			    ULL(translate_gva_of), r->status, result, ULL(r->output.gpa_page), code,
			    ULL(gpa_page));
		return false;
	}
	return true;
}

static bool verify_translate_mapped(struct selftest_vp *c, char *detail, size_t size)
{
	return verify_translation(c, detail, size, HV_TRANSLATE_GVA_SUCCESS, TG_CODE >> 12);
}

static bool verify_translate_not_present(struct selftest_vp *c, char *detail, size_t size)
{
	return verify_translation(c, detail, size, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT, 0);
}

static bool verify_translate_unmapped(struct selftest_vp *c, char *detail, size_t size)
{
	return verify_translation(c, detail, size, HV_TRANSLATE_GVA_GPA_UNMAPPED, 0);
}

/* The entries that map the guest's stacks: PML4E 0, PDPTE 0, PDE 0 (a
 * 2 MiB page), as test_guest.c writes them, before A/D. */
static const struct {
	uint64_t gpa, value;
} stack_path[] = {
	{TG_PML4, TG_PDPT | 0x3},
	{TG_PDPT, TG_PD0 | 0x3},
	{TG_PD0, 0x83},
};

#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)

/* Every CPU at once sets A/D on the same three entries (the kernel's
 * LOCK CMPXCHG on guest memory): afterwards each holds A, the leaf D
 * too, and nothing else changed. */
static void clear_stack_path_a_d(void)
{
	for (size_t i = 0; i < sizeof(stack_path) / sizeof(stack_path[0]); i++)
		*(volatile uint64_t *)guest_ptr(stack_path[i].gpa) = stack_path[i].value;
}

static bool verify_translate_set_a_d(struct selftest_vp *c, char *detail, size_t size)
{
	if (!verify_translation(c, detail, size, HV_TRANSLATE_GVA_SUCCESS, TG_STACKS >> 12))
		return false;
	for (size_t i = 0; i < sizeof(stack_path) / sizeof(stack_path[0]); i++) {
		uint64_t want = stack_path[i].value | PTE_A | (i == 2 ? PTE_D : 0);
		uint64_t now = *(volatile uint64_t *)guest_ptr(stack_path[i].gpa);

		if (now != want) {
			sc_snprintf(detail, size, "entry at GPA %#llx is %#llx, expected %#llx",
				    ULL(stack_path[i].gpa), ULL(now), ULL(want));
			return false;
		}
	}
	return true;
}

/* ---- figures ---- */

static void prepare_bench(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 1);

	req->regs[0].name = HV_X64_REGISTER_RIP;
	req->regs[0].value.reg64 = tg_bench_rip();
}

static bool verify_bench_exit(struct selftest_vp *c, char *detail, size_t size)
{
	return intercepted(c, detail, size) &&
	       tg_check_bench_out(guest_of(c), message(c), detail, size);
}

static uint32_t active_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cpu_count; i++)
		n += cpus[i].active;
	return n;
}

/* Exits handled per second per VP: every CPU's guest does OUT in a loop,
 * the shim handles each exit (check, RIP advanced, run again), all CPUs
 * at once. Each exit costs the VMM two commands, as on Hyper-V. */
static void figure_exit_rate(void)
{
	static struct group bench = {.name = "bench-exits", .accumulate = true};
	static struct group resume = {.name = "bench-resume", .accumulate = true};
	static struct group start = {.name = "bench-setup"};
	uint64_t t0, ticks, us;
	uint32_t vps;

	run_group(&start, prepare_bench, verify_status_success, NULL);
	vps = active_count();
	t0 = rdtsc();
	for (int i = 0; i < BENCH_ROUNDS; i++) {
		run_group(&bench, prepare_run, verify_bench_exit, NULL);
		run_group(&resume, prepare_advance, verify_status_success, NULL);
	}
	ticks = rdtsc() - t0;
	group_end(&bench);
	group_end(&resume);
	us = tsc_ticks_to_us(ticks);
	if (vps && us)
		shim_print("figure: VM exits handled: %llu per second per VP (%u VPs at once, %u "
			   "exits each in %llu us, 2 commands per exit)\n",
			   ULL((uint64_t)BENCH_ROUNDS * 1000000 / us), vps, BENCH_ROUNDS, ULL(us));
}

struct idle_wait {
	struct selftest_vp *c;
};

static bool became_idle(void *ctx)
{
	return status_of(((struct idle_wait *)ctx)->c) == SIDECAR_CPU_STATUS_IDLE;
}

/* The round trip of a NONE command on one CPU: request IPI, the CPU's
 * answer, the response IPI, as a driver would see it. */
static void figure_none_round_trip(void)
{
	static struct group g = {.name = "bench-none"};
	struct selftest_vp *c = NULL;
	struct idle_wait w;
	uint64_t t0, ticks;

	for (uint32_t i = 0; i < cpu_count && !c; i++) {
		if (cpus[i].active)
			c = &cpus[i];
	}
	if (!c)
		return;
	w.c = c;
	t0 = rdtsc();
	for (int i = 0; i < PING_ROUNDS; i++) {
		prepare_command(c, SIDECAR_COMMAND_NONE);
		if (!sidecar_cpu_status_transition(c->control, c->index, SIDECAR_CPU_STATUS_IDLE,
						   SIDECAR_CPU_STATUS_RUN) ||
		    !send_wakeup(&g, c) || !wait_until(became_idle, &w, PING_TIMEOUT_US)) {
			check_fail(&g, c, "NONE round trip %d did not complete", i);
			group_end(&g);
			return;
		}
	}
	ticks = rdtsc() - t0;
	check_pass(&g);
	group_end(&g);
	shim_print("figure: NONE round trip: %llu ns on VP %u (mean of %u)\n",
		   ULL(tsc_ticks_to_us(ticks * 1000 / PING_ROUNDS)), c->vp, PING_ROUNDS);
}

void selftest_guest_run(void)
{
	static struct group setup = {.name = "guest-setup"};
	static struct group out = {.name = "guest-out", .accumulate = true};
	static struct group advance = {.name = "guest-advance", .accumulate = true};
	static struct group printed_ok = {.name = "guest-printed"};
	static struct group in = {.name = "guest-in"};
	static struct group cpuid_g = {.name = "guest-cpuid"};
	static struct group rdmsr = {.name = "guest-rdmsr"};
	static struct group wrmsr = {.name = "guest-wrmsr"};
	static struct group unmapped = {.name = "guest-unmapped-gpa"};
	static struct group hlt = {.name = "guest-hlt"};
	static struct group spin = {.name = "guest-spin-setup"};
	static struct group stop = {.name = "guest-stop"};
	static struct group still = {.name = "guest-stopped-rip"};
	static struct group nmi_spin = {.name = "guest-nmi-spin-setup"};
	static struct group nmi_stop = {.name = "guest-nmi-stop"};
	static struct group nmi_still = {.name = "guest-nmi-stopped-rip"};
	static struct group nmi_idle = {.name = "nmi-idle"};
	static struct group nmi_command = {.name = "nmi-during-command"};
	static struct group nmi_spin2 = {.name = "guest-nmi-spin-setup-again"};
	static struct group nmi_stop2 = {.name = "guest-nmi-stop-again"};
	static struct group tr_mapped = {.name = "translate-mapped"};
	static struct group tr_absent = {.name = "translate-not-present"};
	static struct group tr_unmapped = {.name = "translate-gpa-unmapped"};
	static struct group tr_a_d = {.name = "translate-sets-a-d"};
	struct group *advances[] = {&in, &cpuid_g, &rdmsr, &wrmsr, &unmapped};
	verify_fn checks[] = {verify_in, verify_cpuid, verify_rdmsr, verify_wrmsr, verify_unmapped};

	shim_print("selftest: guests in guest memory [%#llx, %#llx) on %u CPUs at once\n",
		   ULL(boot->guest_base), ULL(boot->guest_base + boot->guest_size), active_count());
	if (!build_guest_memory()) {
		check_fail(&setup, NULL,
			   "guest memory of %llu bytes is too small for %u VPs (%llu)",
			   ULL(boot->guest_size), cpu_count, ULL(tg_memory_needed(cpu_count)));
		group_end(&setup);
		return;
	}
	run_group(&setup, prepare_setup, verify_setup, NULL);

	for (int i = 0; i < TG_STRING_LEN; i++) {
		run_group(&out, prepare_run, verify_out, NULL);
		run_group(&advance, prepare_advance, verify_status_success, NULL);
	}
	group_end(&out);
	group_end(&advance);
	for (uint32_t i = 0; i < cpu_count; i++) {
		char detail[160];

		if (!cpus[i].active)
			continue;
		if (tg_check_printed(&guests[i], detail, sizeof(detail)))
			check_pass(&printed_ok);
		else
			check_fail(&printed_ok, &cpus[i], "%s", detail);
	}
	group_end(&printed_ok);

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		advances[i]->accumulate = true;
		run_group(advances[i], prepare_run, checks[i], NULL);
		run_group(advances[i], prepare_advance, verify_status_success, NULL);
		group_end(advances[i]);
	}
	run_group(&hlt, prepare_run, verify_hlt, NULL);

	run_group(&spin, prepare_spin, verify_status_success, NULL);
	run_group(&stop, prepare_run, verify_stopped, stop_run_vp);
	run_group(&still, prepare_get_rip, verify_still_spinning, NULL);

	run_group(&nmi_spin, prepare_spin, verify_status_success, NULL);
	run_group(&nmi_stop, prepare_run, verify_stopped, stop_run_vp_by_nmi);
	run_group(&nmi_still, prepare_get_rip, verify_still_spinning, NULL);
	nmi_idle_cpus(&nmi_idle);
	run_group(&nmi_idle, prepare_none, verify_no_error, NULL);
	run_group(&nmi_command, prepare_get_rip, verify_still_spinning, nmi_during_command);
	/* The earlier NMIs were taken and their handlers returned with IRET,
	 * so NMIs are not blocked: another one still ends a run. */
	run_group(&nmi_spin2, prepare_spin, verify_status_success, NULL);
	run_group(&nmi_stop2, prepare_run, verify_stopped, stop_run_vp_by_nmi);

	translate_gva_of = TG_CODE;
	run_group(&tr_mapped, prepare_translate, verify_translate_mapped, NULL);
	translate_gva_of = TG_NOT_PRESENT_GVA;
	run_group(&tr_absent, prepare_translate, verify_translate_not_present, NULL);
	translate_gva_of = TG_UNMAPPED_GPA;
	run_group(&tr_unmapped, prepare_translate, verify_translate_unmapped, NULL);
	clear_stack_path_a_d();
	translate_gva_of = TG_STACKS;
	translate_flags = HV_TRANSLATE_GVA_VALIDATE_WRITE | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS;
	run_group(&tr_a_d, prepare_translate, verify_translate_set_a_d, NULL);
	translate_flags = HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_EXECUTE;

	figure_exit_rate();
	figure_none_round_trip();
}
