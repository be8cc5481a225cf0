// SPDX-License-Identifier: MIT
/*
 * The self-test's guests: with a VP backend, the shim acts as a VMM for
 * every sidecar CPU at once. It builds a small 64-bit guest in guest
 * memory (identity page tables, a GDT, the code of guest_code.asm, one
 * string and one stack per VP), sets its registers with SET_VP_REGISTERS,
 * runs it with RUN_VP and handles each exit as a VMM would: it checks
 * every field of the Hyper-V message, completes the instruction (results
 * in cpu_context, RIP advanced with SET_VP_REGISTERS) and runs again.
 *
 *   out 0xE9 per byte of the VP's string (rebuilt and compared), in 0x71,
 *   CPUID 1, RDMSR and WRMSR 0x40000100, a load from an unmapped GPA,
 *   HLT; then a spinning guest that STOP ends (intercept 0); then
 *   TRANSLATE_GVA of a mapped, a not-present and an unmapped-GPA address;
 *   then the figures: exits handled per second per VP (a guest doing OUT
 *   in a loop) and the round trip of a NONE command.
 */
#include <sidecar/boot_ext.h>
#include <sidecar/control_ops.h>
#include <string.h>

#include "apic.h"
#include "selftest_internal.h"
#include "serial.h"
#include "tsc.h"
#include "x86.h"

#define ULL(x) ((unsigned long long)(x))

/* Guest-physical layout (identity-mapped as guest-virtual). */
#define GUEST_PML4	0x1000ull
#define GUEST_PDPT	0x2000ull
#define GUEST_PD0	0x3000ull /* 0-1 GiB */
#define GUEST_GDT	0x4000ull
#define GUEST_PD1	0x5000ull /* 1-2 GiB: beyond guest memory */
#define GUEST_CODE	0x10000ull
#define GUEST_STRINGS	0x20000ull    /* 16 bytes per VP */
#define GUEST_STACKS	0x100000ull   /* 4 KiB per VP */
#define UNMAPPED_GPA	0x40000000ull /* in the guest's tables, not the nested ones */
#define NOT_PRESENT_GVA 0x80000000ull /* not in the guest's tables */

#define STRING_LEN	10 /* "vp%04u ok\n" */
#define IN_PORT		0x71
#define IN_VALUE	0x5A
#define TEST_MSR	0x40000100u
#define RDMSR_VALUE	0x0000123400005678ull
#define LOAD_VALUE	0xC0FFEEull
#define BENCH_ROUNDS	100
#define PING_ROUNDS	200
#define PING_TIMEOUT_US 10000000u

extern const char sc_guest_code_start[], sc_guest_code_end[], sc_guest_spin[], sc_guest_bench[],
	sc_guest_unmapped_load[];

/* Guest code addresses, from the assembled layout. */
static uint64_t code_gva(const char *label)
{
	return GUEST_CODE + (uint64_t)(label - sc_guest_code_start);
}

/* guest_code.asm's instruction offsets the exits must report. */
#define RIP_OUT	  (GUEST_CODE + 0x06)
#define RIP_IN	  (GUEST_CODE + 0x0D)
#define RIP_CPUID (GUEST_CODE + 0x16)
#define RIP_RDMSR (GUEST_CODE + 0x1D)
#define RIP_WRMSR (GUEST_CODE + 0x2E)
#define RIP_HLT	  (GUEST_CODE + 0x32)

/* What each CPU's guest has printed so far. */
static char printed[SIDECAR_PLAN_MAX_CPUS][STRING_LEN + 1];
static struct cpuid_regs bsp_leaf1;

static void *guest_ptr(uint64_t gpa)
{
	return (void *)(uintptr_t)(boot->guest_base + gpa);
}

static uint32_t index_of(const struct st_cpu *c)
{
	return (uint32_t)(c - cpus);
}

static void expected_string(const struct st_cpu *c, char out[STRING_LEN + 1])
{
	sc_snprintf(out, STRING_LEN + 1, "vp%04u ok\n", c->vp % 10000);
}

