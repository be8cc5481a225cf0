// SPDX-License-Identifier: MIT
/*
 * The self-test drives the sidecar CPUs exactly as the Linux driver and a
 * VMM would (docs/abi.md): while a CPU is IDLE the shim owns its command
 * page and writes a request; the IDLE -> RUN compare-exchange (release)
 * publishes it; a fixed IPI with the node's request_vector wakes the CPU;
 * the CPU answers in the command page, publishes IDLE (release), raises
 * needs_attention and sends a response IPI to response_cpu. The shim waits
 * for that with STI;HLT, woken by the response IPIs and by a 1 ms APIC
 * timer tick that bounds every wait with a TSC deadline.
 *
 * Each group sends its request to every CPU under test before waiting for
 * any answer, so the CPUs of all nodes run concurrently. A CPU that fails
 * to answer (or ends in a state other than IDLE) is left out of the later
 * groups; one that answers wrongly stays in.
 */
#include <sidecar/control_ops.h>
#include <sidecar/vp_pages.h>
#include <stdarg.h>
#include <string.h>

#include "apic.h"
#include "exit.h"
#include "idt.h"
#include "report.h"
#include "selftest.h"
#include "selftest_internal.h"
#include "serial.h"
#include "tsc.h"
#include "x86.h"

#define TICK_US 1000u
/* TCG with many vCPUs on few host cores can take a while to schedule a
 * vCPU; a correct CPU answers in microseconds on hardware. */
#define ANSWER_TIMEOUT_US 10000000u
/* After the last status change: the attention flag and the response IPI
 * follow it closely. */
#define AFTERMATH_TIMEOUT_US 500000u
/* How long a REMOVED CPU gets to (wrongly) take a request. */
#define IGNORE_WAIT_US 20000u
/* How long the fault-injected CPU may still take to report its crash. */
#define CRASH_TIMEOUT_US 5000000u
/* Failures printed per group; the rest are counted. */
#define DETAILS_PER_GROUP 8u

#define UNKNOWN_REGISTER_NAME 0x00ABCDEFu
#define UNKNOWN_COMMAND	      99u

#define ULL(x) ((unsigned long long)(x))

struct shim_boot *boot;
struct st_cpu cpus[SIDECAR_PLAN_MAX_CPUS];
uint32_t cpu_count;
static uint32_t total_passed, total_failed;

static volatile uint64_t responses; /* response IPIs received */
static volatile uint64_t ticks;

/* The aftermath of each group: response IPIs and needs_attention. */
static struct group ipi_group = {.name = "response-ipi"};
static struct group attention_group = {.name = "needs-attention"};

static void on_response(uint8_t vector)
{
	(void)vector;
	responses++;
	apic_eoi();
}

static void on_tick(uint8_t vector)
{
	(void)vector;
	ticks++;
	apic_eoi();
}

/* SDM Vol. 3A 11.9: a spurious interrupt takes no EOI. */
static void on_spurious(uint8_t vector)
{
	(void)vector;
}

/* ---- reporting ---- */

void check_pass(struct group *g)
{
	g->ok++;
}

