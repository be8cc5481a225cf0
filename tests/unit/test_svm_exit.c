// SPDX-License-Identifier: MIT
/*
 * The SVM backend's exit handling (svm_exit.c) and VMCB set-up
 * (svm_vmcb.c), the kernel's own sources built hosted over a byte-array
 * VMCB and the CPU model (svm_host_model.h): what is intercepted, how #DB
 * and #AC are reflected into the guest, INVD and XSETBV emulated, and that
 * an unknown exit is an error, not a crash. Constants are spelled out here
 * from the APM, not taken from svm.h, so a wrong bit there shows.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sk_commands.h"
#include "svm.h"
#include "svm_host_model.h"

/* APM Vol. 2 Appendix B/C, spelled out. */
#define OFF_EXCEPTIONS 0x008
#define OFF_MISC1      0x00C
#define OFF_MISC2      0x010
#define OFF_INT_STATE  0x068
#define OFF_EXIT_CODE  0x070
#define OFF_EXIT_INFO1 0x078
#define OFF_EVENT_INJ  0x0A8
#define OFF_NEXT_RIP   0x0C8
#define OFF_CPL	       0x4CB
#define OFF_CR4	       0x548
#define OFF_DR7	       0x560
#define OFF_DR6	       0x568
#define OFF_RFLAGS     0x570
#define OFF_RIP	       0x578

#define EXIT_DB	    0x41
#define EXIT_AC	    0x51
#define EXIT_INVD   0x76
#define EXIT_XSETBV 0x8D

/* EVENTINJ: vector, type 3 (exception) at bit 8, error-code valid bit 11,
 * valid bit 31, error code in bits 32-63 (APM Vol. 2 15.20). */
#define EVENT_DB      0x80000301ull
#define EVENT_AC      0x80000B11ull
#define EVENT_GP      0x80000B0Dull
#define EVENT_UD      0x80000306ull
#define EVENT_PF(err) (0x80000B0Eull | (uint64_t)(err) << 32)
#define EVENT_INTR(v) (0x80000000ull | (v))

#define GUEST_RIP 0x401000ull

static uint8_t *vmcb;
static struct svm_vp s;
static struct sk_vp vp;
static struct sidecar_command_page *cp;
static uint64_t gps[16];

static uint64_t get(unsigned int off)
{
	uint64_t v;

	memcpy(&v, vmcb + off, 8);
	return v;
}

static void set(unsigned int off, uint64_t v)
{
	memcpy(vmcb + off, &v, 8);
}

static void setup(void)
{
	vmcb = calloc(1, 4096);
	cp = calloc(1, sizeof(*cp));
	s = (struct svm_vp){.vmcb = vmcb};
	vp = (struct sk_vp){.command = cp, .vp_index = 5, .backend_state = &s};
	memset(gps, 0, sizeof(gps));
	memset(&svm_host_model, 0, sizeof(svm_host_model));
	svm_vmcb_control_init(&s);
	svm_vmcb_reset_state(&s);
	set(OFF_RIP, GUEST_RIP);
}

static void teardown(void)
{
	free(vmcb);
	free(cp);
}

TestSuite(svm_exit, .init = setup, .fini = teardown);

static enum sk_run_result exit_with(uint64_t code, uint64_t info1)
{
	set(OFF_EXIT_CODE, code);
	set(OFF_EXIT_INFO1, info1);
	return svm_handle_exit(&vp, &s, cp, gps);
}

Test(svm_exit, intercepts_protect_the_host)
{
	uint32_t exc, misc1, misc2;

	memcpy(&exc, vmcb + OFF_EXCEPTIONS, 4);
	memcpy(&misc1, vmcb + OFF_MISC1, 4);
	memcpy(&misc2, vmcb + OFF_MISC2, 4);
	cr_expect_eq(exc & (1u << 1), 1u << 1, "#DB intercepted");
	cr_expect_eq(exc & (1u << 17), 1u << 17, "#AC intercepted");
	cr_expect_eq(misc1 & 0xF, 0xF, "INTR, NMI, SMI, INIT intercepted");
	cr_expect_eq(misc1 & (1u << 22), 1u << 22, "INVD intercepted");
	cr_expect_eq(misc1 & (1u << 31), 1u << 31, "SHUTDOWN intercepted");
	cr_expect_eq(misc2 & 1, 1, "VMRUN intercepted");
	cr_expect_eq(misc2 & (1u << 13), 1u << 13, "XSETBV intercepted");
}

Test(svm_exit, single_step_db_is_reflected)
{
	set(OFF_DR6, 0xFFFF4FF0); /* BS, as the CPU left it */
	set(OFF_DR7, 0x400);
	cr_expect_eq(exit_with(EXIT_DB, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_EVENT_INJ), EVENT_DB, "EVENTINJ %#llx",
		     (unsigned long long)get(OFF_EVENT_INJ));
	cr_expect_eq(get(OFF_DR6), 0xFFFF4FF0, "DR6 as the CPU wrote it");
	cr_expect_eq(get(OFF_DR7), 0x400);
	cr_expect_eq(get(OFF_RIP), GUEST_RIP, "a trap: RIP already past the instruction");
	cr_expect_eq(cp->has_error, 0);
}

