// SPDX-License-Identifier: MIT
/* Encoders of Hyper-V intercept messages (see sk_intercept.h). */
#include <string.h>

#include "sk_intercept.h"
#include "sc_x86_regs.h"

uint16_t sk_msg_execution_state(const struct sk_exit_state *st)
{
	uint16_t s = st->cpl & HV_X64_VP_EXECUTION_STATE_CPL_MASK;

	if (st->cr0 & CR0_PE)
		s |= HV_X64_VP_EXECUTION_STATE_CR0_PE;
	if (st->cr0 & CR0_AM)
		s |= HV_X64_VP_EXECUTION_STATE_CR0_AM;
	if (st->efer & EFER_LMA)
		s |= HV_X64_VP_EXECUTION_STATE_EFER_LMA;
	if (st->interruption_pending)
		s |= HV_X64_VP_EXECUTION_STATE_INTERRUPTION_PENDING;
	if (st->interrupt_shadow)
		s |= HV_X64_VP_EXECUTION_STATE_INTERRUPT_SHADOW;
	/* VTL 0: the guest is the only VTL here. */
	return s;
}

/* Starts a message: zeroed, typed, its payload length set. */
static void *begin(struct hv_message *msg, uint32_t type, uint8_t payload_size)
{
	memset(msg, 0, sizeof(*msg));
	msg->header.typ = type;
	msg->header.len = payload_size;
	return msg->payload_buffer;
}

static void fill_header(struct hv_x64_intercept_message_header *h, const struct sk_exit_state *st,
			uint8_t access_type)
{
	h->vp_index = st->vp_index;
	h->instruction_length_and_cr8 =
		(uint8_t)((st->instruction_length & 0xF) | (st->cr8 & 0xF) << 4);
	h->intercept_access_type = access_type;
	h->execution_state = sk_msg_execution_state(st);
	h->cs_segment = st->cs;
	h->rip = st->rip;
	h->rflags = st->rflags;
}

static uint8_t copy_instruction(uint8_t dst[16], const struct sk_exit_state *st)
{
	uint8_t n = st->instruction_byte_count > 16 ? 16 : st->instruction_byte_count;

	memcpy(dst, st->instruction_bytes, n);
	return n;
}

void sk_msg_io_port(struct hv_message *msg, const struct sk_exit_state *st, uint16_t port,
		    uint8_t access_size, bool is_write, bool is_string, bool has_rep)
{
	struct hv_x64_io_port_intercept_message m = {0};

	fill_header(&m.header, st, is_write ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ);
	m.port_number = port;
	m.access_info = (uint8_t)((access_size & HV_X64_IO_PORT_ACCESS_SIZE_MASK) |
				  (is_string ? HV_X64_IO_PORT_ACCESS_STRING_OP : 0) |
				  (has_rep ? HV_X64_IO_PORT_ACCESS_REP_PREFIX : 0));
	m.instruction_byte_count = copy_instruction(m.instruction_bytes, st);
	m.rax = st->gps[SK_RAX];
	m.ds_segment = st->ds;
	m.es_segment = st->es;
	m.rcx = st->gps[SK_RCX];
	m.rsi = st->gps[SK_RSI];
	m.rdi = st->gps[SK_RDI];
	memcpy(begin(msg, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, sizeof(m)), &m, sizeof(m));
}

void sk_msg_msr(struct hv_message *msg, const struct sk_exit_state *st, uint32_t msr, bool is_write)
{
	struct hv_x64_msr_intercept_message m = {0};

	fill_header(&m.header, st, is_write ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ);
	m.msr_number = msr;
	m.rdx = st->gps[SK_RDX];
	m.rax = st->gps[SK_RAX];
	memcpy(begin(msg, HV_MESSAGE_TYPE_MSR_INTERCEPT, sizeof(m)), &m, sizeof(m));
}

void sk_msg_cpuid(struct hv_message *msg, const struct sk_exit_state *st, uint64_t default_rax,
		  uint64_t default_rbx, uint64_t default_rcx, uint64_t default_rdx)
{
	struct hv_x64_cpuid_intercept_message m = {0};

	fill_header(&m.header, st, HV_INTERCEPT_ACCESS_EXECUTE);
	m.rax = st->gps[SK_RAX];
	m.rcx = st->gps[SK_RCX];
	m.rdx = st->gps[SK_RDX];
	m.rbx = st->gps[SK_RBX];
	m.default_result_rax = default_rax;
	m.default_result_rcx = default_rcx;
	m.default_result_rdx = default_rdx;
	m.default_result_rbx = default_rbx;
	memcpy(begin(msg, HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT, sizeof(m)), &m, sizeof(m));
}

void sk_msg_unmapped_gpa(struct hv_message *msg, const struct sk_exit_state *st, uint64_t gpa,
			 bool gva_valid, uint64_t gva, uint8_t access_type)
{
	struct hv_x64_memory_intercept_message m = {0};

	fill_header(&m.header, st, access_type);
	/* Nothing is mapped there: to the guest it behaves as uncached MMIO. */
	m.cache_type = HV_CACHE_TYPE_UNCACHED;
	m.instruction_byte_count = copy_instruction(m.instruction_bytes, st);
	m.memory_access_info = gva_valid ? HV_X64_MEMORY_ACCESS_GVA_VALID : 0;
	m.guest_virtual_address = gva_valid ? gva : 0;
	m.guest_physical_address = gpa;
	memcpy(begin(msg, HV_MESSAGE_TYPE_UNMAPPED_GPA, sizeof(m)), &m, sizeof(m));
}

void sk_msg_halt(struct hv_message *msg, const struct sk_exit_state *st)
{
	struct hv_x64_halt_message m = {0};

	fill_header(&m.header, st, HV_INTERCEPT_ACCESS_EXECUTE);
	memcpy(begin(msg, HV_MESSAGE_TYPE_X64_HALT, sizeof(m)), &m, sizeof(m));
}

void sk_msg_unrecoverable_exception(struct hv_message *msg, const struct sk_exit_state *st)
{
	struct hv_x64_unrecoverable_exception_message m = {0};

	fill_header(&m.header, st, HV_INTERCEPT_ACCESS_READ);
	memcpy(begin(msg, HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION, sizeof(m)), &m, sizeof(m));
}
