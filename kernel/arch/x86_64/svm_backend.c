// SPDX-License-Identifier: MIT
/*
 * The SVM VP backend: runs the guest VP on this CPU with AMD SVM and nested
 * paging (AMD64 APM Vol. 2 chapter 15), and reports its exits as Hyper-V
 * intercept messages (sc_intercept.h), so a VMM written for OpenHCL's
 * Hyper-V sidecar drives it unchanged.
 *
 * Where the guest state lives while the VP is stopped:
 *   - RAX..R15 except RSP, and CR2: command_page.cpu_context (the VMM's
 *     copy, loaded for every run and written back after it), with CR2 in
 *     RSP's slot as the ABI says; GET/SET by name reach the same copy;
 *   - FX state: cpu_context.fx_state;
 *   - everything else (RSP, RIP, RFLAGS, segments, control registers, MSRs,
 *     pending event, interrupt shadow, DR6, DR7): the VMCB;
 *   - DR0-DR3: the CPU itself, shared (SVM does not switch them).
 * The backend's three private pages (vp_pages.h) are the VMCB, the host
 * save area (VM_HSAVE_PA) and the VMSAVE page for the host's FS, GS, TR,
 * LDTR and syscall MSRs.
 */
#include <sidecar/control_ops.h>
#include <string.h>

#include "cpu.h"
#include "kernel.h"
#include "sc_dispatch.h"
#include "sc_gva.h"
#include "sc_intercept.h"
#include "svm.h"

extern uint64_t svm_npt_pa, svm_iopm_pa, svm_msrpm_pa;

#define READ_ONCE_FIELD(x) (*(const volatile __typeof__(x) *)&(x))

static uint64_t vmcb_get(const struct svm_vp *s, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, s->vmcb + off, size);
	return v;
}

static void vmcb_set(struct svm_vp *s, unsigned int off, unsigned int size, uint64_t v)
{
	memcpy(s->vmcb + off, &v, size);
}

#define GET64(s, off)	 vmcb_get(s, off, 8)
#define SET64(s, off, v) vmcb_set(s, off, 8, v)

/* SVM packs a segment's attributes in 12 bits (descriptor bits 40-47 and
 * 52-55); Hyper-V keeps them in a 16-bit value with the high nibble at
 * bits 12-15 (APM Vol. 2 15.5.1; hvdef HvX64SegmentRegister). */
static void seg_get(const struct svm_vp *s, unsigned int off, struct hv_x64_segment_register *seg)
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
static void reset_state(struct svm_vp *s)
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
}

/* The VMCB's control area: what is intercepted, the nested tables. */
static void control_init(struct svm_vp *s)
{
	vmcb_set(s, VMCB_INTERCEPT_MISC1, 4,
		 SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			 SVM_INTERCEPT_CPUID | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA |
			 SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN);
	/* VMRUN must be intercepted (15.5.1); the other SVM instructions would
	 * reach the host's state, so the guest gets #UD for all of them. */
	vmcb_set(s, VMCB_INTERCEPT_MISC2, 4,
		 SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			 SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT);
	SET64(s, VMCB_IOPM_BASE_PA, svm_iopm_pa);
	SET64(s, VMCB_MSRPM_BASE_PA, svm_msrpm_pa);
	vmcb_set(s, VMCB_ASID, 4, 1);
	/* Physical interrupts follow the host's IF, so they exit the guest. */
	SET64(s, VMCB_INT_CONTROL, SVM_INT_V_INTR_MASKING);
	SET64(s, VMCB_NP_CONTROL, SVM_NP_ENABLE);
	SET64(s, VMCB_N_CR3, svm_npt_pa);
}

static bool svm_init_vp(struct sc_vp *vp, const char **why)
{
	struct percpu *cpu = this_cpu();
	struct svm_vp *s = &cpu->svm;
	uint8_t fx[512] __attribute__((aligned(16)));
	uint32_t mask;

	s->vmcb_pa = cpu->backend_pa[0];
	s->hsave_pa = cpu->backend_pa[1];
	s->host_save_pa = cpu->backend_pa[2];
	s->vmcb = slot_va(SLOT_BACKEND);
	memset(slot_va(SLOT_BACKEND), 0, 3 * SIDECAR_PAGE_SIZE);
	if (!(cpuid(0x80000001, 0).ecx & (1u << 2))) {
		*why = "this CPU has no SVM";
		return false;
	}
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, s->hsave_pa);

	/* The MXCSR bits FXRSTOR accepts (SDM Vol. 1 11.6.6); 0 means the
	 * default mask. A VMM-supplied MXCSR outside it would #GP. */
	memset(fx, 0, sizeof(fx));
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	memcpy(&mask, fx + 28, 4);
	s->mxcsr_mask = mask ? mask : 0xFFBF;

	control_init(s);
	reset_state(s);
	s->flush_tlb = true;
	vp->backend_state = s;
	return true;
}

