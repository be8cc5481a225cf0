// SPDX-License-Identifier: MIT
/*
 * The dispatch state machine and the command handlers of the sidecar core,
 * run in user space over the hosted platform: one thread per sidecar CPU,
 * the test thread as the host (doing what the driver does: write the
 * command page, IDLE->RUN, request IPI, wait for the response IPI).
 */
#include <criterion/criterion.h>
#include <sidecar/control_ops.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk_commands.h"
#include "sk_dispatch.h"
#include "sk_local_registers.h"
#include "sk_hosted.h"

#define MAX_CPUS	8
#define TIMEOUT_MS	10000
#define RESPONSE_APIC	0x42
#define RESPONSE_VECTOR 0xF3

struct node {
	struct sidecar_control_page control;
	struct sidecar_command_page pages[MAX_CPUS];
	struct sk_hosted_host host;
	struct sk_hosted_cpu cpus[MAX_CPUS];
	uint32_t count;
};

static struct node *node;

static uint8_t status_of(uint32_t i)
{
	return sidecar_cpu_status(&node->control, i);
}

/* Boots `count` CPUs (index 0 is the base VP, left to "Linux"). */
static void boot(uint32_t count)
{
	node = aligned_alloc(SIDECAR_PAGE_SIZE, sizeof(*node));
	cr_assert_not_null(node);
	memset(node, 0, sizeof(*node));
	node->count = count;
	sk_hosted_host_init(&node->host);
	node->control.cpu_count = count;
	node->control.response_cpu = RESPONSE_APIC;
	node->control.response_vector = RESPONSE_VECTOR;
	for (uint32_t i = 1; i < count; i++) {
		memset(&node->pages[i], 0xAA, sizeof(node->pages[i]));
		sidecar_cpu_status_publish(&node->control, i, SIDECAR_CPU_STATUS_RUN);
		sk_hosted_cpu_init(&node->cpus[i], &node->host, &node->control, &node->pages[i], i,
				   100 + i);
		sk_hosted_cpu_start(&node->cpus[i]);
	}
	/* As the BSP does: wait until no CPU is still RUN. */
	for (uint32_t i = 1; i < count; i++) {
		struct timespec start, now;

		clock_gettime(CLOCK_MONOTONIC, &start);
		while (status_of(i) == SIDECAR_CPU_STATUS_RUN) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			cr_assert_lt(now.tv_sec - start.tv_sec, 10, "CPU %u never announced", i);
		}
	}
}

/* Removes every CPU still in the sidecar and joins the threads. */
static void shutdown(void)
{
	if (!node)
		return;
	for (uint32_t i = 1; i < node->count; i++) {
		if (sidecar_cpu_status_transition(&node->control, i, SIDECAR_CPU_STATUS_IDLE,
						  SIDECAR_CPU_STATUS_REMOVE))
			sk_hosted_kick(&node->cpus[i]);
	}
	for (uint32_t i = 1; i < node->count; i++) {
		sk_hosted_cpu_join(&node->cpus[i]);
		sk_hosted_cpu_destroy(&node->cpus[i]);
	}
	sk_hosted_host_destroy(&node->host);
	free(node);
	node = NULL;
}

TestSuite(dispatch, .fini = shutdown, .timeout = 60);

/* Waits (on the response doorbell, not by polling) until CPU i leaves
 * `busy`; returns its new status. */
static uint8_t wait_not(uint32_t i, uint8_t busy)
{
	uint64_t seen = 0;
	uint8_t s;

	while ((s = status_of(i)) == busy) {
		uint64_t n = sk_hosted_host_wait(&node->host, seen, TIMEOUT_MS);

		cr_assert_neq(n, seen, "no response IPI from CPU %u (status %u)", i, status_of(i));
		seen = n;
	}
	return s;
}

/* Runs the command already written into CPU i's page; asserts it completes. */
static struct sidecar_command_page *run(uint32_t i)
{
	cr_assert(sidecar_cpu_status_transition(&node->control, i, SIDECAR_CPU_STATUS_IDLE,
						SIDECAR_CPU_STATUS_RUN),
		  "CPU %u not IDLE", i);
	sk_hosted_kick(&node->cpus[i]);
	cr_assert_eq(wait_not(i, SIDECAR_CPU_STATUS_RUN), SIDECAR_CPU_STATUS_IDLE);
	return &node->pages[i];
}