static void build_guest_memory(void)
{
	uint64_t *pml4 = guest_ptr(GUEST_PML4), *pdpt = guest_ptr(GUEST_PDPT);
	uint64_t *pd0 = guest_ptr(GUEST_PD0), *pd1 = guest_ptr(GUEST_PD1);
	uint64_t *gdt = guest_ptr(GUEST_GDT);

	memset(guest_ptr(0), 0, GUEST_STACKS);
	/* Identity map of 2 GiB with 2 MiB pages (P, RW, PS). */
	pml4[0] = GUEST_PDPT | 0x3;
	pdpt[0] = GUEST_PD0 | 0x3;
	pdpt[1] = GUEST_PD1 | 0x3;
	for (uint64_t i = 0; i < 512; i++) {
		pd0[i] = (i << 21) | 0x83;
		pd1[i] = ((1ull << 30) + (i << 21)) | 0x83;
	}
	gdt[1] = 0x00AF9A000000FFFFull; /* 0x08: 64-bit code */
	gdt[2] = 0x00CF92000000FFFFull; /* 0x10: data */
	memcpy(guest_ptr(GUEST_CODE), sc_guest_code_start,
	       (size_t)(sc_guest_code_end - sc_guest_code_start));
	for (uint32_t i = 0; i < cpu_count; i++) {
		char s[STRING_LEN + 1];

		expected_string(&cpus[i], s);
		memcpy(guest_ptr(GUEST_STRINGS + 16ull * i), s, STRING_LEN + 1);
	}
}

/* ---- helpers ---- */

static struct hv_register_assoc *reg(struct sidecar_get_set_vp_register_request *req, uint16_t i,
				     hv_register_name_t name)
{
	req->regs[i].name = name;
	return &req->regs[i];
}

static void set_segment(struct sidecar_get_set_vp_register_request *req, uint16_t i,
			hv_register_name_t name, uint16_t selector, uint32_t limit,
			uint16_t attributes)
{
	struct hv_register_assoc *r = reg(req, i, name);

	r->value.segment = (struct hv_x64_segment_register){0, limit, selector, attributes};
}

static const struct hv_message *message(const struct st_cpu *c)
{
	return &c->command->intercept_message;
}

static const struct hv_x64_intercept_message_header *header(const struct st_cpu *c)
{
	return (const struct hv_x64_intercept_message_header *)message(c)->payload_buffer;
}

/* The run ended on an intercept of `type` at `rip` with `length`. */
static bool check_exit(struct st_cpu *c, char *detail, size_t size, uint32_t type, uint64_t rip,
		       uint8_t length)
{
	const struct hv_x64_intercept_message_header *h = header(c);
	uint16_t want_state = HV_X64_VP_EXECUTION_STATE_CR0_PE | HV_X64_VP_EXECUTION_STATE_EFER_LMA;

	if (!verify_no_error(c, detail, size))
		return false;
	if (!sidecar_response_run_vp(c->command)->intercept) {
		sc_snprintf(detail, size, "RUN_VP ended without an intercept");
		return false;
	}
	if (message(c)->header.typ != type) {
		sc_snprintf(detail, size, "message type %#x at RIP %#llx, expected %#x",
			    message(c)->header.typ, ULL(h->rip), type);
		return false;
	}
	if (h->vp_index != c->vp || h->rip != rip ||
	    (h->instruction_length_and_cr8 & 0xF) != length || h->execution_state != want_state ||
	    h->cs_segment.selector != 0x08 || h->cs_segment.attributes != 0xA09B ||
	    (h->rflags & 2) == 0) {
		sc_snprintf(detail, size,
			    "header: vp %u rip %#llx length %u state %#x cs %#x/%#x rflags %#llx; "
			    "expected vp %u rip %#llx length %u state %#x cs 0x8/0xa09b",
			    h->vp_index, ULL(h->rip), h->instruction_length_and_cr8 & 0xF,
			    h->execution_state, h->cs_segment.selector, h->cs_segment.attributes,
			    ULL(h->rflags), c->vp, ULL(rip), length, want_state);
		return false;
	}
	return true;
}

