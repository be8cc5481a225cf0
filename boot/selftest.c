// SPDX-License-Identifier: MIT
/*
 * The self-test's cases on commands and boot state (the guests:
 * selftest_guest.c; the harness that sends each group's requests and
 * counts the checks: selftest_harness.c): the commands every sidecar CPU
 * answers without a VP backend, each CPU's state after boot, the injected
 * crash, REMOVE, and the refusals of broken boot inputs.
 */
#include <sidecar/control_ops.h>
#include <sidecar/vp_pages.h>
#include <string.h>

#include "report.h"
#include "selftest.h"
#include "selftest_guest.h"
#include "selftest_harness.h"
#include "serial.h"

/* How long a REMOVED CPU gets to (wrongly) take a request. */
#define IGNORE_WAIT_US 20000u
/* How long the fault-injected CPU may still take to report its crash. */
#define CRASH_TIMEOUT_US 5000000u

#define UNKNOWN_REGISTER_NAME 0x00ABCDEFu
#define UNKNOWN_COMMAND	      99u

/* NONE */
static void prepare_none(struct selftest_vp *c)
{
	prepare_command(c, SIDECAR_COMMAND_NONE);
}

/* DR0-DR3: canonical addresses distinct per CPU and register. */
static uint64_t dr_value(uint32_t vp, uint32_t n)
{
	return 0x0000700000000000ull | ((uint64_t)vp << 16) | ((uint64_t)(n + 1) << 4);
}

static void prepare_set_dr(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 4);

	for (uint32_t n = 0; n < 4; n++) {
		req->regs[n].name = HV_X64_REGISTER_DR0 + n;
		req->regs[n].value.reg64 = dr_value(c->vp, n);
	}
}

static void prepare_get_dr(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 4);

	for (uint32_t n = 0; n < 4; n++)
		req->regs[n].name = HV_X64_REGISTER_DR0 + n;
}

static bool verify_get_dr(struct selftest_vp *c, char *detail, size_t size)
{
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(c->command);

	if (!verify_status_success(c, detail, size))
		return false;
	for (uint32_t n = 0; n < 4; n++) {
		const union hv_register_value *v = &req->regs[n].value;

		if (v->reg128.low != dr_value(c->vp, n) || v->reg128.high != 0) {
			sc_snprintf(detail, size, "DR%u reads %#llx:%#llx, expected %#llx", n,
				    ULL(v->reg128.high), ULL(v->reg128.low),
				    ULL(dr_value(c->vp, n)));
			return false;
		}
	}
	return true;
}

static void prepare_get_mtrr(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 1);

	req->regs[0].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
}

static void prepare_get_count_32(struct selftest_vp *c)
{
	prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS,
			  SIDECAR_MAX_GET_SET_VP_REGISTERS + 1);
}

static bool verify_get_count_32(struct selftest_vp *c, char *detail, size_t size)
{
	return verify_error_is(c, detail, size, "invalid register count: 32 (at most 31)", false);
}

static void prepare_get_unknown(struct selftest_vp *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 1);

	req->regs[0].name = UNKNOWN_REGISTER_NAME;
}

static bool verify_get_unknown(struct selftest_vp *c, char *detail, size_t size)
{
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(c->command);

	if (!verify_no_error(c, detail, size))
		return false;
	if (req->status != HV_STATUS_UNKNOWN_REGISTER_NAME) {
		sc_snprintf(detail, size,
			    "status %#x, expected HV_STATUS_UNKNOWN_REGISTER_NAME (%#x)",
			    req->status, HV_STATUS_UNKNOWN_REGISTER_NAME);
		return false;
	}
	return true;
}

static void prepare_unknown_command(struct selftest_vp *c)
{
	prepare_command(c, UNKNOWN_COMMAND);
}

static bool verify_unknown_command(struct selftest_vp *c, char *detail, size_t size)
{
	return verify_error_is(c, detail, size, "unknown command 99", false);
}

static void prepare_run_vp(struct selftest_vp *c)
{
	prepare_command(c, SIDECAR_COMMAND_RUN_VP);
}

/* Any answer is right, errors included (there is no VP backend): the
 * point is that RUN_VP plus STOP ends IDLE. */
