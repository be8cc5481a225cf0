// SPDX-License-Identifier: MIT
/*
 * The test guest (test_guest.h): its memory image, its start-up registers,
 * and the checks of every exit it makes. Plain C with no library beyond
 * memcpy/memset/strlen/strcmp and sc_snprintf, so it compiles freestanding
 * (the shim) and hosted (the Linux test VMM) alike.
 */
#include "test_guest.h"

#include <string.h>

#include "sc_format.h"

#define ULL(x) ((unsigned long long)(x))

extern const char tg_code_start[], tg_code_end[], tg_code_out[], tg_code_in[], tg_code_cpuid[],
	tg_code_rdmsr[], tg_code_wrmsr[], tg_code_load[], tg_code_hlt[], tg_code_spin[],
	tg_code_bench[];

static uint64_t code_gva(const char *label)
{
	return TG_CODE + (uint64_t)(label - tg_code_start);
}

uint64_t tg_spin_rip(void)
{
	return code_gva(tg_code_spin);
}

uint64_t tg_bench_rip(void)
{
	return code_gva(tg_code_bench);
}

uint64_t tg_unmapped_load_rip(void)
{
	return code_gva(tg_code_load);
}

uint64_t tg_hlt_rip(void)
{
	return code_gva(tg_code_hlt);
}

uint64_t tg_memory_needed(uint32_t slots)
{
	return TG_STACKS + (uint64_t)slots * TG_STACK_SIZE;
}

void tg_expected_string(uint32_t vp, char out[TG_STRING_LEN + 1])
{
	sc_snprintf(out, TG_STRING_LEN + 1, "vp%04u ok\n", vp % 10000);
}

bool tg_build(void *mem, uint64_t size, const uint32_t *vps, uint32_t slots)
{
	uint8_t *m = mem;
	uint64_t *pml4 = (uint64_t *)(m + TG_PML4), *pdpt = (uint64_t *)(m + TG_PDPT);
	uint64_t *pd0 = (uint64_t *)(m + TG_PD0), *pd1 = (uint64_t *)(m + TG_PD1);
	uint64_t *gdt = (uint64_t *)(m + TG_GDT);

	if (size < tg_memory_needed(slots) ||
	    (uint64_t)slots * TG_STRING_SIZE > TG_STACKS - TG_STRINGS)
		return false;
	memset(m, 0, TG_STACKS);
	/* Identity map of 2 GiB with 2 MiB pages (P, RW, PS). */
	pml4[0] = TG_PDPT | 0x3;
	pdpt[0] = TG_PD0 | 0x3;
	pdpt[1] = TG_PD1 | 0x3;
	for (uint64_t i = 0; i < 512; i++) {
		pd0[i] = (i << 21) | 0x83;
		pd1[i] = ((1ull << 30) + (i << 21)) | 0x83;
	}
	gdt[1] = 0x00AF9A000000FFFFull; /* 0x08: 64-bit code, DPL 0 */
	gdt[2] = 0x00CF92000000FFFFull; /* 0x10: flat data */
	memcpy(m + TG_CODE, tg_code_start, (size_t)(tg_code_end - tg_code_start));
	for (uint32_t i = 0; i < slots; i++)
		tg_expected_string(vps[i], (char *)m + TG_STRINGS + (uint64_t)TG_STRING_SIZE * i);
	return true;
}

static struct hv_register_assoc *reg(struct hv_register_assoc *regs, size_t i,
				     hv_register_name_t name)
{
	memset(&regs[i], 0, sizeof(regs[i]));
	regs[i].name = name;
	return &regs[i];
}

static void segment(struct hv_register_assoc *regs, size_t i, hv_register_name_t name,
		    uint16_t selector, uint32_t limit, uint16_t attributes)
{
	reg(regs, i, name)->value.segment =
		(struct hv_x64_segment_register){0, limit, selector, attributes};
}