static void svm_teardown_vp(struct sc_vp *vp)
{
	(void)vp;
	/* The CPU is about to be handed to Linux through INIT, which clears
	 * EFER; leave nothing enabled that Linux does not expect. */
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) & ~EFER_SVME);
}

static struct sc_gva_regs walk_regs(const struct svm_vp *s)
{
	return (struct sc_gva_regs){
		.cr0 = GET64(s, VMCB_CR0),
		.cr3 = GET64(s, VMCB_CR3),
		.cr4 = GET64(s, VMCB_CR4),
		.efer = GET64(s, VMCB_EFER),
		.rflags = GET64(s, VMCB_RFLAGS),
		.cpl = (uint8_t)vmcb_get(s, VMCB_CPL, 1),
		.maxphyaddr = (uint8_t)(cpuid(0x80000008, 0).eax & 0xFF),
	};
}

static bool mem_read(void *ctx, uint64_t gpa, void *buf, uint32_t size)
{
	(void)ctx;
	return svm_guest_read(gpa, buf, size);
}

static enum sc_cmpxchg_result mem_cmpxchg(void *ctx, uint64_t gpa, uint32_t size,
					  uint64_t *expected, uint64_t desired)
{
	(void)ctx;
	return svm_guest_cmpxchg(gpa, size, expected, desired);
}

static const struct sc_guest_memory guest_mem = {mem_read, mem_cmpxchg, NULL};

/*
 * The instruction at CS:RIP, for the message: the decode assist's bytes if
 * the CPU gave them (15.33.2), else read from guest memory through the
 * guest's page tables, up to 16 bytes or the first unreadable page.
 */
static void fetch_instruction(const struct svm_vp *s, struct sc_exit_state *st)
{
	struct sc_gva_regs regs = walk_regs(s);
	uint64_t linear = st->cs.base + st->rip;
	uint8_t n = 0;

	/* Decode assists (APM Vol. 2, "Decode Assists") fill the bytes on
	 * #NPF and #PF intercepts only; on any other exit the field still
	 * holds an earlier exit's bytes. */
	if (GET64(s, VMCB_EXIT_CODE) == SVM_EXIT_NPF)
		n = (uint8_t)vmcb_get(s, VMCB_INSN_LEN, 1) & 0xF;
	if (n) {
		memcpy(st->instruction_bytes, s->vmcb + VMCB_INSN_BYTES, n);
		st->instruction_byte_count = n;
		return;
	}
	/* 64-bit mode (EFER.LMA and CS.L) ignores the CS base; compatibility
	 * and legacy modes add it, in a 32-bit linear space (APM Vol. 2,
	 * long-mode segmentation). */
	if ((st->efer & EFER_LMA) && (st->cs.attributes & HV_X64_SEGMENT_ATTR_L))
		linear = st->rip;
	else
		linear &= 0xFFFFFFFF;
	while (st->instruction_byte_count < 16) {
		struct hv_translate_virtual_address_ex_output_x64 out;
		uint64_t page_left = SIDECAR_PAGE_SIZE - (linear & (SIDECAR_PAGE_SIZE - 1));
		uint32_t want = 16 - st->instruction_byte_count;

		if (want > page_left)
			want = (uint32_t)page_left;
		if (sc_translate_gva(&regs, linear, 0, &guest_mem, &out) != HV_STATUS_SUCCESS ||
		    (uint32_t)out.translation_result.result != HV_TRANSLATE_GVA_SUCCESS ||
		    !svm_guest_read(out.gpa_page << 12 | (linear & 0xFFF),
				    st->instruction_bytes + st->instruction_byte_count, want))
			return;
		st->instruction_byte_count += (uint8_t)want;
		linear += want;
	}
}