static bool verify_run_vp(struct selftest_vp *c, char *detail, size_t size)
{
	struct sidecar_command_page *p = c->command;

	if (p->has_error == NOT_TAKEN_MARK && p->error.len == 0) {
		sc_snprintf(detail, size, "has_error still set: the command was not taken");
		return false;
	}
	return true;
}

static void prepare_translate(struct selftest_vp *c)
{
	struct sidecar_translate_gva_request *req = sidecar_request_translate_gva(c->command);

	prepare_command(c, SIDECAR_COMMAND_TRANSLATE_GVA);
	req->gvn = 0x1234;
	req->control_flags = HV_TRANSLATE_GVA_VALIDATE_READ;
}

static bool verify_translate(struct selftest_vp *c, char *detail, size_t size)
{
	return verify_error_is(c, detail, size, "no VP backend", true);
}

static void run_command_groups(void)
{
	static struct group none = {.name = "none"};
	static struct group set_dr = {.name = "set-dr0-dr3"};
	static struct group get_dr = {.name = "get-dr0-dr3"};
	static struct group get_mtrr = {.name = "get-mtrr-def-type"};
	static struct group count_32 = {.name = "get-count-32"};
	static struct group unknown_reg = {.name = "get-unknown-register"};
	static struct group unknown_cmd = {.name = "unknown-command"};
	static struct group run_stop = {.name = "run-vp-stop"};
	static struct group none_again = {.name = "none-after-stop"};
	static struct group translate = {.name = "translate-gva"};

	run_group(&none, prepare_none, verify_no_error, NULL);
	run_group(&set_dr, prepare_set_dr, verify_status_success, NULL);
	run_group(&get_dr, prepare_get_dr, verify_get_dr, NULL);
	run_group(&get_mtrr, prepare_get_mtrr, verify_status_success, NULL);
	run_group(&count_32, prepare_get_count_32, verify_get_count_32, NULL);
	run_group(&unknown_reg, prepare_get_unknown, verify_get_unknown, NULL);
	run_group(&unknown_cmd, prepare_unknown_command, verify_unknown_command, NULL);
	run_group(&run_stop, prepare_run_vp, verify_run_vp, stop_run_vp);
	run_group(&none_again, prepare_none, verify_no_error, NULL);
	/* With a VP backend, translation is checked on real guest page
	 * tables (selftest_guest.c). */
	if (!has_vp_backend())
		run_group(&translate, prepare_translate, verify_translate, NULL);
}

/* ---- boot state ---- */

static struct sidecar_crash_record *crash_record(uint32_t node, uint32_t index)
{
	const struct sidecar_node_params *np = &boot->params->nodes[node];
	uint64_t globals = np->memory_base +
			   sidecar_vp_page_offset(np->vp_count, index, SIDECAR_VP_PAGE_GLOBALS);

	return (struct sidecar_crash_record *)(uintptr_t)(globals + SIDECAR_CRASH_RECORD_OFFSET);
}

static struct sidecar_command_page *command_page(uint32_t node, uint32_t index)
{
	uint64_t pa = boot->params->nodes[node].memory_base + sidecar_command_page_offset(index);

	return (struct sidecar_command_page *)(uintptr_t)pa;
}

static void check_boot_figures(void)
{
	static struct group g = {.name = "boot-figures"};

	if (boot->output_ext)
		check_pass(&g);
	else
		check_fail(&g, NULL, "%s", boot->output_ext_error);
	group_end(&g);
}

/* Collects the sidecar CPUs and checks each is IDLE after boot (the
 * fault-injected one REMOVED, see check_fault_injection). */