static struct sidecar_command_page *command(uint32_t i, uint32_t cmd)
{
	node->pages[i].command = cmd;
	return run(i);
}

static void expect_error_prefix(const struct sidecar_command_page *cp, const char *prefix)
{
	cr_expect_eq(cp->has_error, 1);
	cr_expect_geq(cp->error.len, strlen(prefix));
	cr_expect_eq(memcmp(cp->error.buf, prefix, strlen(prefix)), 0, "error '%.*s'",
		     cp->error.len, (const char *)cp->error.buf);
}

/* Times CPU i halted; read under the platform's lock, so everything the CPU
 * did before halting is visible afterwards. */
static uint64_t halts(uint32_t i)
{
	uint64_t n;

	pthread_mutex_lock(&node->cpus[i].lock);
	n = node->cpus[i].waits;
	pthread_mutex_unlock(&node->cpus[i].lock);
	return n;
}

static void wait_halts(uint32_t i, uint64_t n)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (halts(i) < n) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		cr_assert_lt(now.tv_sec - start.tv_sec, 10, "CPU %u did not halt again", i);
	}
}

static uint64_t response_ipis(void)
{
	return sk_hosted_host_wait(&node->host, UINT64_MAX - 1, 0);
}

static void expect_error(const struct sidecar_command_page *cp, const char *text)
{
	cr_expect_eq(cp->has_error, 1);
	cr_expect_eq(cp->error.len, strlen(text), "error '%.*s'", cp->error.len,
		     (const char *)cp->error.buf);
	cr_expect_eq(memcmp(cp->error.buf, text, strlen(text)), 0, "error '%.*s'", cp->error.len,
		     (const char *)cp->error.buf);
}

/* Fills a GET/SET request. */
static struct sidecar_get_set_vp_register_request *regs(uint32_t i, uint16_t count)
{
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(&node->pages[i]);

	memset(req, 0, SIDECAR_REQUEST_DATA_SIZE);
	req->count = count;
	req->status = 0xFFFF;
	return req;
}

Test(dispatch, announce_zeroes_pages_and_goes_idle)
{
	static const struct sidecar_command_page zero;

	boot(3);
	cr_expect_eq(status_of(0), SIDECAR_CPU_STATUS_REMOVED, "base VP untouched");
	for (uint32_t i = 1; i < 3; i++) {
		cr_expect_eq(status_of(i), SIDECAR_CPU_STATUS_IDLE);
		cr_expect_eq(memcmp(&node->pages[i], &zero, sizeof(zero)), 0);
	}
}

Test(dispatch, none_round_trip_raises_attention_and_ipi)
{
	struct sidecar_command_page *cp;
	uint32_t apic_id;
	uint8_t vector;

	boot(2);
	cr_expect_eq(sidecar_take_attention(&node->control), 0);
	node->pages[1].has_error = 1;
	cp = command(1, SIDECAR_COMMAND_NONE);
	cr_expect_eq(cp->has_error, 0, "has_error cleared when the command is taken");
	cr_expect_eq(cp->command, SIDECAR_COMMAND_NONE);
	cr_expect_eq(sidecar_take_attention(&node->control), 1);
	/* The status goes IDLE before the IPI is sent: wait for the IPI. */
	cr_assert_eq(sk_hosted_host_wait(&node->host, 0, TIMEOUT_MS), 1);
	sk_hosted_host_last_ipi(&node->host, &apic_id, &vector);
	cr_expect_eq(apic_id, RESPONSE_APIC);
	cr_expect_eq(vector, RESPONSE_VECTOR);
	cr_expect_eq(node->cpus[1].vp.commands, 1);
}

Test(dispatch, no_ipi_without_response_vector)
{
	boot(2);
	SIDECAR_STORE_RELAXED(&node->control.response_vector, 0u);
	node->pages[1].command = SIDECAR_COMMAND_NONE;
	cr_assert(sidecar_cpu_status_transition(&node->control, 1, SIDECAR_CPU_STATUS_IDLE,
						SIDECAR_CPU_STATUS_RUN));
	sk_hosted_kick(&node->cpus[1]);
	while (!sidecar_take_attention(&node->control))
		;
	cr_expect_eq(status_of(1), SIDECAR_CPU_STATUS_IDLE);
	wait_halts(1, 2);
	cr_expect_eq(response_ipis(), 0, "polling is the only way to notice without a vector");
}