static uint64_t *gps(struct st_cpu *c)
{
	return c->command->cpu_context.gps;
}

/* ---- set-up ---- */

static void prepare_setup(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req;
	struct x86_fxsave *fx = &c->command->cpu_context.fx_state;
	uint16_t n = 0;

	memset(&c->command->cpu_context, 0, sizeof(c->command->cpu_context));
	fx->fcw = 0x037F; /* the x87 and SSE states after FNINIT and at reset */
	fx->mxcsr = 0x1F80;
	req = prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 0);
	reg(req, n++, HV_X64_REGISTER_CR0)->value.reg64 = 0x80010033; /* PG WP NE ET MP PE */
	reg(req, n++, HV_X64_REGISTER_CR3)->value.reg64 = GUEST_PML4;
	reg(req, n++, HV_X64_REGISTER_CR4)->value.reg64 = 0x620;  /* PAE OSFXSR OSXMMEXCPT */
	reg(req, n++, HV_X64_REGISTER_EFER)->value.reg64 = 0xD00; /* NXE LMA LME */
	set_segment(req, n++, HV_X64_REGISTER_CS, 0x08, 0xFFFFFFFF, 0xA09B);
	set_segment(req, n++, HV_X64_REGISTER_DS, 0x10, 0xFFFFFFFF, 0xC093);
	set_segment(req, n++, HV_X64_REGISTER_ES, 0x10, 0xFFFFFFFF, 0xC093);
	set_segment(req, n++, HV_X64_REGISTER_SS, 0x10, 0xFFFFFFFF, 0xC093);
	set_segment(req, n++, HV_X64_REGISTER_FS, 0x10, 0xFFFFFFFF, 0xC093);
	set_segment(req, n++, HV_X64_REGISTER_GS, 0x10, 0xFFFFFFFF, 0xC093);
	set_segment(req, n++, HV_X64_REGISTER_TR, 0, 0x67, 0x8B);
	set_segment(req, n++, HV_X64_REGISTER_LDTR, 0, 0, 0x82);
	reg(req, n, HV_X64_REGISTER_GDTR)->value.table.limit = 23;
	req->regs[n++].value.table.base = GUEST_GDT;
	reg(req, n++, HV_X64_REGISTER_IDTR);
	reg(req, n++, HV_X64_REGISTER_RIP)->value.reg64 = GUEST_CODE;
	reg(req, n++, HV_X64_REGISTER_RSP)->value.reg64 =
		GUEST_STACKS + 4096ull * (index_of(c) + 1);
	reg(req, n++, HV_X64_REGISTER_RFLAGS)->value.reg64 = 0x2;
	/* These two land in cpu_context (GPRs live there). */
	reg(req, n++, HV_X64_REGISTER_RSI)->value.reg64 = GUEST_STRINGS + 16ull * index_of(c);
	reg(req, n++, HV_X64_REGISTER_RDI)->value.reg64 = UNMAPPED_GPA;
	req->count = n;
	memset(printed[index_of(c)], 0, sizeof(printed[0]));
}

static bool verify_setup(struct st_cpu *c, char *detail, size_t size)
{
	if (!verify_status_success(c, detail, size))
		return false;
	if (gps(c)[SIDECAR_CPU_CONTEXT_RSI] != GUEST_STRINGS + 16ull * index_of(c)) {
		sc_snprintf(detail, size, "RSI was not set in cpu_context");
		return false;
	}
	return true;
}

/* ---- run, check, complete ---- */

static void prepare_run(struct st_cpu *c)
{
	prepare_command(c, SIDECAR_COMMAND_RUN_VP);
}

/* Advancing RIP is the VMM's job, as on Hyper-V: the message tells the
 * length (or, for an unmapped-GPA access, the VMM decodes it). */
static uint64_t next_rip_of[SIDECAR_PLAN_MAX_CPUS];

static void prepare_advance(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 1);

	reg(req, 0, HV_X64_REGISTER_RIP)->value.reg64 = next_rip_of[index_of(c)];
}

