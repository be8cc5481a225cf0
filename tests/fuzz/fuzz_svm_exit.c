// SPDX-License-Identifier: MIT
/*
 * The SVM backend's exit handler (svm_handle_exit, kernel/arch/x86_64/
 * svm_exit.c) and its register map (svm_get/set_register, svm_vmcb.c): the
 * kernel's own sources, built hosted over a byte-array VMCB and the CPU
 * model of kernel/arch/x86_64/hosted. Everything the guest controls is
 * fuzzed: the exit code and EXITINFO1/2, the event in delivery, next RIP
 * and decode-assist bytes, the whole state-save area (modes, CR3, segments),
 * the GPRs and guest memory (its page tables and instruction bytes); so are
 * GET/SET_VP_REGISTERS calls a VMM makes afterwards.
 *
 * Invariants:
 *   - the result is CONTINUE, INTERCEPT or FAILED; FAILED has an error
 *     string, the others none;
 *   - an intercept message has a type the backend produces, exactly that
 *     type's payload size (<= HV_MESSAGE_PAYLOAD_SIZE), zeros past it, the
 *     VP's index, an instruction length <= 15, an instruction byte count
 *     <= 16 with zeros past it; CONTINUE and FAILED leave the message alone;
 *   - the control area's intercepts, permission maps, nested paging and
 *     interrupt masking are what svm_vmcb_control_init() wrote, after any
 *     exit and any register write (nothing the guest or VMM controls clears
 *     an intercept);
 *   - an event the handler injects is a well-formed exception (#DB, #UD,
 *     #GP or #AC, error code exactly for #GP and #AC), and RIP moves only
 *     for an emulated instruction, by 1 to 15 bytes;
 *   - a register SET that succeeds reads back the same value.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_svm_exit_input.h"
#include "sk_vp.h"
#include "sc_x86_regs.h"
#include "svm.h"
#include "svm_host_model.h"

static const uint64_t known_exits[] = {FUZZ_SVM_KNOWN_EXITS};

/* The control-area bytes svm_vmcb_control_init() owns. */
static const struct {
	unsigned int off, size;
} owned[] = {
	{VMCB_INTERCEPT_CR, 0x18}, {VMCB_IOPM_BASE_PA, 8}, {VMCB_MSRPM_BASE_PA, 8}, {VMCB_ASID, 4},
	{VMCB_NP_CONTROL, 8},	   {VMCB_N_CR3, 8},
};

static uint8_t vmcb[4096], reference[4096];
static uint8_t guest[FUZZ_SVM_GUEST_SIZE];
static struct sidecar_command_page page;

static void check_control_area(const char *after)
{
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		FUZZ_CHECK(!memcmp(vmcb + owned[i].off, reference + owned[i].off, owned[i].size),
			   "control area at %#x changed after %s", owned[i].off, after);
	FUZZ_CHECK(vmcb_get(&(struct svm_vp){.vmcb = vmcb}, VMCB_INT_CONTROL, 8) &
			   SVM_INT_V_INTR_MASKING,
		   "V_INTR_MASKING cleared after %s", after);
}

static size_t payload_size_of(uint32_t type)
{
	switch (type) {
	case HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT:
		return sizeof(struct hv_x64_io_port_intercept_message);
	case HV_MESSAGE_TYPE_MSR_INTERCEPT:
		return sizeof(struct hv_x64_msr_intercept_message);
	case HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT:
		return sizeof(struct hv_x64_cpuid_intercept_message);
	case HV_MESSAGE_TYPE_UNMAPPED_GPA:
		return sizeof(struct hv_x64_memory_intercept_message);
	case HV_MESSAGE_TYPE_X64_HALT:
	case HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION:
		return sizeof(struct hv_x64_intercept_message_header);
	default:
		return 0;
	}
}

static void check_bytes(const uint8_t *bytes, uint8_t count, const char *type)
{
	FUZZ_CHECK(count <= 16, "%s: instruction_byte_count %u", type, count);
	for (unsigned int i = count; i < 16; i++)
		FUZZ_CHECK(bytes[i] == 0, "%s: instruction byte %u past the count is %#x", type, i,
			   bytes[i]);
}