size_t tg_setup_registers(struct hv_register_assoc *regs, uint32_t slot)
{
	size_t n = 0;

	reg(regs, n++, HV_X64_REGISTER_CR0)->value.reg64 = 0x80010033; /* PG WP NE ET MP PE */
	reg(regs, n++, HV_X64_REGISTER_CR3)->value.reg64 = TG_PML4;
	reg(regs, n++, HV_X64_REGISTER_CR4)->value.reg64 = 0x620;  /* PAE OSFXSR OSXMMEXCPT */
	reg(regs, n++, HV_X64_REGISTER_EFER)->value.reg64 = 0xD00; /* NXE LMA LME */
	segment(regs, n++, HV_X64_REGISTER_CS, 0x08, 0xFFFFFFFF, 0xA09B);
	segment(regs, n++, HV_X64_REGISTER_DS, 0x10, 0xFFFFFFFF, 0xC093);
	segment(regs, n++, HV_X64_REGISTER_ES, 0x10, 0xFFFFFFFF, 0xC093);
	segment(regs, n++, HV_X64_REGISTER_SS, 0x10, 0xFFFFFFFF, 0xC093);
	segment(regs, n++, HV_X64_REGISTER_FS, 0x10, 0xFFFFFFFF, 0xC093);
	segment(regs, n++, HV_X64_REGISTER_GS, 0x10, 0xFFFFFFFF, 0xC093);
	segment(regs, n++, HV_X64_REGISTER_TR, 0, 0x67, 0x8B);
	segment(regs, n++, HV_X64_REGISTER_LDTR, 0, 0, 0x82);
	reg(regs, n, HV_X64_REGISTER_GDTR)->value.table.limit = 23;
	regs[n++].value.table.base = TG_GDT;
	reg(regs, n++, HV_X64_REGISTER_IDTR);
	reg(regs, n++, HV_X64_REGISTER_RIP)->value.reg64 = TG_CODE;
	reg(regs, n++, HV_X64_REGISTER_RSP)->value.reg64 =
		TG_STACKS + (uint64_t)TG_STACK_SIZE * (slot + 1);
	reg(regs, n++, HV_X64_REGISTER_RFLAGS)->value.reg64 = 0x2;
	reg(regs, n++, HV_X64_REGISTER_RSI)->value.reg64 =
		TG_STRINGS + (uint64_t)TG_STRING_SIZE * slot;
	reg(regs, n++, HV_X64_REGISTER_RDI)->value.reg64 = TG_UNMAPPED_GPA;
	return n;
}

void tg_reset_fx(struct x86_fxsave *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->fcw = 0x037F; /* the x87 and SSE states after FNINIT and at reset */
	fx->mxcsr = 0x1F80;
}

void tg_vp_init(struct tg_vp *g, uint32_t vp, uint32_t slot, const struct tg_cpuid *leaf1)
{
	memset(g, 0, sizeof(*g));
	g->vp = vp;
	g->slot = slot;
	g->stage = TG_STAGE_OUT;
	g->leaf1 = *leaf1;
}

static const struct hv_x64_intercept_message_header *header(const struct hv_message *msg)
{
	return (const struct hv_x64_intercept_message_header *)msg->payload_buffer;
}

bool tg_check_exit(const struct tg_vp *g, const struct hv_message *msg, uint32_t type, uint64_t rip,
		   uint8_t length, char *detail, size_t size)
{
	const struct hv_x64_intercept_message_header *h = header(msg);
	uint16_t want_state = HV_X64_VP_EXECUTION_STATE_CR0_PE | HV_X64_VP_EXECUTION_STATE_EFER_LMA;

	if (msg->header.typ != type) {
		sc_snprintf(detail, size, "message type %#x at RIP %#llx, expected %#x at %#llx",
			    msg->header.typ, ULL(h->rip), type, ULL(rip));
		return false;
	}
	if (h->vp_index != g->vp || h->rip != rip ||
	    (h->instruction_length_and_cr8 & 0xF) != length || h->execution_state != want_state ||
	    h->cs_segment.selector != 0x08 || h->cs_segment.attributes != 0xA09B ||
	    (h->rflags & 2) == 0) {
		sc_snprintf(detail, size,
			    "header: vp %u rip %#llx length %u state %#x cs %#x/%#x rflags %#llx; "
			    "expected vp %u rip %#llx length %u state %#x cs 0x8/0xa09b",
			    h->vp_index, ULL(h->rip), h->instruction_length_and_cr8 & 0xF,
			    h->execution_state, h->cs_segment.selector, h->cs_segment.attributes,
			    ULL(h->rflags), g->vp, ULL(rip), length, want_state);
		return false;
	}
	return true;
}