static void advance_by(struct st_cpu *c, uint64_t length)
{
	next_rip_of[index_of(c)] = header(c)->rip + length;
}

static bool verify_out(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_io_port_intercept_message *m = (const void *)message(c)->payload_buffer;
	char *s = printed[index_of(c)];
	size_t len = strlen(s);

	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, RIP_OUT, 2))
		return false;
	if (m->port_number != 0xE9 || m->access_info != 1 ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_WRITE ||
	    m->instruction_byte_count < 2 || m->instruction_bytes[0] != 0xE6 ||
	    m->instruction_bytes[1] != 0xE9 || message(c)->header.len != sizeof(*m)) {
		sc_snprintf(detail, size,
			    "port %#x access %#x type %u bytes %u: %02x %02x, expected OUT 0xE9 "
			    "of one byte (e6 e9)",
			    m->port_number, m->access_info, m->header.intercept_access_type,
			    m->instruction_byte_count, m->instruction_bytes[0],
			    m->instruction_bytes[1]);
		return false;
	}
	if (len < STRING_LEN)
		s[len] = (char)(m->rax & 0xFF);
	advance_by(c, 2);
	return true;
}

static bool verify_in(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_io_port_intercept_message *m = (const void *)message(c)->payload_buffer;

	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, RIP_IN, 2))
		return false;
	if (m->port_number != IN_PORT || m->access_info != 1 ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_READ ||
	    m->instruction_bytes[0] != 0xE4 || m->instruction_bytes[1] != IN_PORT) {
		sc_snprintf(detail, size, "port %#x access %#x type %u, expected IN 0x71 of a byte",
			    m->port_number, m->access_info, m->header.intercept_access_type);
		return false;
	}
	/* Complete the IN: AL gets the port's value. */
	gps(c)[SIDECAR_CPU_CONTEXT_RAX] = (gps(c)[SIDECAR_CPU_CONTEXT_RAX] & ~0xFFull) | IN_VALUE;
	advance_by(c, 2);
	return true;
}

static bool verify_cpuid(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_cpuid_intercept_message *m = (const void *)message(c)->payload_buffer;
	/* OSXSAVE mirrors each CPU's own CR4; the rest of leaf 1 matches the
	 * BSP's except the APIC ID in EBX. */
	const uint64_t ecx_mask = ~(1ull << 27);

	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT, RIP_CPUID, 2))
		return false;
	if (m->rax != 1 || m->rcx != 0 || m->default_result_rax != bsp_leaf1.eax ||
	    (m->default_result_rcx & ecx_mask) != (bsp_leaf1.ecx & ecx_mask) ||
	    m->default_result_rdx != bsp_leaf1.edx ||
	    (m->default_result_rbx & 0xFFFFFF) != (bsp_leaf1.ebx & 0xFFFFFF)) {
		sc_snprintf(detail, size,
			    "leaf %#llx/%#llx defaults %#llx %#llx %#llx %#llx, expected leaf 1 "
			    "as the BSP sees it (%#x %#x %#x %#x)",
			    ULL(m->rax), ULL(m->rcx), ULL(m->default_result_rax),
			    ULL(m->default_result_rbx), ULL(m->default_result_rcx),
			    ULL(m->default_result_rdx), bsp_leaf1.eax, bsp_leaf1.ebx, bsp_leaf1.ecx,
			    bsp_leaf1.edx);
		return false;
	}
	gps(c)[SIDECAR_CPU_CONTEXT_RAX] = m->default_result_rax;
	gps(c)[SIDECAR_CPU_CONTEXT_RBX] = m->default_result_rbx;
	gps(c)[SIDECAR_CPU_CONTEXT_RCX] = m->default_result_rcx;
	gps(c)[SIDECAR_CPU_CONTEXT_RDX] = m->default_result_rdx;
	advance_by(c, 2);
	return true;
}

