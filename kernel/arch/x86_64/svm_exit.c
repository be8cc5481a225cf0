// SPDX-License-Identifier: MIT
/*
 * One #VMEXIT of the SVM backend (AMD64 APM Vol. 2 15.6-15.13): what the
 * guest did becomes a Hyper-V intercept message for the VMM
 * (sk_intercept.h), an exception reflected back into the guest, an
 * instruction emulated here, or a command error. Plain C over the VMCB's
 * bytes, built freestanding into the kernel and hosted into the unit tests
 * and the fuzz harness (svm.h lists what the CPU must provide).
 */
#include <string.h>

#include "sk_commands.h"
#include "sk_intercept.h"
#include "sc_x86_regs.h"
#include "svm.h"

/*
 * The instruction at CS:RIP, for the message: the decode assist's bytes if
 * the CPU gave them (15.33.2), else read from guest memory through the
 * guest's page tables, up to 16 bytes or the first unreadable page.
 */
static void fetch_instruction(const struct svm_vp *s, struct sk_exit_state *st)
{
	struct sk_gva_regs regs = svm_walk_regs(s);
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
		if (sk_translate_gva(&regs, linear, 0, &svm_guest_memory, &out) !=
			    HV_STATUS_SUCCESS ||
		    (uint32_t)out.translation_result.result != HV_TRANSLATE_GVA_SUCCESS ||
		    !svm_guest_read(out.gpa_page << 12 | (linear & 0xFFF),
				    st->instruction_bytes + st->instruction_byte_count, want))
			return;
		st->instruction_byte_count += (uint8_t)want;
		linear += want;
	}
}