/* The payload as type T; the message length must be exactly its size. */
static bool payload_size_is(const struct hv_message *msg, size_t want, char *detail, size_t size)
{
	if (msg->header.len != want) {
		sc_snprintf(detail, size, "payload length %u, expected %u", msg->header.len,
			    (unsigned int)want);
		return false;
	}
	return true;
}

static void advance(struct tg_vp *g, const struct hv_message *msg, uint64_t length)
{
	g->next_rip = header(msg)->rip + length;
}

bool tg_check_out(struct tg_vp *g, const struct hv_message *msg, char *detail, size_t size)
{
	const struct hv_x64_io_port_intercept_message *m = (const void *)msg->payload_buffer;
	size_t len = strlen(g->printed);

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, code_gva(tg_code_out), 2,
			   detail, size) ||
	    !payload_size_is(msg, sizeof(*m), detail, size))
		return false;
	if (m->port_number != 0xE9 || m->access_info != 1 ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_WRITE ||
	    m->instruction_byte_count < 2 || m->instruction_bytes[0] != 0xE6 ||
	    m->instruction_bytes[1] != 0xE9 ||
	    m->rsi != TG_STRINGS + (uint64_t)TG_STRING_SIZE * g->slot + len) {
		sc_snprintf(detail, size,
			    "port %#x access %#x type %u bytes %u: %02x %02x RSI %#llx, expected "
			    "OUT 0xE9 of one byte (e6 e9) of character %u",
			    m->port_number, m->access_info, m->header.intercept_access_type,
			    m->instruction_byte_count, m->instruction_bytes[0],
			    m->instruction_bytes[1], ULL(m->rsi), (unsigned int)len);
		return false;
	}
	if (len < TG_STRING_LEN)
		g->printed[len] = (char)(m->rax & 0xFF);
	advance(g, msg, 2);
	return true;
}

bool tg_check_in(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		 size_t size)
{
	const struct hv_x64_io_port_intercept_message *m = (const void *)msg->payload_buffer;

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, code_gva(tg_code_in), 2,
			   detail, size))
		return false;
	if (m->port_number != TG_IN_PORT || m->access_info != 1 ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_READ ||
	    m->instruction_bytes[0] != 0xE4 || m->instruction_bytes[1] != TG_IN_PORT) {
		sc_snprintf(detail, size, "port %#x access %#x type %u, expected IN 0x71 of a byte",
			    m->port_number, m->access_info, m->header.intercept_access_type);
		return false;
	}
	/* Complete the IN: AL gets the port's value. */
	gps[SIDECAR_CPU_CONTEXT_RAX] = (gps[SIDECAR_CPU_CONTEXT_RAX] & ~0xFFull) | TG_IN_VALUE;
	advance(g, msg, 2);
	return true;
}

bool tg_check_cpuid(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		    size_t size)
{
	const struct hv_x64_cpuid_intercept_message *m = (const void *)msg->payload_buffer;
	/* OSXSAVE mirrors each CPU's own CR4; EBX[31:24] is its APIC ID. */
	const uint64_t ecx_mask = ~(1ull << 27);

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT, code_gva(tg_code_cpuid), 2,
			   detail, size) ||
	    !payload_size_is(msg, sizeof(*m), detail, size))
		return false;
	if (m->rax != 1 || m->rcx != 0 || m->default_result_rax != g->leaf1.eax ||
	    (m->default_result_rcx & ecx_mask) != (g->leaf1.ecx & ecx_mask) ||
	    m->default_result_rdx != g->leaf1.edx ||
	    (m->default_result_rbx & 0xFFFFFF) != (g->leaf1.ebx & 0xFFFFFF)) {
		sc_snprintf(detail, size,
			    "leaf %#llx/%#llx defaults %#llx %#llx %#llx %#llx, expected leaf 1 "
			    "as the VMM's CPU sees it (%#x %#x %#x %#x)",
			    ULL(m->rax), ULL(m->rcx), ULL(m->default_result_rax),
			    ULL(m->default_result_rbx), ULL(m->default_result_rcx),
			    ULL(m->default_result_rdx), g->leaf1.eax, g->leaf1.ebx, g->leaf1.ecx,
			    g->leaf1.edx);
		return false;
	}
	gps[SIDECAR_CPU_CONTEXT_RAX] = m->default_result_rax;
	gps[SIDECAR_CPU_CONTEXT_RBX] = m->default_result_rbx;
	gps[SIDECAR_CPU_CONTEXT_RCX] = m->default_result_rcx;
	gps[SIDECAR_CPU_CONTEXT_RDX] = m->default_result_rdx;
	advance(g, msg, 2);
	return true;
}