void check_fail(struct group *g, const struct st_cpu *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void check_fail(struct group *g, const struct st_cpu *c, const char *fmt, ...)
{
	char detail[sizeof(g->first)];
	size_t used = 0;
	va_list ap;

	if (g->bad++ >= DETAILS_PER_GROUP)
		return;
	if (c)
		used = sc_snprintf(detail, sizeof(detail),
				   "CPU VP %u (node %u, index %u, APIC ID %u): ", c->vp, c->node,
				   c->index, c->apic_id);
	va_start(ap, fmt);
	if (used < sizeof(detail))
		sc_vsnprintf(detail + used, sizeof(detail) - used, fmt, ap);
	va_end(ap);
	shim_print("selftest:   %s: %s\n", g->name, detail);
	if (g->bad == 1)
		memcpy(g->first, detail, sizeof(detail));
}

void group_end(struct group *g)
{
	total_passed += g->ok;
	total_failed += g->bad;
	if (g->ok + g->bad == 0) {
		shim_print("selftest: SKIP %s (nothing to check)\n", g->name);
	} else if (g->bad) {
		if (g->bad > DETAILS_PER_GROUP)
			shim_print("selftest:   %s: ... and %u more failures\n", g->name,
				   g->bad - DETAILS_PER_GROUP);
		shim_print("selftest: FAIL %s: %u of %u checks failed; first: %s\n", g->name,
			   g->bad, g->ok + g->bad, g->first);
	} else {
		shim_print("selftest: PASS %s (%u check%s)\n", g->name, g->ok,
			   g->ok == 1 ? "" : "s");
	}
}

/* ---- waiting ---- */

/* Waits with STI;HLT until done(ctx) or the timeout; returns done(ctx). */
bool wait_until(bool (*done)(void *), void *ctx, uint64_t timeout_us)
{
	uint64_t deadline = rdtsc() + tsc_us_to_ticks(timeout_us);

	while (!done(ctx)) {
		if (rdtsc() >= deadline)
			return done(ctx);
		irq_wait();
	}
	return true;
}

static bool never(void *ctx)
{
	(void)ctx;
	return false;
}

uint8_t status_of(const struct st_cpu *c)
{
	return sidecar_cpu_status(c->control, c->index);
}

static bool busy(uint8_t status)
{
	return status == SIDECAR_CPU_STATUS_RUN || status == SIDECAR_CPU_STATUS_STOP ||
	       status == SIDECAR_CPU_STATUS_REMOVE;
}

static bool all_answered(void *ctx)
{
	(void)ctx;
	for (uint32_t i = 0; i < cpu_count; i++) {
		if (cpus[i].pending && busy(status_of(&cpus[i])))
			return false;
	}
	return true;
}

struct aftermath {
	uint64_t responses_before;
	bool node_involved[SIDECAR_MAX_NODES];
};

static bool aftermath_done(void *ctx)
{
	struct aftermath *a = ctx;

	if (responses == a->responses_before)
		return false;
	for (uint32_t n = 0; n < boot->plan->node_count; n++) {
		if (a->node_involved[n] &&
		    SIDECAR_LOAD_RELAXED(&boot->control[n]->needs_attention) == 0)
			return false;
	}
	return true;
}

/* After a group's answers: every node that answered must have raised
 * needs_attention, and at least one response IPI must have arrived (IPIs
 * of one vector that arrive together merge in the IRR, so there is no
 * count to expect; SDM Vol. 3A 11.8.4). */
static void check_aftermath(struct group *g, uint64_t responses_before)
{
	struct aftermath a = {.responses_before = responses_before};
	bool any = false;

	for (uint32_t i = 0; i < cpu_count; i++) {
		if (cpus[i].pending) {
			a.node_involved[cpus[i].node] = true;
			any = true;
		}
	}
	if (!any)
		return;
	wait_until(aftermath_done, &a, AFTERMATH_TIMEOUT_US);
	if (responses != responses_before)
		check_pass(&ipi_group);
	else
		check_fail(&ipi_group, NULL, "no response IPI (vector %#x) after %s",
			   SELFTEST_RESPONSE_VECTOR, g->name);
	for (uint32_t n = 0; n < boot->plan->node_count; n++) {
		if (!a.node_involved[n])
			continue;
		if (sidecar_take_attention(boot->control[n]))
			check_pass(&attention_group);
		else
			check_fail(&attention_group, NULL,
				   "node %u: needs_attention not set after %s", n, g->name);
	}
}

/* ---- requests ---- */

bool send_wakeup(struct group *g, struct st_cpu *c)
{
	uint32_t vector = SIDECAR_LOAD_RELAXED(&c->control->request_vector);

	if (!apic_send_ipi(c->apic_id, (uint8_t)vector)) {
		check_fail(g, c, "cannot send the request IPI (vector %u)", vector);
		return false;
	}
	return true;
}

/*
 * Sends prepare()'s request to every active CPU, waits for all answers,
 * and verifies each.
 */
void run_group(struct group *g, prepare_fn prepare, verify_fn verify, post_send_fn post)
{
	uint64_t responses_before = responses;
	char detail[200];

	for (uint32_t i = 0; i < cpu_count; i++) {
		struct st_cpu *c = &cpus[i];

		c->pending = false;
		if (!c->active)
			continue;
		prepare(c);
		if (!sidecar_cpu_status_transition(c->control, c->index, SIDECAR_CPU_STATUS_IDLE,
						   SIDECAR_CPU_STATUS_RUN)) {
			check_fail(g, c, "status %s before the request, expected IDLE",
				   report_status_name(status_of(c)));
			c->active = false;
			continue;
		}
		if (!send_wakeup(g, c)) {
			c->active = false;
			continue;
		}
		c->pending = true;
		if (post)
			post(g, c);
	}

	wait_until(all_answered, NULL, ANSWER_TIMEOUT_US);

	for (uint32_t i = 0; i < cpu_count; i++) {
		struct st_cpu *c = &cpus[i];
		uint8_t status;

		if (!c->pending || !c->active)
			continue;
		status = status_of(c);
		if (status != SIDECAR_CPU_STATUS_IDLE) {
			check_fail(g, c, "status %s %s, expected IDLE", report_status_name(status),
				   busy(status) ? "after 10 s" : "after the command");
			c->active = false;
			c->pending = false;
			continue;
		}
		detail[0] = '\0';
		if (verify(c, detail, sizeof(detail)))
			check_pass(g);
		else
			check_fail(g, c, "%s", detail);
	}
	check_aftermath(g, responses_before);
	if (!g->accumulate)
		group_end(g);
}

void prepare_command(struct st_cpu *c, uint32_t command)
{
	struct sidecar_command_page *p = c->command;

	memset(p->request_data, 0, sizeof(p->request_data));
	p->error.len = 0;
	p->has_error = NOT_TAKEN_MARK;
	p->command = command;
}

struct sidecar_get_set_vp_register_request *prepare_registers(struct st_cpu *c, uint32_t command,
							      uint16_t count)
{
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(c->command);

	prepare_command(c, command);
	req->count = count;
	req->target_vtl = HV_INPUT_VTL_CURRENT;
	/* Not a valid HV_STATUS: shows whether the CPU wrote one. */
	req->status = 0xFFFF;
	return req;
}

/* The error of the last command, as "len bytes" for %.*s. */
int error_len(const struct sidecar_command_page *p)
{
	return p->error.len;
}

const char *error_text(const struct sidecar_command_page *p)
{
	return (const char *)p->error.buf;
}

static bool error_matches(const struct sidecar_command_page *p, const char *want, bool prefix)
{
	size_t n = strlen(want);

	if (!p->has_error || (prefix ? p->error.len < n : p->error.len != n))
		return false;
	return memcmp(p->error.buf, want, n) == 0;
}

bool verify_no_error(struct st_cpu *c, char *detail, size_t size)
{
	struct sidecar_command_page *p = c->command;

	if (p->has_error == NOT_TAKEN_MARK && p->error.len == 0) {
		sc_snprintf(detail, size, "has_error still set: the command was not taken");
		return false;
	}
	if (p->has_error) {
		sc_snprintf(detail, size, "has_error %u: \"%.*s\"", p->has_error, error_len(p),
			    error_text(p));
		return false;
	}
	if (p->command != SIDECAR_COMMAND_NONE) {
		sc_snprintf(detail, size, "command is %u after the answer, expected NONE",
			    p->command);
		return false;
	}
	return true;
}

/* NONE */
static void prepare_none(struct st_cpu *c)
{
	prepare_command(c, SIDECAR_COMMAND_NONE);
}

/* DR0-DR3: canonical addresses distinct per CPU and register. */
static uint64_t dr_value(uint32_t vp, uint32_t n)
{
	return 0x0000700000000000ull | ((uint64_t)vp << 16) | ((uint64_t)(n + 1) << 4);
}

static void prepare_set_dr(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 4);

	for (uint32_t n = 0; n < 4; n++) {
		req->regs[n].name = HV_X64_REGISTER_DR0 + n;
		req->regs[n].value.reg64 = dr_value(c->vp, n);
	}
}

