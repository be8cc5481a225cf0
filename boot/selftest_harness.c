// SPDX-License-Identifier: MIT
/*
 * The self-test's harness (the cases: selftest.c, selftest_guest.c). It
 * drives the sidecar CPUs exactly as the Linux driver and a
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
#include <stdarg.h>
#include <string.h>

#include "apic.h"
#include "exit.h"
#include "report.h"
#include "selftest.h"
#include "selftest_harness.h"
#include "serial.h"
#include "trap.h"
#include "tsc.h"
#include "x86.h"

#define TICK_US 1000u
/* After the last status change: the attention flag and the response IPI
 * follow it closely. */
#define AFTERMATH_TIMEOUT_US 500000u
/* Failures printed per group; the rest are counted. */
#define DETAILS_PER_GROUP 8u

struct shim_boot *boot;
struct selftest_vp cpus[SIDECAR_PLAN_MAX_CPUS];
uint32_t cpu_count;
static uint32_t total_passed, total_failed;

volatile uint64_t responses; /* response IPIs received */
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

void check_fail(struct group *g, const struct selftest_vp *c, const char *fmt, ...)
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

bool never_done(void *ctx)
{
	(void)ctx;
	return false;
}

uint8_t status_of(const struct selftest_vp *c)
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
void check_aftermath(struct group *g, uint64_t responses_before)
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

bool send_wakeup(struct group *g, struct selftest_vp *c)
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
		struct selftest_vp *c = &cpus[i];

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
		struct selftest_vp *c = &cpus[i];
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

void prepare_command(struct selftest_vp *c, uint32_t command)
{
	struct sidecar_command_page *p = c->command;

	memset(p->request_data, 0, sizeof(p->request_data));
	p->error.len = 0;
	p->has_error = NOT_TAKEN_MARK;
	p->command = command;
}

struct sidecar_get_set_vp_register_request *prepare_registers(struct selftest_vp *c,
							      uint32_t command, uint16_t count)
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

bool verify_no_error(struct selftest_vp *c, char *detail, size_t size)
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

bool verify_status_success(struct selftest_vp *c, char *detail, size_t size)
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

bool verify_error_is(struct selftest_vp *c, char *detail, size_t size, const char *want,
		     bool prefix)
{
	struct sidecar_command_page *p = c->command;

	if (error_matches(p, want, prefix))
		return true;
	sc_snprintf(detail, size, "has_error %u, error \"%.*s\"; expected %s\"%s\"", p->has_error,
		    error_len(p), error_text(p), prefix ? "an error starting with " : "", want);
	return false;
}

/* RUN -> STOP right behind the request, as the driver does to cancel; the
 * CPU may already be IDLE again, then there is nothing to stop. */
void stop_run_vp(struct group *g, struct selftest_vp *c)
{
	if (sidecar_cpu_status_transition(c->control, c->index, SIDECAR_CPU_STATUS_RUN,
					  SIDECAR_CPU_STATUS_STOP))
		send_wakeup(g, c);
}

bool has_vp_backend(void)
{
	return boot->output_ext && (boot->output_ext->flags & SIDECAR_OUTPUT_EXT_SVM);
}

/* ---- setup ---- */

void selftest_setup_interrupts(void)
{
	char why[160];

	trap_set_handler(SELFTEST_RESPONSE_VECTOR, on_response);
	trap_set_handler(SELFTEST_TICK_VECTOR, on_tick);
	trap_set_handler(APIC_SPURIOUS_VECTOR, on_spurious);
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

/* The groups every other group feeds, the stray-interrupt check and the
 * totals; stops the tick. */
bool selftest_finish(void)
{
	static struct group stray = {.name = "no-stray-interrupts"};

	group_end(&attention_group);
	shim_print("selftest:   %llu response IPIs received, %llu timer ticks\n", ULL(responses),
		   ULL(ticks));
	group_end(&ipi_group);
	if (trap_unexpected_count() == 0)
		check_pass(&stray);
	else
		check_fail(&stray, NULL, "%llu interrupts on vectors the shim does not use",
			   ULL(trap_unexpected_count()));
	group_end(&stray);
	apic_timer_stop();

	shim_print("SIDECAR-SELFTEST: %u passed, %u failed\n", total_passed, total_failed);
	return total_failed == 0;
}