Test(dispatch, invalid_response_vector_is_not_sent)
{
	boot(2);
	SIDECAR_STORE_RELAXED(&node->control.response_vector, 5u);
	node->pages[1].command = SIDECAR_COMMAND_NONE;
	cr_assert(sidecar_cpu_status_transition(&node->control, 1, SIDECAR_CPU_STATUS_IDLE,
						SIDECAR_CPU_STATUS_RUN));
	sk_hosted_kick(&node->cpus[1]);
	wait_halts(1, 2);
	cr_expect_eq(sidecar_take_attention(&node->control), 1);
	cr_expect_eq(response_ipis(), 0);
	cr_expect_str_eq(node->cpus[1].last_log, "ignoring invalid response vector 5");
}

Test(dispatch, debug_registers_round_trip)
{
	static const hv_register_name_t names[] = {HV_X64_REGISTER_DR0, HV_X64_REGISTER_DR1,
						   HV_X64_REGISTER_DR2, HV_X64_REGISTER_DR3,
						   HV_X64_REGISTER_DR6};
	struct sidecar_get_set_vp_register_request *req;

	boot(3);
	for (uint32_t cpu = 1; cpu < 3; cpu++) {
		req = regs(cpu, 5);
		for (int i = 0; i < 5; i++) {
			req->regs[i].name = names[i];
			req->regs[i].value.reg64 = i == 4 ? 0xFFFF0FF0u : 0x1000ull * cpu + i;
		}
		cr_expect_eq(command(cpu, SIDECAR_COMMAND_SET_VP_REGISTERS)->has_error, 0);
		cr_expect_eq(req->status, HV_STATUS_SUCCESS);
	}
	for (uint32_t cpu = 1; cpu < 3; cpu++) {
		req = regs(cpu, 5);
		for (int i = 0; i < 5; i++)
			req->regs[i].name = names[i];
		cr_expect_eq(command(cpu, SIDECAR_COMMAND_GET_VP_REGISTERS)->has_error, 0);
		cr_expect_eq(req->status, HV_STATUS_SUCCESS);
		for (int i = 0; i < 4; i++)
			cr_expect_eq(req->regs[i].value.reg64, 0x1000ull * cpu + i, "CPU %u DR%d",
				     cpu, i);
		cr_expect_eq(req->regs[4].value.reg64, 0xFFFF0FF0u);
		cr_expect_eq(req->regs[4].value.reg128.high, 0);
	}
}

Test(dispatch, bad_register_values_give_status)
{
	struct sidecar_get_set_vp_register_request *req;

	boot(2);
	req = regs(1, 2);
	req->regs[0].name = HV_X64_REGISTER_DR6;
	req->regs[0].value.reg64 = 1ull << 40;
	req->regs[1].name = HV_X64_REGISTER_DR0;
	req->regs[1].value.reg64 = 0x1234;
	cr_expect_eq(command(1, SIDECAR_COMMAND_SET_VP_REGISTERS)->has_error, 0);
	cr_expect_eq(req->status, HV_STATUS_INVALID_REGISTER_VALUE);
	cr_expect_eq(node->cpus[1].dr[0], 0, "processing stops at the first failure");
}