static void exit_state(const struct sc_vp *vp, const struct svm_vp *s, const uint64_t *gps,
		       uint8_t fixed_length, struct sc_exit_state *st)
{
	uint64_t rip = GET64(s, VMCB_RIP), nrip = GET64(s, VMCB_NEXT_RIP);

	*st = (struct sc_exit_state){
		.vp_index = vp->vp_index,
		.rip = rip,
		.rflags = GET64(s, VMCB_RFLAGS),
		.cr0 = GET64(s, VMCB_CR0),
		.efer = GET64(s, VMCB_EFER) & ~EFER_SVME,
		.cr8 = GET64(s, VMCB_INT_CONTROL) & 0xF,
		.cpl = (uint8_t)vmcb_get(s, VMCB_CPL, 1),
		.interrupt_shadow = GET64(s, VMCB_INT_STATE) & 1,
		.interruption_pending = (GET64(s, VMCB_EVENT_INJ) & SVM_EVENT_VALID) != 0,
	};
	/* For an instruction intercept, next-RIP saving (15.7.1) gives the
	 * exact length; otherwise the instruction's fixed encoding length.
	 * Other exits (fixed_length 0) have no length to report. */
	st->instruction_length = fixed_length && nrip > rip && nrip - rip <= 15
					 ? (uint8_t)(nrip - rip)
					 : fixed_length;
	seg_get(s, VMCB_CS, &st->cs);
	seg_get(s, VMCB_DS, &st->ds);
	seg_get(s, VMCB_ES, &st->es);
	seg_get(s, VMCB_SS, &st->ss);
	memcpy(st->gps, gps, sizeof(st->gps));
	st->gps[SC_RSP] = GET64(s, VMCB_RSP);
	fetch_instruction(s, st);
}

static void inject_ud(struct svm_vp *s)
{
	SET64(s, VMCB_EVENT_INJ,
	      SVM_EVENT_VALID | (uint64_t)SVM_EVENT_TYPE_EXCEPTION << SVM_EVENT_TYPE_SHIFT | 6);
}

static enum sc_run_result handle_exit(struct sc_vp *vp, struct svm_vp *s,
				      struct sidecar_command_page *cp, const uint64_t *gps)
{
	uint64_t code = GET64(s, VMCB_EXIT_CODE);
	uint64_t info1 = GET64(s, VMCB_EXIT_INFO1), info2 = GET64(s, VMCB_EXIT_INFO2);
	struct hv_message *msg = &cp->intercept_message;
	struct sc_exit_state st;

	/*
	 * APM Vol. 2 15.6: EXITCODE is 64 bits and VMEXIT_INVALID is -1, but
	 * QEMU 7.2's TCG leaves 0x00000000FFFFFFFF there for a refused guest
	 * state (seen in the linux suite's error test). No defined exit code
	 * has all low 32 bits set, so both mean INVALID.
	 */
	if ((uint32_t)code == (uint32_t)SVM_EXIT_INVALID)
		code = SVM_EXIT_INVALID;