static void check_message(const struct hv_message *msg, uint32_t vp_index)
{
	const struct hv_x64_intercept_message_header *h = (const void *)msg->payload_buffer;
	size_t len = payload_size_of(msg->header.typ);

	FUZZ_CHECK(len != 0, "message type %#x is none the backend writes", msg->header.typ);
	FUZZ_CHECK(msg->header.len == len && len <= HV_MESSAGE_PAYLOAD_SIZE,
		   "type %#x with len %u, expected %zu", msg->header.typ, msg->header.len, len);
	for (size_t i = len; i < HV_MESSAGE_PAYLOAD_SIZE; i++)
		FUZZ_CHECK(msg->payload_buffer[i] == 0, "payload byte %zu past len is %#x", i,
			   msg->payload_buffer[i]);
	FUZZ_CHECK(h->vp_index == vp_index, "vp_index %u", h->vp_index);
	FUZZ_CHECK((h->instruction_length_and_cr8 & 0xF) <= 15, "instruction length %u",
		   h->instruction_length_and_cr8 & 0xF);
	FUZZ_CHECK(h->intercept_access_type <= HV_INTERCEPT_ACCESS_EXECUTE, "access type %u",
		   h->intercept_access_type);
	if (msg->header.typ == HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT) {
		const struct hv_x64_io_port_intercept_message *m = (const void *)h;

		check_bytes(m->instruction_bytes, m->instruction_byte_count, "I/O");
		FUZZ_CHECK((m->access_info & 7) == 1 || (m->access_info & 7) == 2 ||
				   (m->access_info & 7) == 4,
			   "access size %u", m->access_info & 7);
	} else if (msg->header.typ == HV_MESSAGE_TYPE_UNMAPPED_GPA) {
		const struct hv_x64_memory_intercept_message *m = (const void *)h;

		check_bytes(m->instruction_bytes, m->instruction_byte_count, "memory");
	}
}

/* What the handler may inject itself: #DB, #UD, #GP(0) or #AC. */
static void check_injected(uint64_t before, uint64_t after, uint64_t info1)
{
	uint8_t vector = after & 0xFF;
	bool error = after & SVM_EVENT_ERROR_VALID;

	if (after == before || after == 0)
		return;
	FUZZ_CHECK((after & SVM_EVENT_VALID) &&
			   ((after >> SVM_EVENT_TYPE_SHIFT) & 7) == SVM_EVENT_TYPE_EXCEPTION,
		   "injected %#llx is not an exception", (unsigned long long)after);
	FUZZ_CHECK(!(after & 0x7FFFF000ull), "reserved EVENTINJ bits in %#llx",
		   (unsigned long long)after);
	switch (vector) {
	case SVM_VECTOR_DB:
	case SVM_VECTOR_UD:
		FUZZ_CHECK(!error && !(after >> 32), "vector %u with an error code", vector);
		break;
	case SVM_VECTOR_GP:
		FUZZ_CHECK(error && !(after >> 32), "#GP error code %#llx",
			   (unsigned long long)(after >> 32));
		break;
	case SVM_VECTOR_AC:
		FUZZ_CHECK(error && (after >> 32) == (uint32_t)info1, "#AC error code %#llx",
			   (unsigned long long)(after >> 32));
		break;
	default:
		FUZZ_CHECK(false, "injected vector %u", vector);
	}
}

static bool plain_round_trip(hv_register_name_t name)
{
	switch (name) {
	case HV_X64_REGISTER_RSP:
	case HV_X64_REGISTER_RIP:
	case HV_X64_REGISTER_RFLAGS:
	case HV_X64_REGISTER_CR0:
	case HV_X64_REGISTER_CR2:
	case HV_X64_REGISTER_CR3:
	case HV_X64_REGISTER_CR4:
	case HV_X64_REGISTER_CR8:
	case HV_X64_REGISTER_DR7:
	case HV_X64_REGISTER_PAT:
	case HV_X64_REGISTER_LSTAR:
	case HV_X64_REGISTER_TSC:
	case HV_X64_REGISTER_XFEM:
	case HV_X64_REGISTER_INTERRUPT_STATE:
		return true;
	default:
		return name >= HV_X64_REGISTER_RAX && name <= HV_X64_REGISTER_R15;
	}
}