bool verify_status_success(struct st_cpu *c, char *detail, size_t size)
{
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(c->command);

	if (!verify_no_error(c, detail, size))
		return false;
	if (req->status != HV_STATUS_SUCCESS) {
		sc_snprintf(detail, size, "status %#x, expected HV_STATUS_SUCCESS", req->status);
		return false;
	}
	return true;
}

static void prepare_get_dr(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 4);

	for (uint32_t n = 0; n < 4; n++)
		req->regs[n].name = HV_X64_REGISTER_DR0 + n;
}

static bool verify_get_dr(struct st_cpu *c, char *detail, size_t size)
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

static void prepare_get_mtrr(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 1);

	req->regs[0].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
}

static void prepare_get_count_32(struct st_cpu *c)
{
	prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS,
			  SIDECAR_MAX_GET_SET_VP_REGISTERS + 1);
}

bool verify_error_is(struct st_cpu *c, char *detail, size_t size, const char *want, bool prefix)
{
	struct sidecar_command_page *p = c->command;

	if (error_matches(p, want, prefix))
		return true;
	sc_snprintf(detail, size, "has_error %u, error \"%.*s\"; expected %s\"%s\"", p->has_error,
		    error_len(p), error_text(p), prefix ? "an error starting with " : "", want);
	return false;
}

static bool verify_get_count_32(struct st_cpu *c, char *detail, size_t size)
{
	return verify_error_is(c, detail, size, "invalid register count: 32 (at most 31)", false);
}

static void prepare_get_unknown(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 1);

	req->regs[0].name = UNKNOWN_REGISTER_NAME;
}

static bool verify_get_unknown(struct st_cpu *c, char *detail, size_t size)
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