Test(dispatch, mtrrs)
{
	struct sidecar_get_set_vp_register_request *req;

	boot(2);
	/* Valid writes: default type WB with MTRRs enabled, one variable pair,
	 * a fixed range. */
	req = regs(1, 4);
	req->regs[0].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
	req->regs[0].value.reg64 = 0xC06;
	req->regs[1].name = HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 3;
	req->regs[1].value.reg64 = 0x80000000 | 0;
	req->regs[2].name = HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + 3;
	req->regs[2].value.reg64 = 0xFF80000800ull;
	req->regs[3].name = HV_X64_REGISTER_MSR_MTRR_FIX4K_E8000;
	req->regs[3].value.reg64 = 0x0606060606060606ull;
	command(1, SIDECAR_COMMAND_SET_VP_REGISTERS);
	cr_expect_eq(req->status, HV_STATUS_SUCCESS);

	req = regs(1, 5);
	req->regs[0].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
	req->regs[1].name = HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 3;
	req->regs[2].name = HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + 3;
	req->regs[3].name = HV_X64_REGISTER_MSR_MTRR_FIX4K_E8000;
	req->regs[4].name = HV_X64_REGISTER_MSR_MTRR_CAP;
	command(1, SIDECAR_COMMAND_GET_VP_REGISTERS);
	cr_expect_eq(req->status, HV_STATUS_SUCCESS);
	cr_expect_eq(req->regs[0].value.reg64, 0xC06);
	cr_expect_eq(req->regs[1].value.reg64, 0x80000000);
	cr_expect_eq(req->regs[2].value.reg64, 0xFF80000800ull);
	cr_expect_eq(req->regs[3].value.reg64, 0x0606060606060606ull);
	cr_expect_eq(req->regs[4].value.reg64, 0x508);

	/* The MSR numbers behind the Hyper-V names. */
	cr_expect_eq(sk_local_register_msr(HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 3), 0x206);
	cr_expect_eq(sk_local_register_msr(HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + 3), 0x207);
	cr_expect_eq(sk_local_register_msr(HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000), 0x268);
	cr_expect_eq(sk_local_register_msr(HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000), 0x26F);
	cr_expect_eq(sk_local_register_msr(HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 8), 0);
	cr_expect_eq(sk_local_register_msr(HV_X64_REGISTER_RAX), 0);

	/* An invalid memory type would #GP on hardware: a status, no crash. */
	req = regs(1, 1);
	req->regs[0].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
	req->regs[0].value.reg64 = 0xC02;
	command(1, SIDECAR_COMMAND_SET_VP_REGISTERS);
	cr_expect_eq(req->status, HV_STATUS_INVALID_REGISTER_VALUE);
	cr_expect_eq(node->cpus[1].msr_faults, 1);

	req = regs(1, 1);
	req->regs[0].name = HV_X64_REGISTER_MSR_MTRR_CAP;
	req->regs[0].value.reg64 = 0;
	command(1, SIDECAR_COMMAND_SET_VP_REGISTERS);
	cr_expect_eq(req->status, HV_STATUS_ACCESS_DENIED, "MTRRCAP is read-only");
}

Test(dispatch, register_count_bounds)
{
	struct sidecar_get_set_vp_register_request *req;

	boot(2);
	req = regs(1, SIDECAR_MAX_GET_SET_VP_REGISTERS);
	for (unsigned int i = 0; i < SIDECAR_MAX_GET_SET_VP_REGISTERS; i++)
		req->regs[i].name = HV_X64_REGISTER_DR0 + (i % 4);
	cr_expect_eq(command(1, SIDECAR_COMMAND_GET_VP_REGISTERS)->has_error, 0);
	cr_expect_eq(req->status, HV_STATUS_SUCCESS);

	for (unsigned int count = 32; count <= 0xFFFF; count = count * 2 + 1) {
		req = regs(1, (uint16_t)count);
		req->status = 0x1234;
		expect_error_prefix(command(1, SIDECAR_COMMAND_GET_VP_REGISTERS),
				    "invalid register count: ");
		cr_expect_eq(req->status, 0x1234, "status untouched when the request is refused");
	}
	req = regs(1, 32);
	expect_error(command(1, SIDECAR_COMMAND_SET_VP_REGISTERS),
		     "invalid register count: 32 (at most 31)");
	req = regs(1, 0);
	cr_expect_eq(command(1, SIDECAR_COMMAND_SET_VP_REGISTERS)->has_error, 0);
	cr_expect_eq(req->status, HV_STATUS_SUCCESS, "zero registers is a valid request");
}

/* A VMM rewriting the count while the command runs (the on_access hook
 * runs in the CPU's thread after each register access). */
static unsigned int accesses;
static uint16_t rewritten_count;

static void rewrite_count(struct sk_hosted_cpu *cpu, bool write, bool ok, uint64_t value)
{
	(void)write, (void)ok, (void)value;
	if (accesses++ == 0)
		sidecar_request_get_set(cpu->vp.command)->count = rewritten_count;
}

