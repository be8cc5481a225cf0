// SPDX-License-Identifier: MIT
/*
 * The command page through the dispatch state machine and every command
 * handler (kernel/core/dispatch.c, commands.c, local_registers.c) on the
 * hosted platform, in one thread and deterministically: the input plays
 * the host (cpu_status requests, response vector, the page contents before
 * each command) and the VMM rewriting the page in the middle of a command
 * (at every register access, TRANSLATE_GVA and run of the guest, the
 * points where the sidecar has read part of the request), and drives a
 * fake VP backend (its answers, statuses and intercepts).
 *
 * Invariants, checked against a shadow of the page (what the host wrote,
 * plus what the handlers are documented to write):
 * - the CPU publishes IDLE after every command and REMOVED at the end;
 *   nothing else is ever published; attention and the response IPI follow
 *   each command (an IPI only for a vector in 16..255);
 * - the command page afterwards differs from the shadow only where the
 *   handler of that command writes: command (NONE), has_error, the error
 *   (only when has_error), the status and values of GET/SET, the
 *   TRANSLATE_GVA response, the RUN_VP response byte;
 * - every HvStatus written is one the handlers or the backend produce;
 * - no double fetch: the register count is read once (never more register
 *   accesses than the count the command started with, even if the VMM
 *   raises it), the k-th access is of regs[k] as the page held it when the
 *   handler got there, no access follows a failed one, and TRANSLATE_GVA
 *   passes the gvn and flags the command started with;
 * - RUN_VP never runs the guest again once STOP is set.
 *
 * Input: a script of host actions (see host_action()); every hook then
 * takes its decisions from the bytes that follow. Exhausted input reads as
 * zeros, and the script ends with REMOVE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sidecar/control_ops.h>

#include "fuzz_check.h"
#include "sk_commands.h"
#include "sk_dispatch.h"
#include "sk_hosted.h"

#define PAGE	  4096
#define REQ	  offsetof(struct sidecar_command_page, request_data)
#define REGS	  (REQ + 16)
#define ASSOC	  32
#define MAX_REGS  SIDECAR_MAX_GET_SET_VP_REGISTERS
#define MAX_RUNS  32 /* runs of the guest in one RUN_VP before the host stops it */
#define NODE_CPUS 4
#define THIS_CPU  2

/* The input, read front to back; zeros once it is exhausted. */
static const uint8_t *in;
static size_t in_left;