static void exit_state(const struct sk_vp *vp, const struct svm_vp *s, const uint64_t *gps,
		       uint8_t fixed_length, struct sk_exit_state *st)
{
	uint64_t rip = GET64(s, VMCB_RIP), nrip = GET64(s, VMCB_NEXT_RIP);

	*st = (struct sk_exit_state){
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
	svm_seg_get(s, VMCB_CS, &st->cs);
	svm_seg_get(s, VMCB_DS, &st->ds);
	svm_seg_get(s, VMCB_ES, &st->es);
	svm_seg_get(s, VMCB_SS, &st->ss);
	memcpy(st->gps, gps, sizeof(st->gps));
	st->gps[SK_RSP] = GET64(s, VMCB_RSP);
	fetch_instruction(s, st);
}

static uint64_t exception_event(uint8_t vector, bool has_error_code, uint32_t error_code)
{
	uint64_t e = SVM_EVENT_VALID | (uint64_t)SVM_EVENT_TYPE_EXCEPTION << SVM_EVENT_TYPE_SHIFT |
		     vector;

	if (has_error_code)
		e |= SVM_EVENT_ERROR_VALID | (uint64_t)error_code << 32;
	return e;
}

/* An exception the kernel raises in the guest for an instruction it
 * intercepted: the instruction faults, nothing else happened. */
static void inject_fault(struct svm_vp *s, uint8_t vector, bool has_error_code)
{
	SET64(s, VMCB_EVENT_INJ, exception_event(vector, has_error_code, 0));
}

/*
 * Delivers an intercepted exception to the guest as the CPU would have
 * (APM Vol. 2 15.12: an intercepted exception is not delivered; 15.20:
 * an injected one is delivered exactly like one that occurred).
 *
 * If the guest exited while another event was being delivered (EXITINTINFO,
 * already back in EVENTINJ), #DB and #AC are benign exceptions, and a
 * benign exception during a delivery is handled serially (SDM Vol. 3A
 * Table 6-5): one that was itself an exception will recur when its
 * instruction re-executes, so the new one replaces it. An interrupt, NMI
 * or software interrupt the VMM injected would not recur, so it is kept
 * and the new exception dropped; if delivering it raises the exception
 * again, that is one more exit. Either way every delivery passes through
 * the host, which is what breaks the CVE-2015-5307/8104 loops.
 */
static void reflect_exception(struct svm_vp *s, uint8_t vector, bool has_error_code,
			      uint32_t error_code)
{
	uint64_t pending = GET64(s, VMCB_EVENT_INJ);

	if ((pending & SVM_EVENT_VALID) &&
	    ((pending >> SVM_EVENT_TYPE_SHIFT) & 7) != SVM_EVENT_TYPE_EXCEPTION)
		return;
	SET64(s, VMCB_EVENT_INJ, exception_event(vector, has_error_code, error_code));
}

/*
 * Completes an instruction the kernel emulated: RIP past it, the interrupt
 * shadow it may have been under gone, and a single-step trap if the guest
 * was stepping (TF: SDM Vol. 3B 18.3.1.4, DR6.BS), which the VMM would
 * otherwise never see for this instruction.
 */
static void skip_instruction(struct svm_vp *s, uint8_t fixed_length)
{
	uint64_t rip = GET64(s, VMCB_RIP), nrip = GET64(s, VMCB_NEXT_RIP);
	uint64_t length = nrip > rip && nrip - rip <= 15 ? nrip - rip : fixed_length;

	SET64(s, VMCB_RIP, rip + length);
	SET64(s, VMCB_INT_STATE, GET64(s, VMCB_INT_STATE) & ~1ull);
	if (GET64(s, VMCB_RFLAGS) & RFLAGS_TF) {
		SET64(s, VMCB_DR6, GET64(s, VMCB_DR6) | DR6_BS);
		reflect_exception(s, SVM_VECTOR_DB, false, 0);
	}
}

/*
 * XSETBV (SDM Vol. 2C): the guest's XCR0 is kept here and loaded into the
 * CPU's for the guest (svm_backend.c), so it never reaches another VMM's
 * guest. Only x87 and SSE can be enabled, the state cpu_context.fx_state
 * holds; any other component, like an XCR other than 0, is refused as the
 * CPU refuses an unsupported one: #GP(0). So are CPL > 0 and a clear x87
 * bit; #UD without CR4.OSXSAVE.
 */
static void emulate_xsetbv(struct svm_vp *s, const uint64_t *gps)
{
	uint64_t value = (gps[SK_RDX] & 0xFFFFFFFF) << 32 | (gps[SK_RAX] & 0xFFFFFFFF);

	if (!(GET64(s, VMCB_CR4) & CR4_OSXSAVE)) {
		inject_fault(s, SVM_VECTOR_UD, false);
		return;
	}
	if (vmcb_get(s, VMCB_CPL, 1) != 0 || (uint32_t)gps[SK_RCX] != 0 || !svm_xcr0_valid(value)) {
		inject_fault(s, SVM_VECTOR_GP, true);
		return;
	}
	s->xcr0 = value;
	skip_instruction(s, 3);
}

enum sk_run_result svm_handle_exit(struct sk_vp *vp, struct svm_vp *s,
				   struct sidecar_command_page *cp, const uint64_t *gps)
{
	uint64_t code = GET64(s, VMCB_EXIT_CODE);
	uint64_t info1 = GET64(s, VMCB_EXIT_INFO1), info2 = GET64(s, VMCB_EXIT_INFO2);
	struct hv_message *msg = &cp->intercept_message;
	struct sk_exit_state st;

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
		svm_host_take_interrupt();
		return SK_RUN_CONTINUE;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		/*
		 * The intercepted NMI, SMI or INIT is held pending, not lost,
		 * and taken by the host when sk_svm_run sets GIF again (APM
		 * Vol. 2 15.13.1-15.13.2, 15.17): before this code runs. An
		 * NMI is how the driver escalates a STOP the request IPI did
		 * not deliver; the caller's loop checks for STOP next.
		 */
		return SK_RUN_CONTINUE;
	case SVM_EXIT_EXCP_DB:
		/*
		 * DR6 in the VMCB already says why: the CPU updates DR6 as for
		 * a delivered #DB before the intercept (APM Vol. 2 15.12; KVM
		 * relies on the same). Delivery also clears DR7.GD so that the
		 * handler can use the debug registers (APM Vol. 2 13.1.1.5,
		 * SDM Vol. 3B 18.2.4); an injection does not, so a general-
		 * detect #DB (DR6.BD) clears it here.
		 */
		if (GET64(s, VMCB_DR6) & DR6_BD)
			SET64(s, VMCB_DR7, GET64(s, VMCB_DR7) & ~DR7_GD);
		reflect_exception(s, SVM_VECTOR_DB, false, 0);
		return SK_RUN_CONTINUE;
	case SVM_EXIT_EXCP_AC:
		/* #AC pushes an error code, always 0 (EXITINFO1 holds it). */
		reflect_exception(s, SVM_VECTOR_AC, true, (uint32_t)info1);
		return SK_RUN_CONTINUE;
	case SVM_EXIT_INVD:
		/*
		 * INVD would throw away every dirty line in this CPU's caches,
		 * the host's (node memory, control pages) and other guests'
		 * included. Emulated as WBINVD, as KVM does: the guest sees
		 * the same architectural result (SDM Vol. 2A INVD: its data
		 * may or may not have been written back).
		 */
		svm_host_wbinvd();
		skip_instruction(s, 2);
		return SK_RUN_CONTINUE;
	case SVM_EXIT_XSETBV:
		emulate_xsetbv(s, gps);
		return SK_RUN_CONTINUE;
	case SVM_EXIT_CPUID: {
		struct cpuid_regs r = svm_host_cpuid((uint32_t)gps[SK_RAX], (uint32_t)gps[SK_RCX]);

		/* The default: what this CPU says, without the virtualization
		 * extensions the guest cannot use. */
		if ((uint32_t)gps[SK_RAX] == 0x80000001)
			r.ecx &= ~CPUID_80000001_ECX_SVM;
		exit_state(vp, s, gps, 2, &st);
		sk_msg_cpuid(msg, &st, r.eax, r.ebx, r.ecx, r.edx);
		return SK_RUN_INTERCEPT;
	}
	case SVM_EXIT_HLT:
		exit_state(vp, s, gps, 1, &st);
		sk_msg_halt(msg, &st);
		return SK_RUN_INTERCEPT;
	case SVM_EXIT_IOIO: {
		uint8_t size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 0x4   ? 4
			       : (info1 >> SVM_IOIO_SIZE_SHIFT) & 0x2 ? 2
								      : 1;

		exit_state(vp, s, gps, 0, &st);
		/* EXITINFO2 is the next RIP (15.10.2). */
		if (info2 > st.rip && info2 - st.rip <= 15)
			st.instruction_length = (uint8_t)(info2 - st.rip);
		sk_msg_io_port(msg, &st, (uint16_t)(info1 >> SVM_IOIO_PORT_SHIFT), size,
			       !(info1 & SVM_IOIO_TYPE_IN), info1 & SVM_IOIO_STR,
			       info1 & SVM_IOIO_REP);
		return SK_RUN_INTERCEPT;
	}
	case SVM_EXIT_MSR:
		exit_state(vp, s, gps, 2, &st);
		sk_msg_msr(msg, &st, (uint32_t)gps[SK_RCX], info1 == 1);
		return SK_RUN_INTERCEPT;
	case SVM_EXIT_NPF: {
		uint8_t access = info1 & SVM_NPF_FETCH	 ? HV_INTERCEPT_ACCESS_EXECUTE
				 : info1 & SVM_NPF_WRITE ? HV_INTERCEPT_ACCESS_WRITE
							 : HV_INTERCEPT_ACCESS_READ;

		exit_state(vp, s, gps, 0, &st);
		/* SVM reports the guest-physical address only (EXITINFO2). */
		sk_msg_unmapped_gpa(msg, &st, info2, false, 0, access);
		return SK_RUN_INTERCEPT;
	}
	case SVM_EXIT_SHUTDOWN:
		/* The guest state is undefined now (15.13.3): the VMM must reset it. */
		exit_state(vp, s, gps, 0, &st);
		sk_msg_unrecoverable_exception(msg, &st);
		return SK_RUN_INTERCEPT;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		inject_fault(s, SVM_VECTOR_UD, false);
		return SK_RUN_CONTINUE;
	case SVM_EXIT_INVALID:
		/*
		 * Rewrite the control area: under QEMU 7.2's TCG, a refused
		 * VMRUN leaves the next guest deaf to physical interrupts (a
		 * spinning guest ignored STOP in the linux suite's error test)
		 * unless the control area is set up afresh.
		 */
		svm_vmcb_control_init(s);
		s->flush_tlb = true;
		sk_command_error(cp,
				 "VMRUN refused the guest state (VMEXIT_INVALID): check CR0, CR3, "
				 "CR4, EFER and the segments (APM Vol. 2 15.5.1)");
		return SK_RUN_FAILED;
	default:
		sk_command_error(cp, "unexpected #VMEXIT %#llx (EXITINFO1 %#llx, EXITINFO2 %#llx)",
				 (unsigned long long)code, (unsigned long long)info1,
				 (unsigned long long)info2);
		return SK_RUN_FAILED;
	}
}