/* The count is read once: raising it mid-command reaches no more
 * registers, lowering it cuts nothing short. */
Test(dispatch, register_count_read_once)
{
	struct sidecar_get_set_vp_register_request *req;
	const uint16_t counts[][2] = {{3, SIDECAR_MAX_GET_SET_VP_REGISTERS},
				      {SIDECAR_MAX_GET_SET_VP_REGISTERS, 1},
				      {2, 0xFFFF}};

	boot(2);
	node->cpus[1].on_access = rewrite_count; /* published by the kick's lock */
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		req = regs(1, counts[c][0]);
		for (unsigned int i = 0; i < SIDECAR_MAX_GET_SET_VP_REGISTERS; i++)
			req->regs[i].name = HV_X64_REGISTER_DR0 + (i % 4);
		accesses = 0;
		rewritten_count = counts[c][1];
		cr_expect_eq(command(1, SIDECAR_COMMAND_GET_VP_REGISTERS)->has_error, 0);
		cr_expect_eq(req->status, HV_STATUS_SUCCESS);
		cr_expect_eq(accesses, counts[c][0], "count %u rewritten to %u: %u accesses",
			     counts[c][0], counts[c][1], accesses);
	}
}

Test(dispatch, unknown_register_stops_with_status)
{
	struct sidecar_get_set_vp_register_request *req;

	boot(2);
	req = regs(1, 3);
	req->regs[0].name = HV_X64_REGISTER_DR2;
	req->regs[1].name = 0x00ABCDEF;
	req->regs[2].name = HV_X64_REGISTER_DR3;
	req->regs[2].value.reg64 = 0x5555;
	cr_expect_eq(command(1, SIDECAR_COMMAND_GET_VP_REGISTERS)->has_error, 0);
	cr_expect_eq(req->status, HV_STATUS_UNKNOWN_REGISTER_NAME);
	cr_expect_eq(req->regs[2].value.reg64, 0x5555, "entries after the failure untouched");
}

/* A GET or SET of one register: the status it gets, one row each. */
static const struct {
	const char *what;
	uint32_t command;
	hv_register_name_t name;
	hv_input_vtl_t target_vtl;
	uint64_t high; /* of the value a SET writes (the low half is 0) */
	hv_status_t status;
} one_register_cases[] = {
	{"explicit VTL 0 is the guest", SIDECAR_COMMAND_GET_VP_REGISTERS, HV_X64_REGISTER_DR0,
	 HV_INPUT_VTL_USE_TARGET_VTL | 0, 0, HV_STATUS_SUCCESS},
	{"VTL 2 is not the guest's", SIDECAR_COMMAND_GET_VP_REGISTERS, HV_X64_REGISTER_DR0,
	 HV_INPUT_VTL_USE_TARGET_VTL | 2, 0, HV_STATUS_INVALID_PARAMETER},
	{"reserved bits set", SIDECAR_COMMAND_GET_VP_REGISTERS, HV_X64_REGISTER_DR0, 0x80, 0,
	 HV_STATUS_INVALID_PARAMETER},
	{"upper 64 bits must be 0", SIDECAR_COMMAND_SET_VP_REGISTERS, HV_X64_REGISTER_DR1, 0, 1,
	 HV_STATUS_INVALID_REGISTER_VALUE},
	/* Guest registers need a backend; there is none here. */
	{"RIP without a backend", SIDECAR_COMMAND_GET_VP_REGISTERS, HV_X64_REGISTER_RIP, 0, 0,
	 HV_STATUS_UNKNOWN_REGISTER_NAME},
};

Test(dispatch, one_register_status)
{
	boot(2);
	for (size_t i = 0; i < sizeof(one_register_cases) / sizeof(one_register_cases[0]); i++) {
		struct sidecar_get_set_vp_register_request *req = regs(1, 1);

		req->regs[0].name = one_register_cases[i].name;
		req->regs[0].value.reg128.high = one_register_cases[i].high;
		req->target_vtl = one_register_cases[i].target_vtl;
		command(1, one_register_cases[i].command);
		cr_expect_eq(req->status, one_register_cases[i].status, "%s: status %#x",
			     one_register_cases[i].what, req->status);
	}
}