Test(svm_exit, general_detect_db_clears_gd)
{
	set(OFF_DR6, 0xFFFF2FF0); /* BD */
	set(OFF_DR7, 0x2400);	  /* GD */
	cr_expect_eq(exit_with(EXIT_DB, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_EVENT_INJ), EVENT_DB);
	cr_expect_eq(get(OFF_DR7), 0x400, "DR7.GD cleared as a delivery would (%#llx)",
		     (unsigned long long)get(OFF_DR7));
}

Test(svm_exit, data_breakpoint_keeps_gd)
{
	set(OFF_DR6, 0xFFFF0FF1); /* B0 */
	set(OFF_DR7, 0x2401);	  /* GD, L0 */
	cr_expect_eq(exit_with(EXIT_DB, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_DR7), 0x2401, "GD only goes for a general-detect #DB");
}

Test(svm_exit, db_loop_exits_every_time)
{
	/* The CVE-2015-8104 shape: every delivery raises #DB again. Each one
	 * is an exit that returns to the run loop, which checks for STOP. */
	for (int i = 0; i < 1000; i++) {
		set(OFF_EVENT_INJ, EVENT_DB); /* EXITINTINFO put back */
		set(OFF_DR6, 0xFFFF0FF1);
		cr_assert_eq(exit_with(EXIT_DB, 0), SK_RUN_CONTINUE);
		cr_assert_eq(get(OFF_EVENT_INJ), EVENT_DB);
	}
}

Test(svm_exit, ac_is_reflected_with_error_code)
{
	cr_expect_eq(exit_with(EXIT_AC, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_EVENT_INJ), EVENT_AC, "EVENTINJ %#llx",
		     (unsigned long long)get(OFF_EVENT_INJ));
}

Test(svm_exit, ac_replaces_an_exception_in_delivery)
{
	set(OFF_EVENT_INJ, EVENT_PF(2));
	cr_expect_eq(exit_with(EXIT_AC, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_EVENT_INJ), EVENT_AC);
}

Test(svm_exit, ac_keeps_an_injected_interrupt)
{
	set(OFF_EVENT_INJ, EVENT_INTR(0x30));
	cr_expect_eq(exit_with(EXIT_AC, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_EVENT_INJ), EVENT_INTR(0x30), "the VMM's interrupt is not lost");
}

Test(svm_exit, invd_is_wbinvd)
{
	set(OFF_NEXT_RIP, GUEST_RIP + 2);
	set(OFF_INT_STATE, 1);
	cr_expect_eq(exit_with(EXIT_INVD, 0), SK_RUN_CONTINUE);
	cr_expect_eq(svm_host_model.wbinvd, 1, "WBINVD instead");
	cr_expect_eq(get(OFF_RIP), GUEST_RIP + 2);
	cr_expect_eq(get(OFF_INT_STATE), 0, "the interrupt shadow ends with the instruction");
	cr_expect_eq(get(OFF_EVENT_INJ), 0);
}

Test(svm_exit, invd_without_next_rip_and_single_step)
{
	set(OFF_NEXT_RIP, 0);
	set(OFF_RFLAGS, 0x102); /* TF */
	set(OFF_DR6, 0xFFFF0FF0);
	cr_expect_eq(exit_with(EXIT_INVD, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_RIP), GUEST_RIP + 2, "0F 08 is two bytes");
	cr_expect_eq(get(OFF_EVENT_INJ), EVENT_DB, "the single-step trap after it");
	cr_expect_eq(get(OFF_DR6) & (1u << 14), 1u << 14, "DR6.BS");
}

static void xsetbv_state(uint64_t cr4, uint8_t cpl, uint64_t rcx, uint64_t rdx, uint64_t rax)
{
	set(OFF_CR4, cr4);
	vmcb[OFF_CPL] = cpl;
	set(OFF_NEXT_RIP, GUEST_RIP + 3);
	gps[1] = rcx;
	gps[2] = rdx;
	gps[0] = rax;
}

Test(svm_exit, xsetbv_x87_sse_is_emulated)
{
	xsetbv_state(0x40620, 0, 0, 0, 3);
	cr_expect_eq(exit_with(EXIT_XSETBV, 0), SK_RUN_CONTINUE);
	cr_expect_eq(s.xcr0, 3);
	cr_expect_eq(get(OFF_RIP), GUEST_RIP + 3);
	cr_expect_eq(get(OFF_EVENT_INJ), 0);
}

static void expect_xsetbv_fault(uint64_t event)
{
	cr_expect_eq(exit_with(EXIT_XSETBV, 0), SK_RUN_CONTINUE);
	cr_expect_eq(get(OFF_EVENT_INJ), event, "EVENTINJ %#llx, expected %#llx",
		     (unsigned long long)get(OFF_EVENT_INJ), (unsigned long long)event);
	cr_expect_eq(s.xcr0, 1, "XCR0 unchanged");
	cr_expect_eq(get(OFF_RIP), GUEST_RIP, "a fault: RIP stays");
}