static void registers(struct sk_vp *vp, const struct fuzz_svm_input *in)
{
	unsigned int n = in->reg_count % (FUZZ_SVM_MAX_REGS + 1);

	for (unsigned int i = 0; i < n; i++) {
		const struct fuzz_svm_reg *r = &in->regs[i];
		union hv_register_value v = {.reg128 = {r->low, r->high}}, back;
		hv_status_t st;

		if (!(r->set & 1)) {
			st = svm_get_register(vp, r->name, &v);
			FUZZ_CHECK(st == HV_STATUS_SUCCESS || st == HV_STATUS_UNKNOWN_REGISTER_NAME,
				   "GET %#x: status %#x", r->name, st);
			continue;
		}
		st = svm_set_register(vp, r->name, &v);
		FUZZ_CHECK(st == HV_STATUS_SUCCESS || st == HV_STATUS_UNKNOWN_REGISTER_NAME ||
				   st == HV_STATUS_INVALID_REGISTER_VALUE,
			   "SET %#x: status %#x", r->name, st);
		check_control_area("a register write");
		if (st != HV_STATUS_SUCCESS)
			continue;
		FUZZ_CHECK(svm_get_register(vp, r->name, &back) == HV_STATUS_SUCCESS,
			   "GET %#x after a successful SET failed", r->name);
		if (plain_round_trip(r->name))
			FUZZ_CHECK(back.reg64 == v.reg64, "SET %#x = %#llx reads back %#llx",
				   r->name, (unsigned long long)v.reg64,
				   (unsigned long long)back.reg64);
		else if (r->name == HV_X64_REGISTER_EFER)
			FUZZ_CHECK(back.reg64 == (v.reg64 & ~EFER_SVME),
				   "EFER %#llx reads back %#llx", (unsigned long long)v.reg64,
				   (unsigned long long)back.reg64);
		else if (r->name >= HV_X64_REGISTER_ES && r->name <= HV_X64_REGISTER_TR)
			FUZZ_CHECK(!memcmp(&back.segment, &v.segment, sizeof(v.segment)),
				   "segment %#x does not read back", r->name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_svm_input in;
	struct svm_vp s = {.vmcb = vmcb};
	struct sk_vp vp = {.command = &page, .vp_index = 7, .backend_state = &s};
	struct hv_message before;
	uint64_t code, rip, event;
	enum sk_run_result r;

	if (size < sizeof(in))
		return 0;
	memcpy(&in, data, sizeof(in));
	memset(guest, 0, sizeof(guest));
	memcpy(guest, data + sizeof(in),
	       size - sizeof(in) < sizeof(guest) ? size - sizeof(in) : sizeof(guest));
	svm_host_model = (struct svm_host_model){
		.guest = guest, .guest_size = sizeof(guest), .tsc = in.raw_exit_code};

	/* The VMCB as init_vp leaves it, then what the CPU wrote at the exit. */
	memset(vmcb, 0, sizeof(vmcb));
	svm_vmcb_control_init(&s);
	svm_vmcb_reset_state(&s);
	memcpy(reference, vmcb, sizeof(vmcb));
	memcpy(vmcb + 0x400, in.save, sizeof(in.save));
	code = in.exit_sel < sizeof(known_exits) / sizeof(known_exits[0]) ? known_exits[in.exit_sel]
									  : in.raw_exit_code;
	SET64(&s, VMCB_EXIT_CODE, code);
	SET64(&s, VMCB_EXIT_INFO1, in.info1);
	SET64(&s, VMCB_EXIT_INFO2, in.info2);
	SET64(&s, VMCB_EXIT_INT_INFO, in.event_inj);
	SET64(&s, VMCB_EVENT_INJ, in.event_inj);
	SET64(&s, VMCB_NEXT_RIP, in.next_rip);
	SET64(&s, VMCB_INT_STATE, in.int_state);
	vmcb_set(&s, VMCB_INT_CONTROL, 1, in.v_tpr);
	vmcb_set(&s, VMCB_INSN_LEN, 1, in.insn_len);
	memcpy(vmcb + VMCB_INSN_BYTES, in.insn_bytes, sizeof(in.insn_bytes));

	memset(&page, 0, sizeof(page));
	memcpy(page.cpu_context.gps, in.gps, sizeof(in.gps));
	memset(&page.intercept_message, 0xA5, sizeof(page.intercept_message));
	before = page.intercept_message;
	rip = GET64(&s, VMCB_RIP);
	event = GET64(&s, VMCB_EVENT_INJ);

	r = svm_handle_exit(&vp, &s, &page, in.gps);
	FUZZ_CHECK(r == SK_RUN_CONTINUE || r == SK_RUN_INTERCEPT || r == SK_RUN_FAILED, "result %d",
		   (int)r);
	if (r == SK_RUN_FAILED)
		FUZZ_CHECK(page.has_error == 1 && page.error.len > 0 &&
				   page.error.len <= sizeof(page.error.buf),
			   "failed without an error string (exit %#llx)", (unsigned long long)code);
	else
		FUZZ_CHECK(page.has_error == 0, "exit %#llx: an error with result %d",
			   (unsigned long long)code, (int)r);
	if (r == SK_RUN_INTERCEPT)
		check_message(&page.intercept_message, vp.vp_index);
	else
		FUZZ_CHECK(!memcmp(&before, &page.intercept_message, sizeof(before)),
			   "exit %#llx: the message changed without an intercept",
			   (unsigned long long)code);
	check_control_area("the exit");
	check_injected(event, GET64(&s, VMCB_EVENT_INJ), in.info1);
	if (GET64(&s, VMCB_RIP) != rip)
		FUZZ_CHECK((code == SVM_EXIT_INVD || code == SVM_EXIT_XSETBV) &&
				   GET64(&s, VMCB_RIP) - rip >= 1 &&
				   GET64(&s, VMCB_RIP) - rip <= 15,
			   "exit %#llx moved RIP from %#llx to %#llx", (unsigned long long)code,
			   (unsigned long long)rip, (unsigned long long)GET64(&s, VMCB_RIP));
	FUZZ_CHECK(svm_xcr0_valid(s.xcr0), "guest XCR0 %#llx", (unsigned long long)s.xcr0);

	registers(&vp, &in);
	FUZZ_CHECK(svm_xcr0_valid(s.xcr0), "guest XCR0 %#llx after SET",
		   (unsigned long long)s.xcr0);
	return 0;
}