Test(dispatch, unknown_command)
{
	boot(2);
	expect_error(command(1, 99), "unknown command 99");
	expect_error(command(1, 0xFFFFFFFFu), "unknown command 4294967295");
	cr_expect_eq(command(1, SIDECAR_COMMAND_NONE)->has_error, 0, "a later command is clean");
}

Test(dispatch, no_backend)
{
	boot(2);
	expect_error(command(1, SIDECAR_COMMAND_RUN_VP),
		     "no VP backend: RUN_VP needs a guest backend (none configured)");
	expect_error(command(1, SIDECAR_COMMAND_TRANSLATE_GVA),
		     "no VP backend: TRANSLATE_GVA needs a guest backend (none configured)");
}

/* A backend whose guest spins until stopped, or exits after `exit_after`
 * runs, or fails. */
static _Atomic int backend_mode; /* 0 spin, 1 intercept after 3 runs, 2 fail */
static _Atomic uint64_t backend_runs;
static _Atomic int teardowns;

static enum sk_run_result fake_run(struct sk_vp *vp, struct sidecar_command_page *cp)
{
	uint64_t n = ++backend_runs;

	switch (atomic_load(&backend_mode)) {
	case 1:
		if (n % 3 == 0) {
			cp->intercept_message.header.typ = HV_MESSAGE_TYPE_X64_HALT;
			return SK_RUN_INTERCEPT;
		}
		return SK_RUN_CONTINUE;
	case 2:
		sk_command_error(cp, "guest state invalid on VP %u", vp->vp_index);
		return SK_RUN_FAILED;
	default:
		return SK_RUN_CONTINUE;
	}
}

static void fake_teardown(struct sk_vp *vp)
{
	(void)vp;
	teardowns++;
}

static hv_status_t fake_translate(struct sk_vp *vp, uint64_t gvn, uint64_t flags,
				  struct hv_translate_virtual_address_ex_output_x64 *out)
{
	(void)vp;
	if (flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE)
		return HV_STATUS_INVALID_PARAMETER;
	out->translation_result.result = HV_TRANSLATE_GVA_SUCCESS;
	out->gpa_page = gvn + 0x100;
	return HV_STATUS_SUCCESS;
}

static const struct sk_vp_backend fake_backend = {
	.name = "fake",
	.run_once = fake_run,
	.teardown_vp = fake_teardown,
	.translate_gva = fake_translate,
};

static void use_fake_backend(void)
{
	for (uint32_t i = 1; i < node->count; i++)
		node->cpus[i].vp.backend = &fake_backend;
}