bool tg_check_rdmsr(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		    size_t size)
{
	const struct hv_x64_msr_intercept_message *m = (const void *)msg->payload_buffer;

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_MSR_INTERCEPT, code_gva(tg_code_rdmsr), 2,
			   detail, size) ||
	    !payload_size_is(msg, sizeof(*m), detail, size))
		return false;
	if (m->msr_number != TG_TEST_MSR ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_READ) {
		sc_snprintf(detail, size, "MSR %#x access %u, expected a read of %#x",
			    m->msr_number, m->header.intercept_access_type, TG_TEST_MSR);
		return false;
	}
	gps[SIDECAR_CPU_CONTEXT_RAX] = TG_RDMSR_VALUE & 0xFFFFFFFF;
	gps[SIDECAR_CPU_CONTEXT_RDX] = TG_RDMSR_VALUE >> 32;
	advance(g, msg, 2);
	return true;
}

bool tg_check_wrmsr(struct tg_vp *g, const struct hv_message *msg, char *detail, size_t size)
{
	const struct hv_x64_msr_intercept_message *m = (const void *)msg->payload_buffer;

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_MSR_INTERCEPT, code_gva(tg_code_wrmsr), 2,
			   detail, size))
		return false;
	if (m->msr_number != TG_TEST_MSR ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_WRITE ||
	    m->rax != TG_WRMSR_RAX || m->rdx != TG_WRMSR_RDX) {
		sc_snprintf(detail, size,
			    "MSR %#x access %u value %#llx:%#llx, expected a write of "
			    "%#x:%#x to %#x",
			    m->msr_number, m->header.intercept_access_type, ULL(m->rdx),
			    ULL(m->rax), TG_WRMSR_RDX, TG_WRMSR_RAX, TG_TEST_MSR);
		return false;
	}
	advance(g, msg, 2);
	return true;
}

bool tg_check_unmapped(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16],
		       char *detail, size_t size)
{
	const struct hv_x64_memory_intercept_message *m = (const void *)msg->payload_buffer;

	/* SVM gives no instruction length for a nested fault: 0, and the VMM
	 * decodes the bytes (8b 07 is two bytes long). */
	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_UNMAPPED_GPA, code_gva(tg_code_load), 0, detail,
			   size) ||
	    !payload_size_is(msg, sizeof(*m), detail, size))
		return false;
	if (m->guest_physical_address != TG_UNMAPPED_GPA ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_READ ||
	    m->instruction_byte_count < 2 || m->instruction_bytes[0] != 0x8B ||
	    m->instruction_bytes[1] != 0x07 || m->cache_type != HV_CACHE_TYPE_UNCACHED ||
	    (m->memory_access_info & HV_X64_MEMORY_ACCESS_GVA_VALID)) {
		sc_snprintf(detail, size,
			    "GPA %#llx access %u bytes %u: %02x %02x cache %u info %#x; expected a "
			    "read of %#llx by 8b 07 (mov eax, [rdi])",
			    ULL(m->guest_physical_address), m->header.intercept_access_type,
			    m->instruction_byte_count, m->instruction_bytes[0],
			    m->instruction_bytes[1], m->cache_type, m->memory_access_info,
			    ULL(TG_UNMAPPED_GPA));
		return false;
	}
	/* Emulate the MMIO read: EAX gets the device's value. */
	gps[SIDECAR_CPU_CONTEXT_RAX] = TG_LOAD_VALUE;
	advance(g, msg, 2);
	return true;
}