	switch (code) {
	case SVM_EXIT_INTR:
		/* Take the interrupt that made us exit (the request IPI of a
		 * STOP, usually); the caller checks for STOP. */
		__asm__ volatile("sti; nop; cli" ::: "memory");
		return SC_RUN_CONTINUE;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		/* Delivered to the host once GIF is set again. */
		return SC_RUN_CONTINUE;
	case SVM_EXIT_CPUID: {
		struct cpuid_regs r = cpuid((uint32_t)gps[SC_RAX], (uint32_t)gps[SC_RCX]);

		/* The default: what this CPU says, without the virtualization
		 * extensions the guest cannot use. */
		if ((uint32_t)gps[SC_RAX] == 0x80000001)
			r.ecx &= ~(1u << 2);
		exit_state(vp, s, gps, 2, &st);
		sc_msg_cpuid(msg, &st, r.eax, r.ebx, r.ecx, r.edx);
		return SC_RUN_INTERCEPT;
	}
	case SVM_EXIT_HLT:
		exit_state(vp, s, gps, 1, &st);
		sc_msg_halt(msg, &st);
		return SC_RUN_INTERCEPT;
	case SVM_EXIT_IOIO: {
		uint8_t size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 0x4   ? 4
			       : (info1 >> SVM_IOIO_SIZE_SHIFT) & 0x2 ? 2
								      : 1;

		exit_state(vp, s, gps, 0, &st);
		/* EXITINFO2 is the next RIP (15.10.2). */
		if (info2 > st.rip && info2 - st.rip <= 15)
			st.instruction_length = (uint8_t)(info2 - st.rip);
		sc_msg_io_port(msg, &st, (uint16_t)(info1 >> SVM_IOIO_PORT_SHIFT), size,
			       !(info1 & SVM_IOIO_TYPE_IN), info1 & SVM_IOIO_STR,
			       info1 & SVM_IOIO_REP);
		return SC_RUN_INTERCEPT;
	}
	case SVM_EXIT_MSR:
		exit_state(vp, s, gps, 2, &st);
		sc_msg_msr(msg, &st, (uint32_t)gps[SC_RCX], info1 == 1);
		return SC_RUN_INTERCEPT;
	case SVM_EXIT_NPF: {
		uint8_t access = info1 & SVM_NPF_FETCH	 ? HV_INTERCEPT_ACCESS_EXECUTE
				 : info1 & SVM_NPF_WRITE ? HV_INTERCEPT_ACCESS_WRITE
							 : HV_INTERCEPT_ACCESS_READ;

		exit_state(vp, s, gps, 0, &st);
		/* SVM reports the guest-physical address only (EXITINFO2). */
		sc_msg_unmapped_gpa(msg, &st, info2, false, 0, access);
		return SC_RUN_INTERCEPT;
	}
	case SVM_EXIT_SHUTDOWN:
		/* The guest state is undefined now (15.13.3): the VMM must reset it. */
		exit_state(vp, s, gps, 0, &st);
		sc_msg_unrecoverable_exception(msg, &st);
		return SC_RUN_INTERCEPT;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		inject_ud(s);
		return SC_RUN_CONTINUE;
	case SVM_EXIT_INVALID:
		/*
		 * Rewrite the control area: under QEMU 7.2's TCG, a refused
		 * VMRUN leaves the next guest deaf to physical interrupts (a
		 * spinning guest ignored STOP in the linux suite's error test)
		 * unless the control area is set up afresh.
		 */
		control_init(s);
		s->flush_tlb = true;
		sc_command_error(cp,
				 "VMRUN refused the guest state (VMEXIT_INVALID): check CR0, CR3, "
				 "CR4, EFER and the segments (APM Vol. 2 15.5.1)");
		return SC_RUN_FAILED;
	default:
		sc_command_error(cp, "unexpected #VMEXIT %#llx (EXITINFO1 %#llx, EXITINFO2 %#llx)",
				 (unsigned long long)code, (unsigned long long)info1,
				 (unsigned long long)info2);
		return SC_RUN_FAILED;
	}
}

static enum sc_run_result svm_run_once(struct sc_vp *vp, struct sidecar_command_page *cp)
{
	struct svm_vp *s = vp->backend_state;
	struct sidecar_cpu_context_x64 *ctx = &cp->cpu_context;
	uint8_t fx[512] __attribute__((aligned(16)));
	uint64_t gps[16], pending;
	uint32_t mxcsr;

	/* The VMM's context, read once into our own copies: it cannot change
	 * what we validated. */
	for (int i = 0; i < 16; i++)
		gps[i] = READ_ONCE_FIELD(ctx->gps[i]);
	memcpy(fx, &ctx->fx_state, sizeof(fx));
	memcpy(&mxcsr, fx + 24, 4);
	if (mxcsr & ~s->mxcsr_mask) {
		sc_command_error(cp, "invalid MXCSR %#x in cpu_context.fx_state (allowed bits %#x)",
				 mxcsr, s->mxcsr_mask);
		return SC_RUN_FAILED;
	}

	SET64(s, VMCB_RAX, gps[SC_RAX]);
	SET64(s, VMCB_CR2, gps[4]); /* CR2 in RSP's slot */
	vmcb_set(s, VMCB_TLB_CONTROL, 1, s->flush_tlb ? 1 : 0);
	vmcb_set(s, VMCB_CLEAN_BITS, 4, 0);
	/* The sidecar never uses the FPU itself: the guest's state can sit in
	 * the registers across the host code around VMRUN. */
	__asm__ volatile("fxrstor64 %0" : : "m"(fx));
	sc_svm_run(s->vmcb_pa, s->host_save_pa, gps);
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	s->flush_tlb = false;

