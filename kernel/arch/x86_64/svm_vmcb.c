// SPDX-License-Identifier: MIT
/*
 * The SVM backend's VMCB (AMD64 APM Vol. 2 chapter 15 and Appendix B): what
 * is intercepted, the guest's RESET state, its registers by Hyper-V name,
 * and the paging registers the walker needs. Plain C over the VMCB's bytes:
 * the kernel builds it freestanding, the unit tests and the fuzz harness
 * hosted over a byte array (svm.h lists what the CPU must provide).
 */
#include <string.h>

#include "sc_x86_regs.h"
#include "svm.h"

/* SVM packs a segment's attributes in 12 bits (descriptor bits 40-47 and
 * 52-55); Hyper-V keeps them in a 16-bit value with the high nibble at
 * bits 12-15 (APM Vol. 2 15.5.1; hvdef HvX64SegmentRegister). */
void svm_seg_get(const struct svm_vp *s, unsigned int off, struct hv_x64_segment_register *seg)
{
	uint16_t attr = (uint16_t)vmcb_get(s, off + 2, 2);

	seg->selector = (uint16_t)vmcb_get(s, off, 2);
	seg->attributes = (uint16_t)((attr & 0xFF) | (attr & 0xF00) << 4);
	seg->limit = (uint32_t)vmcb_get(s, off + 4, 4);
	seg->base = GET64(s, off + 8);
}

static void seg_set(struct svm_vp *s, unsigned int off, const struct hv_x64_segment_register *seg)
{
	vmcb_set(s, off, 2, seg->selector);
	vmcb_set(s, off + 2, 2,
		 (uint16_t)((seg->attributes & 0xFF) | (seg->attributes >> 4 & 0xF00)));
	vmcb_set(s, off + 4, 4, seg->limit);
	SET64(s, off + 8, seg->base);
}

static void seg_init(struct svm_vp *s, unsigned int off, uint16_t selector, uint64_t base,
		     uint32_t limit, uint16_t attributes)
{
	struct hv_x64_segment_register seg = {base, limit, selector, attributes};

	seg_set(s, off, &seg);
}

/* The x86 state after RESET (SDM Vol. 3A 9.1.1, APM Vol. 2 14.1.3), as a
 * new VP starts on Hyper-V; the VMM sets what it needs. */
void svm_vmcb_reset_state(struct svm_vp *s)
{
	seg_init(s, VMCB_CS, 0xF000, 0xFFFF0000, 0xFFFF, 0x9B);
	seg_init(s, VMCB_DS, 0, 0, 0xFFFF, 0x93);
	seg_init(s, VMCB_ES, 0, 0, 0xFFFF, 0x93);
	seg_init(s, VMCB_FS, 0, 0, 0xFFFF, 0x93);
	seg_init(s, VMCB_GS, 0, 0, 0xFFFF, 0x93);
	seg_init(s, VMCB_SS, 0, 0, 0xFFFF, 0x93);
	seg_init(s, VMCB_LDTR, 0, 0, 0xFFFF, 0x82);
	seg_init(s, VMCB_TR, 0, 0, 0xFFFF, 0x8B);
	seg_init(s, VMCB_GDTR, 0, 0, 0xFFFF, 0);
	seg_init(s, VMCB_IDTR, 0, 0, 0xFFFF, 0);
	SET64(s, VMCB_RIP, 0xFFF0);
	SET64(s, VMCB_RFLAGS, 0x2);
	SET64(s, VMCB_CR0, 0x60000010);
	SET64(s, VMCB_EFER, EFER_SVME); /* VMRUN requires it (15.5.1) */
	SET64(s, VMCB_DR6, 0xFFFF0FF0);
	SET64(s, VMCB_DR7, 0x400);
	SET64(s, VMCB_G_PAT, 0x0007040600070406ull);
	s->xcr0 = XCR0_X87; /* SDM Vol. 1 13.3 */
}

/*
 * The VMCB's control area: what is intercepted, the nested tables. Every
 * intercept here protects the host, and nothing the guest or the VMM does
 * clears one: only this function writes them (svm_exit.c calls it again
 * after VMEXIT_INVALID).
 */