bool tg_check_hlt(struct tg_vp *g, const struct hv_message *msg, const uint64_t gps[16],
		  char *detail, size_t size)
{
	uint64_t rsi = TG_STRINGS + (uint64_t)TG_STRING_SIZE * g->slot + TG_STRING_LEN;

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_X64_HALT, code_gva(tg_code_hlt), 1, detail,
			   size))
		return false;
	/* Every emulated result reached the guest: the load's value is in
	 * EAX, and the registers the guest itself set survived the exits. */
	if (gps[SIDECAR_CPU_CONTEXT_RAX] != TG_LOAD_VALUE ||
	    gps[SIDECAR_CPU_CONTEXT_RCX] != TG_TEST_MSR || gps[SIDECAR_CPU_CONTEXT_RSI] != rsi ||
	    gps[SIDECAR_CPU_CONTEXT_RDI] != TG_UNMAPPED_GPA) {
		sc_snprintf(detail, size,
			    "guest RAX %#llx RCX %#llx RSI %#llx RDI %#llx after the run; expected "
			    "%#llx %#x %#llx %#llx",
			    ULL(gps[SIDECAR_CPU_CONTEXT_RAX]), ULL(gps[SIDECAR_CPU_CONTEXT_RCX]),
			    ULL(gps[SIDECAR_CPU_CONTEXT_RSI]), ULL(gps[SIDECAR_CPU_CONTEXT_RDI]),
			    ULL(TG_LOAD_VALUE), TG_TEST_MSR, ULL(rsi), ULL(TG_UNMAPPED_GPA));
		return false;
	}
	advance(g, msg, 1);
	return true;
}

bool tg_check_printed(const struct tg_vp *g, char *detail, size_t size)
{
	char want[TG_STRING_LEN + 1];

	tg_expected_string(g->vp, want);
	if (strcmp(g->printed, want) != 0) {
		sc_snprintf(detail, size, "the guest printed \"%s\", expected \"%s\"", g->printed,
			    want);
		return false;
	}
	return true;
}

bool tg_check_bench_out(struct tg_vp *g, const struct hv_message *msg, char *detail, size_t size)
{
	const struct hv_x64_io_port_intercept_message *m = (const void *)msg->payload_buffer;

	if (!tg_check_exit(g, msg, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, code_gva(tg_code_bench),
			   2, detail, size))
		return false;
	if (m->port_number != TG_BENCH_PORT) {
		sc_snprintf(detail, size, "port %#x, expected %#x", m->port_number, TG_BENCH_PORT);
		return false;
	}
	advance(g, msg, 2);
	return true;
}

bool tg_handle_exit(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		    size_t size)
{
	bool ok;

	switch (g->stage) {
	case TG_STAGE_OUT:
		ok = tg_check_out(g, msg, detail, size);
		if (ok && strlen(g->printed) == TG_STRING_LEN) {
			ok = tg_check_printed(g, detail, size);
			g->stage = TG_STAGE_IN;
		}
		return ok;
	case TG_STAGE_IN:
		ok = tg_check_in(g, msg, gps, detail, size);
		break;
	case TG_STAGE_CPUID:
		ok = tg_check_cpuid(g, msg, gps, detail, size);
		break;
	case TG_STAGE_RDMSR:
		ok = tg_check_rdmsr(g, msg, gps, detail, size);
		break;
	case TG_STAGE_WRMSR:
		ok = tg_check_wrmsr(g, msg, detail, size);
		break;
	case TG_STAGE_UNMAPPED:
		ok = tg_check_unmapped(g, msg, gps, detail, size);
		break;
	case TG_STAGE_HLT:
		ok = tg_check_hlt(g, msg, gps, detail, size);
		break;
	default:
		sc_snprintf(detail, size, "an exit after the program ended (type %#x)",
			    msg->header.typ);
		return false;
	}
	if (ok)
		g->stage++;
	return ok;
}