static void check_boot_state(void)
{
	static struct group g = {.name = "boot-state"};

	for (uint32_t n = 0; n < boot->plan->node_count; n++) {
		const struct sidecar_plan_node *pn = &boot->plan->nodes[n];
		struct sidecar_control_page *cp = boot->control[n];
		uint32_t vector = SIDECAR_LOAD_RELAXED(&cp->request_vector);
		bool vector_ok = vector >= 32 && vector <= 255;

		if (vector_ok)
			check_pass(&g);
		else
			check_fail(&g, NULL, "node %u: request_vector %u is not a usable vector", n,
				   vector);
		if (sidecar_cpu_status(cp, 0) == SIDECAR_CPU_STATUS_REMOVED)
			check_pass(&g);
		else
			check_fail(&g, NULL, "node %u: base VP %u has status %s, expected REMOVED",
				   n, pn->base_vp, report_status_name(sidecar_cpu_status(cp, 0)));

		for (uint32_t i = 1; i < pn->vp_count; i++) {
			struct selftest_vp *c = &cpus[cpu_count++];
			uint8_t status = sidecar_cpu_status(cp, i);

			*c = (struct selftest_vp){
				.control = cp,
				.command = command_page(n, i),
				.node = n,
				.index = i,
				.vp = pn->base_vp + i,
				.apic_id = boot->topo->cpus[pn->base_vp + i].apic_id,
			};
			if (boot->fault_inject && c->vp == boot->fault_vp)
				continue;
			/* Left to the kernel by the per-CPU overrides: never
			 * started, REMOVED, and not tested. */
			if (!sidecar_plan_sidecar_starts(boot->plan, c->vp)) {
				if (status == SIDECAR_CPU_STATUS_REMOVED)
					check_pass(&g);
				else
					check_fail(&g, c,
						   "status %s after boot, expected REMOVED "
						   "(kernel-started)",
						   report_status_name(status));
				continue;
			}
			if (status == SIDECAR_CPU_STATUS_IDLE) {
				c->active = vector_ok;
				check_pass(&g);
			} else {
				check_fail(&g, c, "status %s after boot, expected IDLE",
					   report_status_name(status));
			}
		}
	}
	group_end(&g);
}

struct crash_wait {
	struct sidecar_control_page *cp;
	uint32_t index;
};

static bool crash_reported(void *ctx)
{
	struct crash_wait *w = ctx;

	return sidecar_cpu_status(w->cp, w->index) == SIDECAR_CPU_STATUS_REMOVED;
}

static void check_fault_injection(void)
{
	static struct group g = {.name = "fault-injection"};
	int node = shim_node_of_vp(boot, boot->fault_vp);
	struct crash_wait w;
	struct sidecar_crash_record *rec;
	uint64_t magic;

	if (node < 0) {
		check_fail(&g, NULL, "VP %u is in no node", boot->fault_vp);
		group_end(&g);
		return;
	}
	w.cp = boot->control[node];
	w.index = boot->fault_vp - boot->plan->nodes[node].base_vp;
	if (!wait_until(crash_reported, &w, CRASH_TIMEOUT_US)) {
		check_fail(&g, NULL, "VP %u: status %s, expected REMOVED after its injected fault",
			   boot->fault_vp, report_status_name(sidecar_cpu_status(w.cp, w.index)));
		group_end(&g);
		return;
	}
	rec = crash_record((uint32_t)node, w.index);
	/* The kernel writes magic last; acquire pairs with that. */
	magic = __atomic_load_n(&rec->magic, __ATOMIC_ACQUIRE);
	if (magic != SIDECAR_CRASH_RECORD_MAGIC) {
		check_fail(&g, NULL, "VP %u: crash record at %#llx has magic %#llx, expected %#llx",
			   boot->fault_vp, ULL((uintptr_t)rec), ULL(magic),
			   ULL(SIDECAR_CRASH_RECORD_MAGIC));
	} else if (rec->vp_index != boot->fault_vp || rec->vector != 14) {
		check_fail(&g, NULL,
			   "VP %u: crash record names VP %u, vector %llu; expected VP %u, "
			   "vector 14 (#PF)",
			   boot->fault_vp, rec->vp_index, ULL(rec->vector), boot->fault_vp);
	} else if (boot->output_ext &&
		   boot->output_ext->vps[boot->fault_vp].result != SIDECAR_VP_BOOT_CRASHED) {
		check_fail(&g, NULL, "VP %u: output_ext says boot result %u, expected %u (crashed)",
			   boot->fault_vp, boot->output_ext->vps[boot->fault_vp].result,
			   SIDECAR_VP_BOOT_CRASHED);
	} else {
		uint32_t len = rec->message_len < sizeof(rec->message) ? rec->message_len
								       : sizeof(rec->message);

		shim_print("selftest:   VP %u crashed as injected: vector %llu, error code %#llx, "
			   "RIP %#llx, CR2 %#llx: \"%.*s\"\n",
			   rec->vp_index, ULL(rec->vector), ULL(rec->error_code), ULL(rec->rip),
			   ULL(rec->cr2), (int)len, (const char *)rec->message);
		check_pass(&g);
	}
	group_end(&g);
}

/* ---- REMOVE ---- */