static void prepare_unknown_command(struct st_cpu *c)
{
	prepare_command(c, UNKNOWN_COMMAND);
}

static bool verify_unknown_command(struct st_cpu *c, char *detail, size_t size)
{
	return verify_error_is(c, detail, size, "unknown command 99", false);
}

static void prepare_run_vp(struct st_cpu *c)
{
	prepare_command(c, SIDECAR_COMMAND_RUN_VP);
}

/* RUN -> STOP right behind the request, as the driver does to cancel; the
 * CPU may already be IDLE again, then there is nothing to stop. */
void stop_run_vp(struct group *g, struct st_cpu *c)
{
	if (sidecar_cpu_status_transition(c->control, c->index, SIDECAR_CPU_STATUS_RUN,
					  SIDECAR_CPU_STATUS_STOP))
		send_wakeup(g, c);
}

/* Any answer is right, errors included (there is no VP backend): the
 * point is that RUN_VP plus STOP ends IDLE. */
static bool verify_run_vp(struct st_cpu *c, char *detail, size_t size)
{
	struct sidecar_command_page *p = c->command;

	if (p->has_error == NOT_TAKEN_MARK && p->error.len == 0) {
		sc_snprintf(detail, size, "has_error still set: the command was not taken");
		return false;
	}
	return true;
}

static void prepare_translate(struct st_cpu *c)
{
	struct sidecar_translate_gva_request *req = sidecar_request_translate_gva(c->command);

	prepare_command(c, SIDECAR_COMMAND_TRANSLATE_GVA);
	req->gvn = 0x1234;
	req->control_flags = HV_TRANSLATE_GVA_VALIDATE_READ;
}

static bool verify_translate(struct st_cpu *c, char *detail, size_t size)
{
	return verify_error_is(c, detail, size, "no VP backend", true);
}

bool has_vp_backend(void)
{
	return boot->output_ext && (boot->output_ext->flags & SIDECAR_OUTPUT_EXT_SVM);
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
			struct st_cpu *c = &cpus[cpu_count++];
			uint8_t status = sidecar_cpu_status(cp, i);

			*c = (struct st_cpu){
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
		struct st_cpu *last = NULL;

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
		struct st_cpu *c = &cpus[i];
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
		struct st_cpu *c = &cpus[i];

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
	wait_until(never, NULL, IGNORE_WAIT_US);
	for (uint32_t i = 0; i < cpu_count; i++) {
		struct st_cpu *c = &cpus[i];
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

/* ---- setup ---- */

static void setup_interrupts(void)
{
	char why[160];

	idt_set_handler(SELFTEST_RESPONSE_VECTOR, on_response);
	idt_set_handler(SELFTEST_TICK_VECTOR, on_tick);
	idt_set_handler(APIC_SPURIOUS_VECTOR, on_spurious);
	if (!apic_init(why, sizeof(why)))
		shim_boot_error("self-test: %s", why);
	boot->bsp_apic_id = apic_id();
	shim_print("selftest: BSP local APIC in %s mode, APIC ID %u; response vector %#x\n",
		   apic_is_x2apic() ? "x2APIC" : "xAPIC", boot->bsp_apic_id,
		   SELFTEST_RESPONSE_VECTOR);
	/* control_page.h: the vector goes to 0 while both fields change. */
	for (uint32_t n = 0; n < boot->plan->node_count; n++) {
		struct sidecar_control_page *cp = boot->control[n];

		SIDECAR_STORE_RELAXED(&cp->response_vector, 0u);
		SIDECAR_STORE_RELAXED(&cp->response_cpu, boot->bsp_apic_id);
		SIDECAR_STORE_RELEASE(&cp->response_vector, SELFTEST_RESPONSE_VECTOR);
		/* Attention raised at boot is not the test's. */
		sidecar_take_attention(cp);
	}
	apic_timer_start(SELFTEST_TICK_VECTOR, TICK_US);
}

bool selftest_run(struct shim_boot *b)
{
	static struct group stray = {.name = "no-stray-interrupts"};

	boot = b;
	shim_print("\n== self-test\n");
	setup_interrupts();
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
	group_end(&attention_group);
	shim_print("selftest:   %llu response IPIs received, %llu timer ticks\n", ULL(responses),
		   ULL(ticks));
	group_end(&ipi_group);
	if (idt_unexpected_count() == 0)
		check_pass(&stray);
	else
		check_fail(&stray, NULL, "%llu interrupts on vectors the shim does not use",
			   ULL(idt_unexpected_count()));
	group_end(&stray);
	apic_timer_stop();

	shim_print("SIDECAR-SELFTEST: %u passed, %u failed\n", total_passed, total_failed);
	return total_failed == 0;
}