static bool verify_rdmsr(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_msr_intercept_message *m = (const void *)message(c)->payload_buffer;

	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_MSR_INTERCEPT, RIP_RDMSR, 2))
		return false;
	if (m->msr_number != TEST_MSR ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_READ) {
		sc_snprintf(detail, size, "MSR %#x access %u, expected a read of %#x",
			    m->msr_number, m->header.intercept_access_type, TEST_MSR);
		return false;
	}
	gps(c)[SIDECAR_CPU_CONTEXT_RAX] = RDMSR_VALUE & 0xFFFFFFFF;
	gps(c)[SIDECAR_CPU_CONTEXT_RDX] = RDMSR_VALUE >> 32;
	advance_by(c, 2);
	return true;
}

static bool verify_wrmsr(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_msr_intercept_message *m = (const void *)message(c)->payload_buffer;

	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_MSR_INTERCEPT, RIP_WRMSR, 2))
		return false;
	if (m->msr_number != TEST_MSR ||
	    m->header.intercept_access_type != HV_INTERCEPT_ACCESS_WRITE || m->rax != 0x11223344 ||
	    m->rdx != 0x55667788) {
		sc_snprintf(detail, size,
			    "MSR %#x access %u value %#llx:%#llx, expected a write of "
			    "0x55667788:0x11223344 to %#x",
			    m->msr_number, m->header.intercept_access_type, ULL(m->rdx),
			    ULL(m->rax), TEST_MSR);
		return false;
	}
	advance_by(c, 2);
	return true;
}

static bool verify_unmapped(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_memory_intercept_message *m = (const void *)message(c)->payload_buffer;
	uint64_t rip = code_gva(sc_guest_unmapped_load);

	/* SVM gives no instruction length for a nested fault: 0, and the VMM
	 * decodes the bytes. */
	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_UNMAPPED_GPA, rip, 0))
		return false;
	if (m->guest_physical_address != UNMAPPED_GPA ||
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
			    ULL(UNMAPPED_GPA));
		return false;
	}
	/* Emulate the MMIO read: EAX gets the device's value. */
	gps(c)[SIDECAR_CPU_CONTEXT_RAX] = LOAD_VALUE;
	advance_by(c, 2);
	return true;
}

static bool verify_hlt(struct st_cpu *c, char *detail, size_t size)
{
	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_X64_HALT, RIP_HLT, 1))
		return false;
	/* The emulated results reached the guest: they are in its GPRs. */
	if (gps(c)[SIDECAR_CPU_CONTEXT_RAX] != LOAD_VALUE ||
	    gps(c)[SIDECAR_CPU_CONTEXT_RCX] != TEST_MSR ||
	    gps(c)[SIDECAR_CPU_CONTEXT_RSI] != GUEST_STRINGS + 16ull * index_of(c) + STRING_LEN) {
		sc_snprintf(detail, size, "guest RAX %#llx RCX %#llx RSI %#llx after the run",
			    ULL(gps(c)[SIDECAR_CPU_CONTEXT_RAX]),
			    ULL(gps(c)[SIDECAR_CPU_CONTEXT_RCX]),
			    ULL(gps(c)[SIDECAR_CPU_CONTEXT_RSI]));
		return false;
	}
	return true;
}

static bool verify_printed(struct st_cpu *c, char *detail, size_t size)
{
	char want[STRING_LEN + 1];

	expected_string(c, want);
	if (strcmp(printed[index_of(c)], want) != 0) {
		sc_snprintf(detail, size, "the guest printed \"%s\", expected \"%s\"",
			    printed[index_of(c)], want);
		return false;
	}
	return true;
}

/* ---- STOP of a spinning guest ---- */

static void prepare_spin(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 1);

	reg(req, 0, HV_X64_REGISTER_RIP)->value.reg64 = code_gva(sc_guest_spin);
}

static bool verify_stopped(struct st_cpu *c, char *detail, size_t size)
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

static void prepare_get_rip(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_GET_VP_REGISTERS, 1);

	reg(req, 0, HV_X64_REGISTER_RIP);
}

static bool verify_still_spinning(struct st_cpu *c, char *detail, size_t size)
{
	uint64_t rip = sidecar_request_get_set(c->command)->regs[0].value.reg64;

	if (!verify_status_success(c, detail, size))
		return false;
	if (rip != code_gva(sc_guest_spin)) {
		sc_snprintf(detail, size, "RIP %#llx after STOP, expected the spin loop %#llx",
			    ULL(rip), ULL(code_gva(sc_guest_spin)));
		return false;
	}
	return true;
}