void svm_vmcb_control_init(struct svm_vp *s)
{
	/*
	 * #DB and #AC: a guest can make the delivery of either raise the same
	 * exception again (a data breakpoint on the stack the delivery pushes
	 * to, an #AC handler on a misaligned CPL-3 stack), and the CPU then
	 * delivers it forever without an instruction boundary where a physical
	 * interrupt, and so STOP, could be taken (CVE-2015-8104, CVE-2015-5307).
	 * Intercepted, every delivery passes through the host, which reflects
	 * the exception into the guest (svm_exit.c).
	 */
	vmcb_set(s, VMCB_INTERCEPT_EXCEPTIONS, 4, SVM_INTERCEPT_EXCEPTIONS_REQUIRED);
	vmcb_set(s, VMCB_INTERCEPT_MISC1, 4, SVM_INTERCEPT_MISC1_REQUIRED);
	vmcb_set(s, VMCB_INTERCEPT_MISC2, 4, SVM_INTERCEPT_MISC2_REQUIRED);
	SET64(s, VMCB_IOPM_BASE_PA, svm_iopm_pa);
	SET64(s, VMCB_MSRPM_BASE_PA, svm_msrpm_pa);
	vmcb_set(s, VMCB_ASID, 4, 1);
	/* Physical interrupts follow the host's IF, so they exit the guest. */
	SET64(s, VMCB_INT_CONTROL, SVM_INT_V_INTR_MASKING);
	SET64(s, VMCB_NP_CONTROL, SVM_NP_ENABLE);
	SET64(s, VMCB_N_CR3, svm_npt_pa);
}

struct sk_gva_regs svm_walk_regs(const struct svm_vp *s)
{
	return (struct sk_gva_regs){
		.cr0 = GET64(s, VMCB_CR0),
		.cr3 = GET64(s, VMCB_CR3),
		.cr4 = GET64(s, VMCB_CR4),
		.efer = GET64(s, VMCB_EFER),
		.rflags = GET64(s, VMCB_RFLAGS),
		.cpl = (uint8_t)vmcb_get(s, VMCB_CPL, 1),
		.maxphyaddr = (uint8_t)(svm_host_cpuid(0x80000008, 0).eax & 0xFF),
	};
}

static bool mem_read(void *ctx, uint64_t gpa, void *buf, uint32_t size)
{
	(void)ctx;
	return svm_guest_read(gpa, buf, size);
}

static enum sk_cmpxchg_result mem_cmpxchg(void *ctx, uint64_t gpa, uint32_t size,
					  uint64_t *expected, uint64_t desired)
{
	(void)ctx;
	return svm_guest_cmpxchg(gpa, size, expected, desired);
}

const struct sk_guest_memory svm_guest_memory = {mem_read, mem_cmpxchg, NULL};

/* ---- registers by Hyper-V name ---- */

/* A Hyper-V register name and the VMCB field that holds it. */
struct vmcb_field {
	hv_register_name_t name;
	uint16_t off;
};

static const struct vmcb_field segments[] = {
	{HV_X64_REGISTER_ES, VMCB_ES},	   {HV_X64_REGISTER_CS, VMCB_CS},
	{HV_X64_REGISTER_SS, VMCB_SS},	   {HV_X64_REGISTER_DS, VMCB_DS},
	{HV_X64_REGISTER_FS, VMCB_FS},	   {HV_X64_REGISTER_GS, VMCB_GS},
	{HV_X64_REGISTER_LDTR, VMCB_LDTR}, {HV_X64_REGISTER_TR, VMCB_TR},
};