Test(dispatch, stop_while_running)
{
	uint64_t before;

	boot(2);
	use_fake_backend();
	backend_mode = 0;
	node->pages[1].command = SIDECAR_COMMAND_RUN_VP;
	sidecar_response_run_vp(&node->pages[1])->intercept = 0xEE;
	cr_assert(sidecar_cpu_status_transition(&node->control, 1, SIDECAR_CPU_STATUS_IDLE,
						SIDECAR_CPU_STATUS_RUN));
	sk_hosted_kick(&node->cpus[1]);
	/* Let the guest "run" for a while, then stop it. */
	before = backend_runs;
	while (backend_runs < before + 1000)
		;
	cr_assert_eq(status_of(1), SIDECAR_CPU_STATUS_RUN, "still running");
	cr_assert(sidecar_cpu_status_transition(&node->control, 1, SIDECAR_CPU_STATUS_RUN,
						SIDECAR_CPU_STATUS_STOP));
	sk_hosted_kick(&node->cpus[1]);
	cr_expect_eq(wait_not(1, SIDECAR_CPU_STATUS_STOP), SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(node->pages[1].has_error, 0);
	cr_expect_eq(sidecar_response_run_vp(&node->pages[1])->intercept, 0,
		     "stopped, not intercepted");
}

Test(dispatch, run_until_intercept_and_failure)
{
	struct sidecar_command_page *cp;

	boot(2);
	use_fake_backend();
	backend_mode = 1;
	backend_runs = 0;
	cp = command(1, SIDECAR_COMMAND_RUN_VP);
	cr_expect_eq(cp->has_error, 0);
	cr_expect_eq(sidecar_response_run_vp(cp)->intercept, 1);
	cr_expect_eq(cp->intercept_message.header.typ, HV_MESSAGE_TYPE_X64_HALT);
	cr_expect_eq(backend_runs, 3);

	backend_mode = 2;
	expect_error(command(1, SIDECAR_COMMAND_RUN_VP), "guest state invalid on VP 101");
}

Test(dispatch, stop_before_the_command_is_taken_still_runs_it)
{
	struct sidecar_get_set_vp_register_request *req;

	boot(2);
	req = regs(1, 1);
	req->regs[0].name = HV_X64_REGISTER_DR3;
	req->regs[0].value.reg64 = 0x77;
	node->pages[1].command = SIDECAR_COMMAND_SET_VP_REGISTERS;
	/* RUN and STOP land before the CPU even wakes up. */
	cr_assert(sidecar_cpu_status_transition(&node->control, 1, SIDECAR_CPU_STATUS_IDLE,
						SIDECAR_CPU_STATUS_RUN));
	cr_assert(sidecar_cpu_status_transition(&node->control, 1, SIDECAR_CPU_STATUS_RUN,
						SIDECAR_CPU_STATUS_STOP));
	sk_hosted_kick(&node->cpus[1]);
	cr_expect_eq(wait_not(1, SIDECAR_CPU_STATUS_STOP), SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(req->status, HV_STATUS_SUCCESS);
	cr_expect_eq(node->cpus[1].dr[3], 0x77);
}

Test(dispatch, translate_through_backend)
{
	struct sidecar_translate_gva_request *req;
	struct sidecar_translate_gva_response *resp;

	boot(2);
	use_fake_backend();
	req = sidecar_request_translate_gva(&node->pages[1]);
	req->gvn = 0x1234;
	req->control_flags = HV_TRANSLATE_GVA_VALIDATE_READ;
	cr_expect_eq(command(1, SIDECAR_COMMAND_TRANSLATE_GVA)->has_error, 0);
	resp = sidecar_response_translate_gva(&node->pages[1]);
	cr_expect_eq(resp->status, HV_STATUS_SUCCESS);
	cr_expect_eq(resp->output.gpa_page, 0x1334);

	req->gvn = 0x1234;
	req->control_flags = HV_TRANSLATE_GVA_VALIDATE_EXECUTE;
	command(1, SIDECAR_COMMAND_TRANSLATE_GVA);
	cr_expect_eq(resp->status, HV_STATUS_INVALID_PARAMETER);
	cr_expect_eq(resp->output.gpa_page, 0, "no output on failure");
}

Test(dispatch, remove_then_requests_are_ignored)
{
	boot(3);
	use_fake_backend();
	teardowns = 0;
	cr_assert(sidecar_cpu_status_transition(&node->control, 2, SIDECAR_CPU_STATUS_IDLE,
						SIDECAR_CPU_STATUS_REMOVE));
	sk_hosted_kick(&node->cpus[2]);
	cr_expect_eq(wait_not(2, SIDECAR_CPU_STATUS_REMOVE), SIDECAR_CPU_STATUS_REMOVED);
	sk_hosted_cpu_join(&node->cpus[2]);
	cr_expect(node->cpus[2].parked);
	cr_expect_eq(teardowns, 1);
	cr_expect_eq(sidecar_take_attention(&node->control), 1);

	/* The host cannot start it again the normal way... */
	cr_expect_not(sidecar_cpu_status_transition(&node->control, 2, SIDECAR_CPU_STATUS_IDLE,
						    SIDECAR_CPU_STATUS_RUN));
	/* ...and a forced request goes unanswered. */
	node->pages[2].command = SIDECAR_COMMAND_NONE;
	sidecar_cpu_status_publish(&node->control, 2, SIDECAR_CPU_STATUS_RUN);
	sk_hosted_kick(&node->cpus[2]);
	cr_expect_eq(status_of(2), SIDECAR_CPU_STATUS_RUN);
	sidecar_cpu_status_publish(&node->control, 2, SIDECAR_CPU_STATUS_REMOVED);
	/* Its neighbour is unaffected. */
	cr_expect_eq(command(1, SIDECAR_COMMAND_NONE)->has_error, 0);
	/* shutdown() must not join it twice. */
	node->count = 2;
}

Test(dispatch, bad_status_value_is_survived)
{
	boot(2);
	wait_halts(1, 1);
	sidecar_cpu_status_publish(&node->control, 1, 0x77);
	sk_hosted_kick(&node->cpus[1]);
	wait_halts(1, 2);
	/* The CPU reports it once and keeps waiting, even when kicked again. */
	sk_hosted_kick(&node->cpus[1]);
	wait_halts(1, 3);
	cr_expect_eq(node->cpus[1].vp.unexpected_status, 1);
	cr_expect_str_eq(node->cpus[1].last_log, "unexpected cpu_status 119 while idle; waiting");
	cr_expect_eq(status_of(1), 0x77);
	sidecar_cpu_status_publish(&node->control, 1, SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(command(1, SIDECAR_COMMAND_NONE)->has_error, 0, "and then works normally");
}

/*
 * One host thread drives seven sidecar threads through 140000 commands,
 * alternating SET DR0=n and GET DR0 (which must read n back: the command
 * page travels with the status). A lost completion hangs the test into its
 * timeout; a doubled one shows in the per-CPU execution count.
 */
Test(dispatch, concurrent_commands, .timeout = 600)
{
	enum { CPUS = MAX_CPUS, PER_CPU = 20000 };
	uint64_t issued[CPUS] = {0}, completed[CPUS] = {0}, seq[CPUS] = {0};
	bool busy[CPUS] = {false};
	uint64_t total = 0, seen_ipis = 0;

	boot(CPUS);

	for (;;) {
		bool all_done = true;

		for (uint32_t i = 1; i < CPUS; i++) {
			struct sidecar_command_page *cp = &node->pages[i];
			struct sidecar_get_set_vp_register_request *req =
				sidecar_request_get_set(cp);

			if (busy[i]) {
				if (status_of(i) != SIDECAR_CPU_STATUS_IDLE) {
					all_done = false;
					continue;
				}
				busy[i] = false;
				completed[i]++;
				total++;
				cr_assert_eq(cp->has_error, 0);
				cr_assert_eq(req->status, HV_STATUS_SUCCESS);
				if (issued[i] % 2 == 0)
					cr_assert_eq(req->regs[0].value.reg64, seq[i],
						     "CPU %u read back a stale DR0", i);
			}
			if (issued[i] == PER_CPU)
				continue;
			all_done = false;
			memset(req, 0, 64);
			req->count = 1;
			req->regs[0].name = HV_X64_REGISTER_DR0;
			if (issued[i] % 2 == 0) {
				seq[i] = (uint64_t)i << 32 | issued[i];
				req->regs[0].value.reg64 = seq[i];
				cp->command = SIDECAR_COMMAND_SET_VP_REGISTERS;
			} else {
				cp->command = SIDECAR_COMMAND_GET_VP_REGISTERS;
			}
			issued[i]++;
			busy[i] = true;
			cr_assert(sidecar_cpu_status_transition(&node->control, i,
								SIDECAR_CPU_STATUS_IDLE,
								SIDECAR_CPU_STATUS_RUN));
			sk_hosted_kick(&node->cpus[i]);
		}
		if (all_done)
			break;
		/* Sleep until some CPU answers, as the driver does on its
		 * response vector. */
		sidecar_take_attention(&node->control);
		{
			uint64_t n = sk_hosted_host_wait(&node->host, seen_ipis, TIMEOUT_MS);

			cr_assert_neq(n, seen_ipis, "no response for %d ms: a lost completion",
				      TIMEOUT_MS);
			seen_ipis = n;
		}
	}

	cr_expect_eq(total, (CPUS - 1) * PER_CPU);
	for (uint32_t i = 1; i < CPUS; i++) {
		cr_expect_eq(completed[i], PER_CPU);
		cr_expect_eq(node->cpus[i].vp.commands, PER_CPU, "CPU %u executed %llu", i,
			     (unsigned long long)node->cpus[i].vp.commands);
		cr_expect_eq(node->cpus[i].dr[0], seq[i]);
	}
}