static bool all_removed(void *ctx)
{
	(void)ctx;
	for (uint32_t i = 0; i < cpu_count; i++) {
		if (cpus[i].pending && status_of(&cpus[i]) == SIDECAR_CPU_STATUS_REMOVE)
			return false;
	}
	return true;
}

/* The last CPU still answering in every node of at least 3 CPUs. */
static void run_remove(void)
{
	static struct group g = {.name = "remove"};
	uint64_t responses_before = responses;

	for (uint32_t i = 0; i < cpu_count; i++)
		cpus[i].pending = false;
	for (uint32_t n = 0; n < boot->plan->node_count; n++) {
		struct selftest_vp *last = NULL;

		if (boot->plan->nodes[n].vp_count < 3)
			continue;
		for (uint32_t i = 0; i < cpu_count; i++) {
			if (cpus[i].node == n && cpus[i].active)
				last = &cpus[i];
		}
		if (!last)
			continue;
		if (!sidecar_cpu_status_transition(last->control, last->index,
						   SIDECAR_CPU_STATUS_IDLE,
						   SIDECAR_CPU_STATUS_REMOVE)) {
			check_fail(&g, last, "status %s before REMOVE, expected IDLE",
				   report_status_name(status_of(last)));
			continue;
		}
		last->active = false;
		last->pending = send_wakeup(&g, last);
	}
	wait_until(all_removed, NULL, ANSWER_TIMEOUT_US);
	for (uint32_t i = 0; i < cpu_count; i++) {
		struct selftest_vp *c = &cpus[i];
		uint8_t status;

		if (!c->pending)
			continue;
		status = status_of(c);
		if (status == SIDECAR_CPU_STATUS_REMOVED) {
			c->removed = true;
			check_pass(&g);
		} else {
			check_fail(&g, c, "status %s after REMOVE, expected REMOVED",
				   report_status_name(status));
		}
	}
	check_aftermath(&g, responses_before);
	group_end(&g);
}

/* A REMOVED CPU is parked: a request (forced, as no driver would send it)
 * must stay untouched. */
static void run_removed_ignores(void)
{
	static struct group g = {.name = "removed-ignores-requests"};
	bool any = false;

	for (uint32_t i = 0; i < cpu_count; i++) {
		struct selftest_vp *c = &cpus[i];

		if (!c->removed)
			continue;
		prepare_command(c, SIDECAR_COMMAND_NONE);
		SIDECAR_STORE_RELEASE(&c->control->cpu_status[c->index],
				      (uint8_t)SIDECAR_CPU_STATUS_RUN);
		send_wakeup(&g, c);
		any = true;
	}
	if (!any) {
		shim_print("selftest: SKIP %s (no CPU was removed)\n", g.name);
		return;
	}
	wait_until(never_done, NULL, IGNORE_WAIT_US);
	for (uint32_t i = 0; i < cpu_count; i++) {
		struct selftest_vp *c = &cpus[i];
		uint8_t status;

		if (!c->removed)
			continue;
		status = status_of(c);
		if (status != SIDECAR_CPU_STATUS_RUN)
			check_fail(&g, c,
				   "status %s after a request to a REMOVED CPU, expected RUN",
				   report_status_name(status));
		else if (c->command->has_error != NOT_TAKEN_MARK)
			check_fail(&g, c, "the REMOVED CPU took the command (has_error cleared)");
		else
			check_pass(&g);
		SIDECAR_STORE_RELEASE(&c->control->cpu_status[c->index],
				      (uint8_t)SIDECAR_CPU_STATUS_REMOVED);
	}
	group_end(&g);
}

/* The refusals of broken inputs, run before the real sidecar_entry(). */
static void check_bad_params(void)
{
	struct group g = {
		.name = "bad-params", .ok = boot->bad_params_ok, .bad = boot->bad_params_bad};

	memcpy(g.first, boot->bad_params_first, sizeof(g.first));
	group_end(&g);
}

bool selftest_run(struct shim_boot *b)
{
	boot = b;
	shim_print("\n== self-test\n");
	selftest_setup_interrupts();
	check_bad_params();
	check_boot_figures();
	check_boot_state();
	if (b->fault_inject)
		check_fault_injection();
	run_command_groups();
	if (has_vp_backend())
		selftest_guest_run();
	run_remove();
	run_removed_ignores();
	return selftest_finish();
}
