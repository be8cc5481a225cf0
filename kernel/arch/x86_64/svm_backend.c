// SPDX-License-Identifier: MIT
/*
 * The SVM VP backend: runs the guest VP on this CPU with AMD SVM and nested
 * paging (AMD64 APM Vol. 2 chapter 15), and reports its exits as Hyper-V
 * intercept messages (sk_intercept.h), so a VMM written for OpenHCL's
 * Hyper-V sidecar drives it unchanged.
 *
 * Where the guest state lives while the VP is stopped:
 *   - RAX..R15 except RSP, and CR2: command_page.cpu_context (the VMM's
 *     copy, loaded for every run and written back after it), with CR2 in
 *     RSP's place as the ABI says; GET/SET by name reach the same copy;
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
#include "sk_commands.h"
#include "sk_gva.h"
#include "sk_intercept.h"
#include "svm.h"

/* CPUID.1:ECX.XSAVE (SDM Vol. 2A, CPUID). */
#define CPUID1_ECX_XSAVE (1u << 26)

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void xsetbv(uint32_t xcr, uint64_t value)
{
	__asm__ volatile("xsetbv"
			 :
			 : "c"(xcr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

static uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return (uint64_t)hi << 32 | lo;
}

/*
 * Puts back what a CPU that intercepts less than SVM defines let the guest
 * change: QEMU 7.2's TCG has no XSETBV intercept, so there the guest's
 * XSETBV reaches the CPU's XCR0. It must not outlive the run: the XCR0 this
 * backend knows for the guest is loaded again at the next entry, and no
 * other VMM's guest ever sees the value. Costs one XGETBV.
 */
static void after_guest(struct svm_vp *s)
{
	if (s->has_xsave && xgetbv(0) != s->cpu_xcr0)
		xsetbv(0, s->cpu_xcr0);
}

_Static_assert(SK_VP_BACKEND_PAGES == 3, "the VMCB, the host save area, the VMSAVE page");
_Static_assert(_Alignof(struct svm_vp) <= 16, "the platform aligns backend_state to 16");

static bool svm_init_vp(struct sk_vp *vp, const struct sk_vp_backend_pages *pages, const char **why)
{
	struct svm_vp *s = vp->backend_state;
	uint8_t fx[512] __attribute__((aligned(16)));
	uint32_t mask;

	s->vmcb_pa = pages->pa[0];
	s->hsave_pa = pages->pa[1];
	s->host_save_pa = pages->pa[2];
	s->vmcb = pages->va;
	memset(pages->va, 0, SK_VP_BACKEND_PAGES * SIDECAR_PAGE_SIZE);
	if (!(cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM)) {
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

	/*
	 * XSETBV is intercepted and emulated (svm_exit.c), but XGETBV cannot
	 * be (APM Vol. 2 15.9): the CPU's XCR0 must hold the guest's value
	 * while it runs. CR4.OSXSAVE lets this CPU load it; the sidecar itself
	 * never uses XSAVE, and XCR0 never holds more than x87 and SSE, so the
	 * FXSAVE image in cpu_context is all the extended state there is.
	 */
	s->has_xsave = (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) != 0;
	if (s->has_xsave) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, XCR0_X87);
		s->cpu_xcr0 = XCR0_X87;
	}

	svm_vmcb_control_init(s);
	svm_vmcb_reset_state(s);
	s->flush_tlb = true;
	return true;
}

static void svm_teardown_vp(struct sk_vp *vp)
{
	(void)vp;
	/* The CPU is about to be handed to Linux through INIT, which clears
	 * EFER; leave nothing enabled that Linux does not expect. */
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) & ~EFER_SVME);
}

static enum sk_run_result svm_run_once(struct sk_vp *vp, struct sidecar_command_page *cp)
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
		sk_command_error(cp, "invalid MXCSR %#x in cpu_context.fx_state (allowed bits %#x)",
				 mxcsr, s->mxcsr_mask);
		return SK_RUN_FAILED;
	}

	SET64(s, VMCB_RAX, gps[SK_RAX]);
	SET64(s, VMCB_CR2, gps[SIDECAR_CPU_CONTEXT_CR2]); /* CR2 in RSP's place */
	vmcb_set(s, VMCB_TLB_CONTROL, 1, s->flush_tlb ? 1 : 0);
	vmcb_set(s, VMCB_CLEAN_BITS, 4, 0);
	/* The sidecar never uses the FPU itself: the guest's state can sit in
	 * the registers across the host code around VMRUN. */
	if (s->has_xsave && s->cpu_xcr0 != s->xcr0) {
		xsetbv(0, s->xcr0);
		s->cpu_xcr0 = s->xcr0;
	}
	__asm__ volatile("fxrstor64 %0" : : "m"(fx));
	sk_svm_run(s->vmcb_pa, s->host_save_pa, gps);
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	after_guest(s);
	s->flush_tlb = false;

	gps[SK_RAX] = GET64(s, VMCB_RAX);
	gps[SIDECAR_CPU_CONTEXT_CR2] = GET64(s, VMCB_CR2);
	memcpy(ctx->gps, gps, sizeof(gps));
	memcpy(&ctx->fx_state, fx, sizeof(fx));
	/* An event being delivered when the guest exited is delivered again
	 * on the next entry (15.7.2), unless the VMM changes it first. One
	 * that was injected and delivered is gone; after a refused VMRUN
	 * (VMEXIT_INVALID) nothing was injected and the event stays. */
	pending = GET64(s, VMCB_EXIT_INT_INFO);
	if (pending & SVM_EVENT_VALID)
		SET64(s, VMCB_EVENT_INJ, pending);
	else if ((uint32_t)GET64(s, VMCB_EXIT_CODE) != (uint32_t)SVM_EXIT_INVALID)
		SET64(s, VMCB_EVENT_INJ, 0);
	return svm_handle_exit(vp, s, cp, gps);
}

static hv_status_t svm_translate_gva(struct sk_vp *vp, uint64_t gvn, uint64_t control_flags,
				     struct hv_translate_virtual_address_ex_output_x64 *out)
{
	const struct svm_vp *s = vp->backend_state;
	struct sk_gva_regs regs = svm_walk_regs(s);

	if (gvn >> 52)
		return HV_STATUS_INVALID_PARAMETER;
	return sk_translate_gva(&regs, gvn << 12, control_flags, &svm_guest_memory, out);
}

const struct sk_vp_backend svm_backend = {
	.name = "svm",
	.state_size = sizeof(struct svm_vp),
	.owns_dr6 = true,
	.host_owns_mtrrs = true,
	.init_vp = svm_init_vp,
	.teardown_vp = svm_teardown_vp,
	.run_once = svm_run_once,
	.get_register = svm_get_register,
	.set_register = svm_set_register,
	.translate_gva = svm_translate_gva,
};