static uint64_t take(unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		uint8_t b = 0;

		if (in_left) {
			b = *in++;
			in_left--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

/* The register names worth reaching: local MSRs and DRs, the read-only
 * MTRR_CAP, backend-owned DR6, a backend register, and anything. */
static uint32_t pick_name(void)
{
	static const uint32_t names[] = {
		HV_X64_REGISTER_DR0,
		HV_X64_REGISTER_DR3,
		HV_X64_REGISTER_DR6,
		HV_X64_REGISTER_DR7,
		HV_X64_REGISTER_MSR_MTRR_CAP,
		HV_X64_REGISTER_MSR_MTRR_DEF_TYPE,
		HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0,
		HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + 7,
		HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 9,
		HV_X64_REGISTER_MSR_MTRR_FIX64K_00000,
		HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000 + 7,
		HV_X64_REGISTER_RIP,
		HV_X64_REGISTER_CR0,
	};
	uint8_t b = (uint8_t)take(1);

	if (b < 200)
		return names[b % (sizeof(names) / sizeof(names[0]))];
	return (uint32_t)take(4);
}

static const hv_status_t backend_errors[] = {
	HV_STATUS_INVALID_PARAMETER,	  HV_STATUS_UNKNOWN_REGISTER_NAME,
	HV_STATUS_INVALID_REGISTER_VALUE, HV_STATUS_ACCESS_DENIED,
	HV_STATUS_OPERATION_DENIED,
};

static bool valid_hv_status(hv_status_t s)
{
	if (s == HV_STATUS_SUCCESS)
		return true;
	for (size_t i = 0; i < sizeof(backend_errors) / sizeof(backend_errors[0]); i++) {
		if (s == backend_errors[i])
			return true;
	}
	return false;
}

/* The node's pages (ASan puts redzones around them: a write past the
 * command page is a crash). */
static struct sidecar_control_page control_page __attribute__((aligned(PAGE)));
static struct sidecar_command_page command_page __attribute__((aligned(PAGE)));

static struct {
	struct sk_hosted_host host;
	struct sk_hosted_cpu cpu;
	struct sidecar_control_page *control;
	struct sidecar_command_page *page;
	uint8_t shadow[PAGE];
	bool has_backend;
	struct sk_vp_backend backend;
	unsigned int teardowns;

	/* The host's side of the state machine. */
	uint8_t requested; /* the status the host set last */
	uint32_t vector;   /* response_vector at the time */
	uint64_t commands, ipis;

	/* The command being executed, as it started. */
	bool in_command;
	bool started; /* the handler's first writes are in the shadow */
	uint32_t command;
	uint16_t count0;
	uint8_t vtl0;
	uint64_t gvn0, flags0;
	/* Register accesses so far, and how the last one went. */
	unsigned int accesses;
	bool failed;
	hv_status_t fail_status;
	bool pending; /* a GET value the handler writes after this access */
	unsigned int pending_index;
	union hv_register_value pending_value;
	/* TRANSLATE_GVA and RUN_VP through the fake backend. */
	bool translated;
	hv_status_t translate_status;
	struct hv_translate_virtual_address_ex_output_x64 translate_out;
	unsigned int runs;
	enum sk_run_result last_run;
} f;

static void shadow_write(size_t off, const void *data, size_t len)
{
	memcpy(f.shadow + off, data, len);
}

/* The host (or VMM) writes the page: both copies. */
static void host_write(size_t off, const void *data, size_t len)
{
	FUZZ_CHECK(off + len <= PAGE, "harness wrote past the page");
	memcpy((uint8_t *)f.page + off, data, len);
	shadow_write(off, data, len);
}

/* What sk_command_execute() writes first, before any hook can run. */
static void apply_start(void)
{
	uint32_t none = SIDECAR_COMMAND_NONE;
	uint8_t zero = 0;

	if (f.started)
		return;
	shadow_write(offsetof(struct sidecar_command_page, command), &none, 4);
	shadow_write(offsetof(struct sidecar_command_page, has_error), &zero, 1);
	f.started = true;
}

/* The GET value the handler stored after the previous access returned. */
static void apply_pending(void)
{
	if (!f.pending)
		return;
	shadow_write(REGS + (size_t)f.pending_index * ASSOC + 16, &f.pending_value, 16);
	f.pending = false;
}

/* The VMM changes the page while the sidecar works on the command. */
static void vmm_rewrites(void)
{
	unsigned int n = (unsigned int)take(1) % 4;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t kind = (uint8_t)take(1) % 4;
		uint64_t v = take(8);
		uint16_t count;

		switch (kind) {
		case 0: /* any byte */
			host_write(take(2) % PAGE, &v, 1);
			break;
		case 1: /* the register count */
			count = (uint16_t)v;
			host_write(REQ, &count, 2);
			break;
		case 2: /* a register name or value, or the TRANSLATE_GVA request */
			host_write(REQ + (take(2) % (SIDECAR_REQUEST_DATA_SIZE / 8)) * 8, &v, 8);
			break;
		default: /* command, has_error */
			host_write(take(1) % 8, &v, 1);
			break;
		}
	}
}

/* Every register access of GET/SET: local (MSR, DR) or the backend's. */
static void register_access(bool write, bool ok, hv_status_t fail_status, uint32_t name,
			    const union hv_register_value *value, bool local)
{
	unsigned int k = f.accesses++;
	size_t assoc = REGS + (size_t)k * ASSOC;
	uint32_t page_name;
	union hv_register_value page_value;

	FUZZ_CHECK(f.in_command, "register access outside a command");
	FUZZ_CHECK(f.command == SIDECAR_COMMAND_GET_VP_REGISTERS ||
			   f.command == SIDECAR_COMMAND_SET_VP_REGISTERS,
		   "register access during command %u", f.command);
	FUZZ_CHECK(k < f.count0, "access %u of a command that started with count %u", k, f.count0);
	FUZZ_CHECK(!f.failed, "access %u after a failed one", k);
	apply_start();
	apply_pending();
	/* The handler read regs[k] just now: what the page held (the last
	 * rewrite was before the previous access returned). */
	memcpy(&page_name, f.shadow + assoc, 4);
	memcpy(&page_value, f.shadow + assoc + 16, 16);
	if (!local)
		FUZZ_CHECK(name == page_name, "access %u of register %#x, regs[%u] is %#x", k, name,
			   k, page_name);
	if (write && local)
		FUZZ_CHECK(value->reg64 == page_value.reg64,
			   "access %u wrote %#llx, regs[%u] holds %#llx", k,
			   (unsigned long long)value->reg64, k,
			   (unsigned long long)page_value.reg64);
	if (write && !local)
		FUZZ_CHECK(!memcmp(value, &page_value, 16), "access %u: value not regs[%u]'s", k,
			   k);
	if (!ok) {
		f.failed = true;
		f.fail_status = fail_status;
	} else if (!write) {
		f.pending = true;
		f.pending_index = k;
		f.pending_value = *value;
	}
	vmm_rewrites();
}

static void on_access(struct sk_hosted_cpu *cpu, bool write, bool ok, uint64_t value)
{
	union hv_register_value v = {.reg128 = {value, 0}};

	(void)cpu;
	register_access(write, ok,
			write ? HV_STATUS_INVALID_REGISTER_VALUE : HV_STATUS_INVALID_PARAMETER, 0,
			&v, true);
}

static hv_status_t backend_answer(void)
{
	uint8_t b = (uint8_t)take(1);

	if (b % 4)
		return HV_STATUS_SUCCESS;
	return backend_errors[(b / 4) % (sizeof(backend_errors) / sizeof(backend_errors[0]))];
}

static hv_status_t fake_get(struct sk_vp *vp, hv_register_name_t name,
			    union hv_register_value *value)
{
	hv_status_t status = backend_answer();

	(void)vp;
	FUZZ_CHECK(value->reg128.low == 0 && value->reg128.high == 0,
		   "GET handed the backend an uncleared value");
	if (status == HV_STATUS_SUCCESS) {
		value->reg128.low = take(8);
		value->reg128.high = take(8);
	}
	register_access(false, status == HV_STATUS_SUCCESS, status, name, value, false);
	return status;
}

static hv_status_t fake_set(struct sk_vp *vp, hv_register_name_t name,
			    const union hv_register_value *value)
{
	hv_status_t status = backend_answer();

	(void)vp;
	register_access(true, status == HV_STATUS_SUCCESS, status, name, value, false);
	return status;
}

static hv_status_t fake_translate(struct sk_vp *vp, uint64_t gvn, uint64_t flags,
				  struct hv_translate_virtual_address_ex_output_x64 *out)
{
	(void)vp;
	FUZZ_CHECK(f.in_command && f.command == SIDECAR_COMMAND_TRANSLATE_GVA,
		   "translate outside TRANSLATE_GVA");
	FUZZ_CHECK(!f.translated, "translated twice in one command");
	FUZZ_CHECK(gvn == f.gvn0 && flags == f.flags0,
		   "translate of %#llx/%#llx, the command asked %#llx/%#llx",
		   (unsigned long long)gvn, (unsigned long long)flags, (unsigned long long)f.gvn0,
		   (unsigned long long)f.flags0);
	apply_start();
	f.translated = true;
	f.translate_status = backend_answer();
	for (size_t i = 0; i < sizeof(*out); i++)
		((uint8_t *)out)[i] = (uint8_t)take(1);
	f.translate_out = *out;
	vmm_rewrites();
	return f.translate_status;
}

static enum sk_run_result fake_run(struct sk_vp *vp, struct sidecar_command_page *cp)
{
	uint8_t b = (uint8_t)take(1);

	FUZZ_CHECK(f.in_command && f.command == SIDECAR_COMMAND_RUN_VP, "run outside RUN_VP");
	FUZZ_CHECK(sidecar_cpu_status(vp->control, vp->index_in_node) != SIDECAR_CPU_STATUS_STOP,
		   "the guest ran again after STOP");
	FUZZ_CHECK(cp == f.page, "run_once got another page");
	apply_start();
	f.runs++;
	vmm_rewrites();
	/* The host asks for a stop while the guest runs (and always, at
	 * last, so that no input spins forever). */
	if ((b & 0x30) == 0x30 || f.runs >= MAX_RUNS) {
		sidecar_cpu_status_transition(vp->control, vp->index_in_node,
					      SIDECAR_CPU_STATUS_RUN, SIDECAR_CPU_STATUS_STOP);
		f.requested = SIDECAR_CPU_STATUS_STOP;
	}
	switch (b % 4) {
	case 0:
		f.last_run = SK_RUN_INTERCEPT;
		for (size_t i = 0; i < 32; i++) {
			uint8_t byte = (uint8_t)take(1);

			host_write(offsetof(struct sidecar_command_page, intercept_message) + i,
				   &byte, 1);
		}
		break;
	case 1:
		f.last_run = SK_RUN_FAILED;
		sk_command_error(cp, "fake guest failed after %u runs", f.runs);
		break;
	default:
		f.last_run = SK_RUN_CONTINUE;
		break;
	}
	return f.last_run;
}

static void fake_teardown(struct sk_vp *vp)
{
	(void)vp;
	f.teardowns++;
}

/* The target VTL rule of commands.c: the current VTL or VTL 0 by name. */
static bool vtl_ok(uint8_t vtl)
{
	if (vtl & HV_INPUT_VTL_RESERVED_MASK)
		return false;
	return !(vtl & HV_INPUT_VTL_USE_TARGET_VTL) || (vtl & HV_INPUT_VTL_TARGET_VTL_MASK) == 0;
}

static bool error_set(void)
{
	const struct sidecar_command_page *p = f.page;

	FUZZ_CHECK(p->has_error == 1, "has_error is %u", p->has_error);
	FUZZ_CHECK(p->error.len > 0, "an error without text");
	return true;
}

/* The page after a command: the shadow plus the handler's writes. */
static void check_command_result(void)
{
	struct sidecar_command_page *p = f.page;
	bool error = false;
	hv_status_t status;

	apply_start();
	apply_pending();
	switch (f.command) {
	case SIDECAR_COMMAND_NONE:
		break;
	case SIDECAR_COMMAND_GET_VP_REGISTERS:
	case SIDECAR_COMMAND_SET_VP_REGISTERS:
		if (f.count0 > MAX_REGS) {
			error = error_set();
			FUZZ_CHECK(f.accesses == 0, "accesses with a count of %u", f.count0);
			break;
		}
		memcpy(&status, (uint8_t *)p + REQ + 4, 2);
		FUZZ_CHECK(valid_hv_status(status), "GET/SET status %#x", status);
		if (!vtl_ok(f.vtl0)) {
			FUZZ_CHECK(status == HV_STATUS_INVALID_PARAMETER && f.accesses == 0,
				   "target VTL %#x: status %#x after %u accesses", f.vtl0, status,
				   f.accesses);
		} else if (f.failed) {
			FUZZ_CHECK(status == f.fail_status, "status %#x, the failure was %#x",
				   status, f.fail_status);
		} else if (f.accesses == f.count0) {
			FUZZ_CHECK(status == HV_STATUS_SUCCESS, "all %u done, status %#x",
				   f.accesses, status);
		} else {
			/* A register refused without an access. */
			FUZZ_CHECK(status == HV_STATUS_UNKNOWN_REGISTER_NAME ||
					   status == HV_STATUS_ACCESS_DENIED ||
					   status == HV_STATUS_INVALID_REGISTER_VALUE,
				   "stopped after %u of %u with status %#x", f.accesses, f.count0,
				   status);
		}
		shadow_write(REQ + 4, &status, 2);
		break;
	case SIDECAR_COMMAND_TRANSLATE_GVA:
		if (!f.has_backend) {
			error = error_set();
			FUZZ_CHECK(!f.translated, "translated without a backend");
			break;
		} else {
			struct sidecar_translate_gva_response want = {0};

			bool ok = vtl_ok((uint8_t)(f.flags0 >> HV_TRANSLATE_GVA_INPUT_VTL_SHIFT));

			FUZZ_CHECK(f.translated == ok, "target VTL %s, %s",
				   ok ? "valid" : "invalid",
				   f.translated ? "translated" : "not translated");
			want.status = HV_STATUS_INVALID_PARAMETER;
			if (f.translated) {
				want.status = f.translate_status;
				if (f.translate_status == HV_STATUS_SUCCESS)
					want.output = f.translate_out;
			}
			shadow_write(REQ, &want, sizeof(want));
		}
		break;
	case SIDECAR_COMMAND_RUN_VP:
		if (!f.has_backend || f.last_run == SK_RUN_FAILED) {
			FUZZ_CHECK(f.has_backend || f.runs == 0, "ran without a backend");
			error = error_set();
		} else {
			uint8_t intercept = f.last_run == SK_RUN_INTERCEPT;

			FUZZ_CHECK(f.runs > 0 || f.requested == SIDECAR_CPU_STATUS_STOP,
				   "RUN_VP returned without running");
			shadow_write(REQ, &intercept, 1);
		}
		break;
	default:
		error = error_set();
		break;
	}
	if (!error)
		FUZZ_CHECK(p->has_error ==
				   f.shadow[offsetof(struct sidecar_command_page, has_error)],
			   "has_error %u without an error", p->has_error);
	/* The bytes the handler may have written freely take the page's
	 * values in the shadow; then the two must be equal. */
	if (error) {
		size_t err = offsetof(struct sidecar_command_page, error);

		f.shadow[offsetof(struct sidecar_command_page, has_error)] = p->has_error;
		memcpy(f.shadow + err, (uint8_t *)p + err, sizeof(p->error));
	}
	if (memcmp(p, f.shadow, PAGE) != 0) {
		size_t i = 0;

		while (((uint8_t *)p)[i] == f.shadow[i])
			i++;
		FUZZ_CHECK(false, "command %u changed page byte %zu: %#x, expected %#x", f.command,
			   i, ((uint8_t *)p)[i], f.shadow[i]);
	}
	/* The error as the page now holds it is the VMM's to change. */
	memcpy(f.shadow, p, PAGE);
}

/* A fresh command: the request the host writes before asking for it. */
static void write_command(void)
{
	static const uint32_t commands[] = {
		SIDECAR_COMMAND_NONE,
		SIDECAR_COMMAND_RUN_VP,
		SIDECAR_COMMAND_GET_VP_REGISTERS,
		SIDECAR_COMMAND_SET_VP_REGISTERS,
		SIDECAR_COMMAND_TRANSLATE_GVA,
	};
	uint8_t c = (uint8_t)take(1);
	uint32_t command = c < 250 ? commands[c % 5] : (uint32_t)take(4);
	uint8_t b = (uint8_t)take(1);
	uint16_t count;
	uint8_t vtl;

	host_write(0, &command, 4);
	if (b & 1) { /* leftovers of an earlier command stay otherwise */
		uint8_t flag = (uint8_t)take(1);

		host_write(offsetof(struct sidecar_command_page, has_error), &flag, 1);
	}
	switch (command) {
	case SIDECAR_COMMAND_GET_VP_REGISTERS:
	case SIDECAR_COMMAND_SET_VP_REGISTERS:
		count = (uint16_t)take(1);
		if (count > 40)
			count = (uint16_t)take(2);
		vtl = (uint8_t)(b & 2 ? take(1) : 0);
		host_write(REQ, &count, 2);
		host_write(REQ + 2, &vtl, 1);
		for (unsigned int i = 0; i < count && i < MAX_REGS; i++) {
			uint32_t name = pick_name();
			uint64_t value[2] = {take(b & 4 ? 8 : 1), b & 8 ? take(8) : 0};

			host_write(REGS + (size_t)i * ASSOC, &name, 4);
			host_write(REGS + (size_t)i * ASSOC + 16, value, 16);
		}
		break;
	case SIDECAR_COMMAND_TRANSLATE_GVA: {
		uint64_t req[2] = {take(8), take(8)};

		if (!(b & 2))
			req[1] &= (1ull << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT) - 1;
		host_write(REQ, req, 16);
		break;
	}
	default:
		break;
	}
}

/* The host, where the CPU waits: one step of the script. */
static bool host_action(struct sk_hosted_cpu *cpu)
{
	struct sidecar_control_page *cp = f.control;
	uint8_t status = sidecar_cpu_status(cp, THIS_CPU);
	uint32_t attention = sidecar_take_attention(cp);
	bool answered = f.in_command;
	uint8_t op;

	(void)cpu;
	if (f.in_command) {
		/* The command the last request started has been answered. */
		FUZZ_CHECK(status == SIDECAR_CPU_STATUS_IDLE, "after a command: status %u", status);
		f.in_command = false;
		f.commands++;
		if (f.vector >= 16 && f.vector <= 255)
			f.ipis++;
		check_command_result();
	} else {
		FUZZ_CHECK(status == SIDECAR_CPU_STATUS_IDLE || status == f.requested,
			   "waiting with status %u (host set %u)", status, f.requested);
	}
	FUZZ_CHECK(attention == answered, "attention %u after %s", attention,
		   answered ? "a command" : "no command");
	FUZZ_CHECK(f.cpu.vp.commands == f.commands, "%llu commands counted, %llu answered",
		   (unsigned long long)f.cpu.vp.commands, (unsigned long long)f.commands);
	FUZZ_CHECK(f.host.ipis == f.ipis, "%llu response IPIs, expected %llu",
		   (unsigned long long)f.host.ipis, (unsigned long long)f.ipis);

	op = in_left ? (uint8_t)take(1) % 8 : 7;
	switch (op) {
	case 0:
	case 1:
	case 2:
	case 3: { /* a command, as RUN (or a STOP that arrives first) */
		uint8_t req = op == 3 ? SIDECAR_CPU_STATUS_STOP : SIDECAR_CPU_STATUS_RUN;

		write_command();
		memcpy(&f.command, f.page, 4);
		memcpy(&f.count0, (uint8_t *)f.page + REQ, 2);
		memcpy(&f.vtl0, (uint8_t *)f.page + REQ + 2, 1);
		memcpy(&f.gvn0, (uint8_t *)f.page + REQ, 8);
		memcpy(&f.flags0, (uint8_t *)f.page + REQ + 8, 8);
		f.in_command = true;
		f.started = false;
		f.accesses = 0;
		f.failed = false;
		f.pending = false;
		f.translated = false;
		f.runs = 0;
		f.last_run = SK_RUN_CONTINUE;
		f.requested = req;
		SIDECAR_STORE_RELEASE(&cp->cpu_status[THIS_CPU], req);
		break;
	}
	case 4: { /* a value no host writes */
		uint8_t bad = (uint8_t)take(1);

		if (bad <= SIDECAR_CPU_STATUS_REMOVE)
			bad = (uint8_t)(bad + SIDECAR_CPU_STATUS_REMOVE + 1);
		f.requested = bad;
		SIDECAR_STORE_RELEASE(&cp->cpu_status[THIS_CPU], bad);
		break;
	}
	case 5: /* where responses go */
		f.vector = (uint32_t)take(1) < 128 ? (uint32_t)take(1) : (uint32_t)take(4);
		SIDECAR_STORE_RELAXED(&cp->response_vector, f.vector);
		SIDECAR_STORE_RELAXED(&cp->response_cpu, (uint32_t)take(4));
		break;
	case 6: /* a spurious wake-up */
		break;
	default:
		f.requested = SIDECAR_CPU_STATUS_REMOVE;
		SIDECAR_STORE_RELEASE(&cp->cpu_status[THIS_CPU], SIDECAR_CPU_STATUS_REMOVE);
		break;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t setup;

	in = data;
	in_left = size;
	memset(&f, 0, sizeof(f));
	f.control = &control_page;
	f.page = &command_page;
	memset(f.control, 0, PAGE);
	/* Whatever a previous boot left: the announce must clear it. */
	memset(f.page, 0xA5, PAGE);

	setup = (uint8_t)take(1);
	f.has_backend = setup & 1;
	f.backend = (struct sk_vp_backend){
		.name = "fuzz",
		.owns_dr6 = (setup & 2) != 0,
		.teardown_vp = fake_teardown,
		.run_once = fake_run,
		.get_register = fake_get,
		.set_register = fake_set,
		.translate_gva = fake_translate,
	};
	sk_hosted_host_init(&f.host);
	sk_hosted_cpu_init(&f.cpu, &f.host, f.control, f.page, THIS_CPU, 10 + THIS_CPU);
	f.cpu.vp.backend = f.has_backend ? &f.backend : NULL;
	f.cpu.vp.no_backend_reason = f.has_backend ? NULL : "fuzzing without one";
	f.cpu.on_wait = host_action;
	f.cpu.on_access = on_access;
	for (uint32_t i = 0; i < NODE_CPUS; i++)
		f.control->cpu_status[i] =
			i == THIS_CPU ? SIDECAR_CPU_STATUS_RUN : SIDECAR_CPU_STATUS_REMOVED;
	f.requested = SIDECAR_CPU_STATUS_RUN;

	sk_dispatch_announce(&f.cpu.vp, NULL);
	FUZZ_CHECK(memcmp(f.page, f.shadow, PAGE) == 0, "announce left the page dirty");
	FUZZ_CHECK(sidecar_cpu_status(f.control, THIS_CPU) == SIDECAR_CPU_STATUS_IDLE,
		   "announced as %u", sidecar_cpu_status(f.control, THIS_CPU));
	sk_dispatch_loop(&f.cpu.vp);

	FUZZ_CHECK(!f.in_command, "REMOVE answered in the middle of a command");
	FUZZ_CHECK(sidecar_cpu_status(f.control, THIS_CPU) == SIDECAR_CPU_STATUS_REMOVED,
		   "ended with status %u", sidecar_cpu_status(f.control, THIS_CPU));
	FUZZ_CHECK(f.teardowns == (f.has_backend ? 1u : 0u), "%u teardowns", f.teardowns);
	for (uint32_t i = 0; i < NODE_CPUS; i++) {
		if (i != THIS_CPU)
			FUZZ_CHECK(f.control->cpu_status[i] == SIDECAR_CPU_STATUS_REMOVED,
				   "CPU %u's status changed to %u", i, f.control->cpu_status[i]);
	}
	FUZZ_CHECK(f.cpu.vp.commands == f.commands, "%llu commands, %llu answered",
		   (unsigned long long)f.cpu.vp.commands, (unsigned long long)f.commands);

	sk_hosted_cpu_destroy(&f.cpu);
	sk_hosted_host_destroy(&f.host);
	return 0;
}