static const struct vmcb_field plain[] = {
	{HV_X64_REGISTER_RSP, VMCB_RSP},
	{HV_X64_REGISTER_RIP, VMCB_RIP},
	{HV_X64_REGISTER_RFLAGS, VMCB_RFLAGS},
	{HV_X64_REGISTER_CR0, VMCB_CR0},
	{HV_X64_REGISTER_CR3, VMCB_CR3},
	{HV_X64_REGISTER_CR4, VMCB_CR4},
	{HV_X64_REGISTER_DR6, VMCB_DR6},
	{HV_X64_REGISTER_DR7, VMCB_DR7},
	{HV_X64_REGISTER_PAT, VMCB_G_PAT},
	{HV_X64_REGISTER_STAR, VMCB_STAR},
	{HV_X64_REGISTER_LSTAR, VMCB_LSTAR},
	{HV_X64_REGISTER_CSTAR, VMCB_CSTAR},
	{HV_X64_REGISTER_SFMASK, VMCB_SFMASK},
	{HV_X64_REGISTER_KERNEL_GS_BASE, VMCB_KERNEL_GS_BASE},
	{HV_X64_REGISTER_SYSENTER_CS, VMCB_SYSENTER_CS},
	{HV_X64_REGISTER_SYSENTER_EIP, VMCB_SYSENTER_EIP},
	{HV_X64_REGISTER_SYSENTER_ESP, VMCB_SYSENTER_ESP},
};

/* Index into cpu_context.gps of a GPR name (CR2 in RSP's place), or -1. */
static int context_index(hv_register_name_t name)
{
	if (name == HV_X64_REGISTER_CR2)
		return SIDECAR_CPU_CONTEXT_CR2;
	if (name >= HV_X64_REGISTER_RAX && name <= HV_X64_REGISTER_R15 &&
	    name != HV_X64_REGISTER_RSP)
		return (int)(name - HV_X64_REGISTER_RAX);
	return -1;
}

/* Hyper-V's pending-interruption register <-> SVM's EVENTINJ. */
static uint64_t eventinj_to_hv(uint64_t e)
{
	if (!(e & SVM_EVENT_VALID))
		return 0;
	return HV_X64_PENDING_INTERRUPTION_PENDING |
	       ((e >> SVM_EVENT_TYPE_SHIFT) & 7) << HV_X64_PENDING_INTERRUPTION_TYPE_SHIFT |
	       (e & SVM_EVENT_ERROR_VALID ? HV_X64_PENDING_INTERRUPTION_DELIVER_ERROR_CODE : 0) |
	       (e & 0xFF) << HV_X64_PENDING_INTERRUPTION_VECTOR_SHIFT | (e >> 32) << 32;
}

static bool hv_to_eventinj(uint64_t v, uint64_t *e)
{
	uint64_t type = (v & HV_X64_PENDING_INTERRUPTION_TYPE_MASK) >>
			HV_X64_PENDING_INTERRUPTION_TYPE_SHIFT;
	uint64_t vector = (v & HV_X64_PENDING_INTERRUPTION_VECTOR_MASK) >>
			  HV_X64_PENDING_INTERRUPTION_VECTOR_SHIFT;

	if (!(v & HV_X64_PENDING_INTERRUPTION_PENDING)) {
		*e = 0;
		return true;
	}
	/* SVM injects interrupts, NMIs, exceptions and software interrupts
	 * (types 0, 2, 3, 4; 15.20); vectors are 8 bits. */
	if (vector > 255 || (type != 0 && type != 2 && type != 3 && type != 4))
		return false;
	*e = SVM_EVENT_VALID | type << SVM_EVENT_TYPE_SHIFT | vector |
	     (v & HV_X64_PENDING_INTERRUPTION_DELIVER_ERROR_CODE ? SVM_EVENT_ERROR_VALID : 0) |
	     (v >> 32) << 32;
	return true;
}

hv_status_t svm_get_register(struct sk_vp *vp, hv_register_name_t name,
			     union hv_register_value *value)
{
	const struct svm_vp *s = vp->backend_state;
	int gp = context_index(name);