	gps[SC_RAX] = GET64(s, VMCB_RAX);
	gps[4] = GET64(s, VMCB_CR2);
	memcpy(ctx->gps, gps, sizeof(gps));
	memcpy(&ctx->fx_state, fx, sizeof(fx));
	/* An event being delivered when the guest exited is delivered again
	 * on the next entry (15.7.2), unless the VMM changes it first. */
	pending = GET64(s, VMCB_EXIT_INT_INFO);
	if (pending & SVM_EVENT_VALID)
		SET64(s, VMCB_EVENT_INJ, pending);
	return handle_exit(vp, s, cp, gps);
}

/* ---- registers by Hyper-V name ---- */

struct seg_name {
	hv_register_name_t name;
	uint16_t off;
};

static const struct seg_name segments[] = {
	{HV_X64_REGISTER_ES, VMCB_ES},	   {HV_X64_REGISTER_CS, VMCB_CS},
	{HV_X64_REGISTER_SS, VMCB_SS},	   {HV_X64_REGISTER_DS, VMCB_DS},
	{HV_X64_REGISTER_FS, VMCB_FS},	   {HV_X64_REGISTER_GS, VMCB_GS},
	{HV_X64_REGISTER_LDTR, VMCB_LDTR}, {HV_X64_REGISTER_TR, VMCB_TR},
};

struct u64_name {
	hv_register_name_t name;
	uint16_t off;
};

static const struct u64_name plain[] = {
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

/* Index into cpu_context.gps of a GPR name (CR2 in RSP's slot), or -1. */
static int context_slot(hv_register_name_t name)
{
	if (name == HV_X64_REGISTER_CR2)
		return 4;
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

static hv_status_t svm_get_register(struct sc_vp *vp, hv_register_name_t name,
				    union hv_register_value *value)
{
	const struct svm_vp *s = vp->backend_state;
	int slot = context_slot(name);

	value->reg128.low = value->reg128.high = 0;
	if (slot >= 0) {
		value->reg64 = READ_ONCE_FIELD(vp->command->cpu_context.gps[slot]);
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
			seg_get(s, segments[i].off, &value->segment);
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
		value->reg64 = rdtsc() + GET64(s, VMCB_TSC_OFFSET);
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_PENDING_INTERRUPTION:
		value->reg64 = eventinj_to_hv(GET64(s, VMCB_EVENT_INJ));
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_INTERRUPT_STATE:
		value->reg64 =
			GET64(s, VMCB_INT_STATE) & 1 ? HV_X64_INTERRUPT_STATE_INTERRUPT_SHADOW : 0;
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	}
}

static hv_status_t svm_set_register(struct sc_vp *vp, hv_register_name_t name,
				    const union hv_register_value *value)
{
	struct svm_vp *s = vp->backend_state;
	uint64_t v = value->reg64;
	int slot = context_slot(name);

	if (slot >= 0) {
		vp->command->cpu_context.gps[slot] = v;
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
		SET64(s, VMCB_TSC_OFFSET, v - rdtsc());
		return HV_STATUS_SUCCESS;
	case HV_X64_REGISTER_PENDING_INTERRUPTION: {
		uint64_t e;

		if (!hv_to_eventinj(v, &e))
			return HV_STATUS_INVALID_REGISTER_VALUE;
		SET64(s, VMCB_EVENT_INJ, e);
		return HV_STATUS_SUCCESS;
	}
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

static hv_status_t svm_translate_gva(struct sc_vp *vp, uint64_t gvn, uint64_t control_flags,
				     struct hv_translate_virtual_address_ex_output_x64 *out)
{
	const struct svm_vp *s = vp->backend_state;
	struct sc_gva_regs regs = walk_regs(s);

	if (gvn >> 52)
		return HV_STATUS_INVALID_PARAMETER;
	return sc_translate_gva(&regs, gvn << 12, control_flags, &guest_mem, out);
}

const struct sc_vp_backend svm_backend = {
	.name = "svm",
	.owns_dr6 = true,
	.init_vp = svm_init_vp,
	.teardown_vp = svm_teardown_vp,
	.run_once = svm_run_once,
	.get_register = svm_get_register,
	.set_register = svm_set_register,
	.translate_gva = svm_translate_gva,
};