Test(svm_exit, xsetbv_avx_is_gp)
{
	xsetbv_state(0x40620, 0, 0, 0, 7);
	expect_xsetbv_fault(EVENT_GP);
}

Test(svm_exit, xsetbv_high_bits_are_gp)
{
	xsetbv_state(0x40620, 0, 0, 1, 3);
	expect_xsetbv_fault(EVENT_GP);
}

Test(svm_exit, xsetbv_without_x87_is_gp)
{
	xsetbv_state(0x40620, 0, 0, 0, 2);
	expect_xsetbv_fault(EVENT_GP);
}

Test(svm_exit, xsetbv_other_xcr_is_gp)
{
	xsetbv_state(0x40620, 0, 1, 0, 1);
	expect_xsetbv_fault(EVENT_GP);
}

Test(svm_exit, xsetbv_from_user_mode_is_gp)
{
	xsetbv_state(0x40620, 3, 0, 0, 3);
	expect_xsetbv_fault(EVENT_GP);
}

Test(svm_exit, xsetbv_without_osxsave_is_ud)
{
	xsetbv_state(0x620, 0, 0, 0, 3);
	expect_xsetbv_fault(EVENT_UD);
}

Test(svm_exit, xfem_register)
{
	union hv_register_value v = {.reg64 = 3};

	cr_expect_eq(svm_set_register(&vp, HV_X64_REGISTER_XFEM, &v), HV_STATUS_SUCCESS);
	v.reg64 = 0;
	cr_expect_eq(svm_get_register(&vp, HV_X64_REGISTER_XFEM, &v), HV_STATUS_SUCCESS);
	cr_expect_eq(v.reg64, 3);
	v.reg64 = 7;
	cr_expect_eq(svm_set_register(&vp, HV_X64_REGISTER_XFEM, &v),
		     HV_STATUS_INVALID_REGISTER_VALUE);
	v.reg64 = 0;
	cr_expect_eq(svm_set_register(&vp, HV_X64_REGISTER_XFEM, &v),
		     HV_STATUS_INVALID_REGISTER_VALUE);
	cr_expect_eq(s.xcr0, 3);
}

Test(svm_exit, unknown_exit_is_an_error)
{
	cr_expect_eq(exit_with(0x12345, 0x77), SK_RUN_FAILED);
	cr_expect_eq(cp->has_error, 1);
	cr_expect(cp->error.len > 0);
	cr_expect(memmem(cp->error.buf, cp->error.len, "unexpected #VMEXIT 0x12345", 26) != NULL,
		  "%.*s", (int)cp->error.len, (const char *)cp->error.buf);
}

Test(svm_exit, invalid_restores_the_intercepts)
{
	memset(vmcb, 0, 0x18); /* as if the control area were lost */
	cr_expect_eq(exit_with(0xFFFFFFFFull, 0), SK_RUN_FAILED);
	cr_expect_eq(get(OFF_EXCEPTIONS) & 0xFFFFFFFF, (1u << 1) | (1u << 17));
	cr_expect_eq(get(OFF_MISC2) & 1, 1);
}

/* SET_VP_REGISTERS through the core with the SVM backend's flags: the
 * MTRRs are the host's (svm_backend.c), so writing one is refused before
 * it reaches the CPU; other registers still reach the backend. */
Test(svm_exit, mtrr_writes_are_refused)
{
	static const struct sk_vp_backend backend = {
		.name = "svm-hosted",
		.owns_dr6 = true,
		.host_owns_mtrrs = true,
		.get_register = svm_get_register,
		.set_register = svm_set_register,
	};
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(cp);
	static const hv_register_name_t mtrrs[] = {
		HV_X64_REGISTER_MSR_MTRR_DEF_TYPE,    HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 3,
		HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0,  HV_X64_REGISTER_MSR_MTRR_FIX64K_00000,
		HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000,
	};

	vp.backend = &backend;
	for (size_t i = 0; i < sizeof(mtrrs) / sizeof(mtrrs[0]); i++) {
		memset(req, 0, sizeof(*req) + sizeof(req->regs[0]));
		req->count = 1;
		req->regs[0].name = mtrrs[i];
		req->regs[0].value.reg64 = 0x6;
		cp->command = SIDECAR_COMMAND_SET_VP_REGISTERS;
		sk_command_execute(&vp);
		cr_expect_eq(req->status, HV_STATUS_ACCESS_DENIED, "MTRR %#x: status %#x", mtrrs[i],
			     req->status);
	}
	memset(req, 0, sizeof(*req) + sizeof(req->regs[0]));
	req->count = 1;
	req->regs[0].name = HV_X64_REGISTER_RIP;
	req->regs[0].value.reg64 = 0x1234;
	cp->command = SIDECAR_COMMAND_SET_VP_REGISTERS;
	sk_command_execute(&vp);
	cr_expect_eq(req->status, HV_STATUS_SUCCESS);
	cr_expect_eq(get(OFF_RIP), 0x1234);
}