/* ---- TRANSLATE_GVA on the guest's tables ---- */

static uint64_t translate_gva_of;

static void prepare_translate(struct st_cpu *c)
{
	struct sidecar_translate_gva_request *req = sidecar_request_translate_gva(c->command);

	prepare_command(c, SIDECAR_COMMAND_TRANSLATE_GVA);
	req->gvn = translate_gva_of >> 12;
	req->control_flags = HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_EXECUTE;
}

static bool verify_translation(struct st_cpu *c, char *detail, size_t size, uint32_t code,
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

static bool verify_translate_mapped(struct st_cpu *c, char *detail, size_t size)
{
	return verify_translation(c, detail, size, HV_TRANSLATE_GVA_SUCCESS, GUEST_CODE >> 12);
}

static bool verify_translate_not_present(struct st_cpu *c, char *detail, size_t size)
{
	return verify_translation(c, detail, size, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT, 0);
}

static bool verify_translate_unmapped(struct st_cpu *c, char *detail, size_t size)
{
	return verify_translation(c, detail, size, HV_TRANSLATE_GVA_GPA_UNMAPPED, 0);
}

/* ---- figures ---- */

static void prepare_bench(struct st_cpu *c)
{
	struct sidecar_get_set_vp_register_request *req =
		prepare_registers(c, SIDECAR_COMMAND_SET_VP_REGISTERS, 1);

	reg(req, 0, HV_X64_REGISTER_RIP)->value.reg64 = code_gva(sc_guest_bench);
}

static bool verify_bench_exit(struct st_cpu *c, char *detail, size_t size)
{
	const struct hv_x64_io_port_intercept_message *m = (const void *)message(c)->payload_buffer;

	if (!check_exit(c, detail, size, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT,
			code_gva(sc_guest_bench), 2))
		return false;
	if (m->port_number != 0x80) {
		sc_snprintf(detail, size, "port %#x, expected 0x80", m->port_number);
		return false;
	}
	advance_by(c, 2);
	return true;
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
	struct st_cpu *c;
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
	struct st_cpu *c = NULL;
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
	static struct group tr_mapped = {.name = "translate-mapped"};
	static struct group tr_absent = {.name = "translate-not-present"};
	static struct group tr_unmapped = {.name = "translate-gpa-unmapped"};
	struct group *advances[] = {&in, &cpuid_g, &rdmsr, &wrmsr, &unmapped};
	verify_fn checks[] = {verify_in, verify_cpuid, verify_rdmsr, verify_wrmsr, verify_unmapped};

	bsp_leaf1 = cpuid(1, 0);
	shim_print("selftest: guests in guest memory [%#llx, %#llx) on %u CPUs at once\n",
		   ULL(boot->guest_base), ULL(boot->guest_base + boot->guest_size), active_count());
	build_guest_memory();
	run_group(&setup, prepare_setup, verify_setup, NULL);

	for (int i = 0; i < STRING_LEN; i++) {
		run_group(&out, prepare_run, verify_out, NULL);
		run_group(&advance, prepare_advance, verify_status_success, NULL);
	}
	group_end(&out);
	group_end(&advance);
	for (uint32_t i = 0; i < cpu_count; i++) {
		char detail[160];

		if (!cpus[i].active)
			continue;
		if (verify_printed(&cpus[i], detail, sizeof(detail)))
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

	translate_gva_of = GUEST_CODE;
	run_group(&tr_mapped, prepare_translate, verify_translate_mapped, NULL);
	translate_gva_of = NOT_PRESENT_GVA;
	run_group(&tr_absent, prepare_translate, verify_translate_not_present, NULL);
	translate_gva_of = UNMAPPED_GPA;
	run_group(&tr_unmapped, prepare_translate, verify_translate_unmapped, NULL);

	figure_exit_rate();
	figure_none_round_trip();
}