	value->reg128.low = value->reg128.high = 0;
	if (gp >= 0) {
		value->reg64 = READ_ONCE_FIELD(vp->command->cpu_context.gps[gp]);
		return HV_STATUS_SUCCESS;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (plain[i].name == name) {
			value->reg64 = GET64(s, plain[i].off);
			return HV_STATUS_SUCCESS;
		}
	}
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		if (segments[i].name == name) {
			svm_seg_get(s, segments[i].off, &value->segment);
			return HV_STATUS_SUCCESS;
		}
	}
	switch (name) {
	case HV_X64_REGISTER_GDTR:
	case HV_X64_REGISTER_IDTR: {
		unsigned int off = name == HV_X64_REGISTER_GDTR ? VMCB_GDTR : VMCB_IDTR;

		value->table.limit = (uint16_t)vmcb_get(s, off + 4, 4);
		value->table.base = GET64(s, off + 8);
		return HV_STATUS_SUCCESS;
	}
	case HV_X64_REGISTER_EFER:
		value->reg64 = GET64(s, VMCB_EFER) & ~EFER_SVME;
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_CR8:
		value->reg64 = GET64(s, VMCB_INT_CONTROL) & 0xF;
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_TSC:
		value->reg64 = svm_host_rdtsc() + GET64(s, VMCB_TSC_OFFSET);
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_PENDING_INTERRUPTION:
		value->reg64 = eventinj_to_hv(GET64(s, VMCB_EVENT_INJ));
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_XFEM:
		value->reg64 = s->xcr0;
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_INTERRUPT_STATE:
		value->reg64 =
			GET64(s, VMCB_INT_STATE) & 1 ? HV_X64_INTERRUPT_STATE_INTERRUPT_SHADOW : 0;
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	}
}

hv_status_t svm_set_register(struct sk_vp *vp, hv_register_name_t name,
			     const union hv_register_value *value)
{
	struct svm_vp *s = vp->backend_state;
	uint64_t v = value->reg64;
	int gp = context_index(name);

	if (gp >= 0) {
		vp->command->cpu_context.gps[gp] = v;
		return HV_STATUS_SUCCESS;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (plain[i].name == name) {
			SET64(s, plain[i].off, v);
			if (name == HV_X64_REGISTER_CR3 || name == HV_X64_REGISTER_CR4 ||
			    name == HV_X64_REGISTER_CR0)
				s->flush_tlb = true;
			return HV_STATUS_SUCCESS;
		}
	}
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		if (segments[i].name == name) {
			if (value->segment.attributes & 0x0F00)
				return HV_STATUS_INVALID_REGISTER_VALUE; /* reserved bits */
			seg_set(s, segments[i].off, &value->segment);
			return HV_STATUS_SUCCESS;
		}
	}
	switch (name) {
	case HV_X64_REGISTER_GDTR:
	case HV_X64_REGISTER_IDTR: {
		unsigned int off = name == HV_X64_REGISTER_GDTR ? VMCB_GDTR : VMCB_IDTR;

		vmcb_set(s, off + 4, 4, value->table.limit);
		SET64(s, off + 8, value->table.base);
		return HV_STATUS_SUCCESS;
	}
	case HV_X64_REGISTER_EFER:
		/* SVME stays set in the guest's EFER for VMRUN; the guest never
		 * sees it (EFER reads return the value without it). */
		SET64(s, VMCB_EFER, v | EFER_SVME);
		s->flush_tlb = true;
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_CR8:
		if (v > 0xF)
			return HV_STATUS_INVALID_REGISTER_VALUE;
		SET64(s, VMCB_INT_CONTROL, (GET64(s, VMCB_INT_CONTROL) & ~0xFull) | v);
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_TSC:
		SET64(s, VMCB_TSC_OFFSET, v - svm_host_rdtsc());
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_PENDING_INTERRUPTION: {
		uint64_t e;

		if (!hv_to_eventinj(v, &e))
			return HV_STATUS_INVALID_REGISTER_VALUE;
		SET64(s, VMCB_EVENT_INJ, e);
		return HV_STATUS_SUCCESS;
	}
	case HV_X64_REGISTER_XFEM:
		if (!svm_xcr0_valid(v))
			return HV_STATUS_INVALID_REGISTER_VALUE;
		s->xcr0 = v;
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_INTERRUPT_STATE:
		/* SVM has no NMI-masked state to set. */
		if (v & ~HV_X64_INTERRUPT_STATE_INTERRUPT_SHADOW)
			return HV_STATUS_INVALID_REGISTER_VALUE;
		SET64(s, VMCB_INT_STATE, v & 1);
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	}
}
