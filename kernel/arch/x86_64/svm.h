/* SPDX-License-Identifier: MIT */
/*
 * AMD SVM: the VMCB layout and exit codes the SVM backend uses (AMD64 APM
 * Vol. 2, Appendix B "Layout of VMCB" and Appendix C "SVM Intercept Exit
 * Codes"). Fields are byte offsets into the 4 KiB VMCB page.
 */
#ifndef SK_SVM_H
#define SK_SVM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sk_gva.h"
#include "sk_vp.h"
#include "sc_x86.h"

/* Control area. */
#define VMCB_INTERCEPT_CR	  0x000 /* u16 reads, u16 writes */
#define VMCB_INTERCEPT_EXCEPTIONS 0x008
#define VMCB_INTERCEPT_MISC1	  0x00C
#define VMCB_INTERCEPT_MISC2	  0x010
#define VMCB_IOPM_BASE_PA	  0x040
#define VMCB_MSRPM_BASE_PA	  0x048
#define VMCB_TSC_OFFSET		  0x050
#define VMCB_ASID		  0x058
#define VMCB_TLB_CONTROL	  0x05C /* u8 */
#define VMCB_INT_CONTROL	  0x060
#define VMCB_INT_STATE		  0x068 /* bit 0: interrupt shadow */
#define VMCB_EXIT_CODE		  0x070
#define VMCB_EXIT_INFO1		  0x078
#define VMCB_EXIT_INFO2		  0x080
#define VMCB_EXIT_INT_INFO	  0x088
#define VMCB_NP_CONTROL		  0x090
#define VMCB_EVENT_INJ		  0x0A8
#define VMCB_N_CR3		  0x0B0
#define VMCB_CLEAN_BITS		  0x0C0
#define VMCB_NEXT_RIP		  0x0C8
#define VMCB_INSN_LEN		  0x0D0 /* u8, then up to 15 bytes */
#define VMCB_INSN_BYTES		  0x0D1

/* State-save area (0x400 on). Segments: selector u16, attributes u16,
 * limit u32, base u64. */
#define VMCB_ES		    0x400
#define VMCB_CS		    0x410
#define VMCB_SS		    0x420
#define VMCB_DS		    0x430
#define VMCB_FS		    0x440
#define VMCB_GS		    0x450
#define VMCB_GDTR	    0x460
#define VMCB_LDTR	    0x470
#define VMCB_IDTR	    0x480
#define VMCB_TR		    0x490
#define VMCB_CPL	    0x4CB /* u8 */
#define VMCB_EFER	    0x4D0
#define VMCB_CR4	    0x548
#define VMCB_CR3	    0x550
#define VMCB_CR0	    0x558
#define VMCB_DR7	    0x560
#define VMCB_DR6	    0x568
#define VMCB_RFLAGS	    0x570
#define VMCB_RIP	    0x578
#define VMCB_RSP	    0x5D8
#define VMCB_RAX	    0x5F8
#define VMCB_STAR	    0x600
#define VMCB_LSTAR	    0x608
#define VMCB_CSTAR	    0x610
#define VMCB_SFMASK	    0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS    0x628
#define VMCB_SYSENTER_ESP   0x630
#define VMCB_SYSENTER_EIP   0x638
#define VMCB_CR2	    0x640
#define VMCB_G_PAT	    0x668

/* Exception intercepts (VMCB_INTERCEPT_EXCEPTIONS): one bit per vector. */
#define SVM_VECTOR_DB 1
#define SVM_VECTOR_UD 6
#define SVM_VECTOR_GP 13
#define SVM_VECTOR_AC 17

/* Intercept vector 3 (VMCB_INTERCEPT_MISC1). */
#define SVM_INTERCEPT_INTR     (1u << 0)
#define SVM_INTERCEPT_NMI      (1u << 1)
#define SVM_INTERCEPT_SMI      (1u << 2)
#define SVM_INTERCEPT_INIT     (1u << 3)
#define SVM_INTERCEPT_CPUID    (1u << 18)
#define SVM_INTERCEPT_INVD     (1u << 22)
#define SVM_INTERCEPT_HLT      (1u << 24)
#define SVM_INTERCEPT_INVLPGA  (1u << 26)
#define SVM_INTERCEPT_IOIO     (1u << 27)
#define SVM_INTERCEPT_MSR      (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* Intercept vector 4 (VMCB_INTERCEPT_MISC2). */
#define SVM_INTERCEPT_VMRUN   (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD  (1u << 2)
#define SVM_INTERCEPT_VMSAVE  (1u << 3)
#define SVM_INTERCEPT_STGI    (1u << 4)
#define SVM_INTERCEPT_CLGI    (1u << 5)
#define SVM_INTERCEPT_SKINIT  (1u << 6)
#define SVM_INTERCEPT_XSETBV  (1u << 13)

/*
 * What svm_vmcb_control_init() intercepts (docs/vp-backend.md says why for
 * each): physical interrupts, NMI, SMI and INIT so the host always gets its
 * CPU back; #DB and #AC so no exception can be delivered forever; INVD,
 * which would discard the host's dirty cache lines; XSETBV, which would
 * change the CPU's XCR0; the instructions the VMM emulates; the SVM
 * instructions (VMRUN must be, 15.5.1; the others would reach the host's
 * state).
 */
#define SVM_INTERCEPT_EXCEPTIONS_REQUIRED ((1u << SVM_VECTOR_DB) | (1u << SVM_VECTOR_AC))
#define SVM_INTERCEPT_MISC1_REQUIRED                                                               \
	(SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |         \
	 SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA |    \
	 SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN)
#define SVM_INTERCEPT_MISC2_REQUIRED                                                               \
	(SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI |  \
	 SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_XSETBV)

#define SVM_INT_V_INTR_MASKING (1ull << 24)
#define SVM_NP_ENABLE	       (1ull << 0)

/* EVENTINJ / EXITINTINFO. */
#define SVM_EVENT_VALID		 (1ull << 31)
#define SVM_EVENT_ERROR_VALID	 (1ull << 11)
#define SVM_EVENT_TYPE_SHIFT	 8
#define SVM_EVENT_TYPE_EXCEPTION 3u

/* Exit codes. */
#define SVM_EXIT_EXCP_BASE 0x40 /* + vector */
#define SVM_EXIT_EXCP_DB   (SVM_EXIT_EXCP_BASE + SVM_VECTOR_DB)
#define SVM_EXIT_EXCP_AC   (SVM_EXIT_EXCP_BASE + SVM_VECTOR_AC)
#define SVM_EXIT_INTR	   0x60
#define SVM_EXIT_NMI	   0x61
#define SVM_EXIT_SMI	   0x62
#define SVM_EXIT_INIT	   0x63
#define SVM_EXIT_CPUID	   0x72
#define SVM_EXIT_INVD	   0x76
#define SVM_EXIT_HLT	   0x78
#define SVM_EXIT_INVLPGA   0x7A
#define SVM_EXIT_IOIO	   0x7B
#define SVM_EXIT_MSR	   0x7C
#define SVM_EXIT_SHUTDOWN  0x7F
#define SVM_EXIT_VMRUN	   0x80
#define SVM_EXIT_VMMCALL   0x81
#define SVM_EXIT_VMLOAD	   0x82
#define SVM_EXIT_VMSAVE	   0x83
#define SVM_EXIT_STGI	   0x84
#define SVM_EXIT_CLGI	   0x85
#define SVM_EXIT_SKINIT	   0x86
#define SVM_EXIT_XSETBV	   0x8D
#define SVM_EXIT_NPF	   0x400
#define SVM_EXIT_INVALID   0xFFFFFFFFFFFFFFFFull

/* IOIO EXITINFO1 (APM Vol. 2 15.10.2). */
#define SVM_IOIO_TYPE_IN    (1ull << 0)
#define SVM_IOIO_STR	    (1ull << 2)
#define SVM_IOIO_REP	    (1ull << 3)
#define SVM_IOIO_SIZE_SHIFT 4 /* SZ8, SZ16, SZ32 one-hot */
#define SVM_IOIO_PORT_SHIFT 16

/* NPF EXITINFO1: a #PF-style error code. */
#define SVM_NPF_WRITE (1ull << 1)
#define SVM_NPF_FETCH (1ull << 4)

/* Debug registers (APM Vol. 2 13.1.1; SDM Vol. 3B 18.2). */
#define DR6_B0	  (1ull << 0)
#define DR6_BD	  (1ull << 13)
#define DR6_BS	  (1ull << 14)
#define DR7_GD	  (1ull << 13)
#define RFLAGS_TF (1ull << 8)

/* XCR0 (SDM Vol. 1 13.3): the state components a guest may enable here
 * are the ones cpu_context.fx_state holds, x87 and SSE. */
#define XCR0_X87	       (1ull << 0)
#define XCR0_SSE	       (1ull << 1)
#define SVM_GUEST_XCR0_ALLOWED (XCR0_X87 | XCR0_SSE)
#define CR4_OSXSAVE	       (1ull << 18)

/* An XCR0 value this backend lets the guest have: x87 always, SSE
 * optionally, nothing else (XSETBV and SET_VP_REGISTERS of XFEM). */
static inline bool svm_xcr0_valid(uint64_t v)
{
	return (v & XCR0_X87) && !(v & ~SVM_GUEST_XCR0_ALLOWED);
}

/* CPUID 8000_0001h ECX.SVM and 8000_000Ah EDX.NP (APM Vol. 3, Appendix E). */
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_8000000A_EDX_NP  (1u << 0)

#define MSR_VM_CR	0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define VM_CR_SVMDIS	(1ull << 4)

/* Per-CPU state of the SVM backend (in the CPU's globals page). */
struct svm_vp {
	uint64_t vmcb_pa;
	uint64_t hsave_pa;
	uint64_t host_save_pa; /* VMSAVE area for the host's FS/GS/TR/LDTR... */
	uint8_t *vmcb;
	uint32_t mxcsr_mask;
	bool flush_tlb;
	/* The guest's XCR0 (x87 and SSE at most), loaded into the CPU's
	 * before each entry when the CPU has XSAVE (svm_backend.c). */
	uint64_t xcr0;
	uint64_t cpu_xcr0; /* what the CPU's XCR0 holds now */
	bool has_xsave;
};

/* The VMCB as bytes: fields at their APM offsets, any alignment. */
static inline uint64_t vmcb_get(const struct svm_vp *s, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, s->vmcb + off, size);
	return v;
}

static inline void vmcb_set(struct svm_vp *s, unsigned int off, unsigned int size, uint64_t v)
{
	memcpy(s->vmcb + off, &v, size);
}

#define GET64(s, off)	 vmcb_get(s, off, 8)
#define SET64(s, off, v) vmcb_set(s, off, 8, v)

/* Where the partition-wide structures are (svm_partition.c). */
extern uint64_t svm_npt_pa, svm_iopm_pa, svm_msrpm_pa;

/*
 * The VMCB's contents (svm_vmcb.c): the control area (what is intercepted),
 * the RESET state, the guest's registers by Hyper-V name, and its paging
 * registers for the walker. Plain C over the VMCB bytes: built into the
 * kernel and, hosted, into the unit tests and the fuzz harness.
 */
void svm_vmcb_control_init(struct svm_vp *s);
void svm_vmcb_reset_state(struct svm_vp *s);
hv_status_t svm_get_register(struct sk_vp *vp, hv_register_name_t name,
			     union hv_register_value *value);
hv_status_t svm_set_register(struct sk_vp *vp, hv_register_name_t name,
			     const union hv_register_value *value);
struct sk_gva_regs svm_walk_regs(const struct svm_vp *s);
void svm_seg_get(const struct svm_vp *s, unsigned int off, struct hv_x64_segment_register *seg);
/* Guest memory for the walker, over svm_guest_read/svm_guest_cmpxchg. */
extern const struct sk_guest_memory svm_guest_memory;

/*
 * One #VMEXIT (svm_exit.c): an intercept message for the VMM, an event
 * reflected into the guest, an instruction emulated, or a command error.
 * `gps` are the guest's GPRs after the exit. Built like svm_vmcb.c.
 */
enum sk_run_result svm_handle_exit(struct sk_vp *vp, struct svm_vp *s,
				   struct sidecar_command_page *cp, const uint64_t *gps);

/*
 * What the VMCB and exit code need from the CPU it runs on: the real
 * instructions in svm_host.c, stand-ins in the hosted tests and the fuzz
 * harness (hosted/svm_host_model.c).
 */
struct cpuid_regs svm_host_cpuid(uint32_t leaf, uint32_t subleaf);
uint64_t svm_host_rdtsc(void);
/* Lets a pending physical interrupt in (STI; NOP; CLI). */
void svm_host_take_interrupt(void);
/* Writes back and invalidates this CPU's caches (WBINVD). */
void svm_host_wbinvd(void);

/* The backend, and what decides whether it can be used (bsp_main.c). */
extern const struct sk_vp_backend svm_backend;

/* Checks the BSP's CPU and builds the partition-wide structures (nested
 * page tables over the guest memory, I/O and MSR permission maps). Returns
 * NULL on success or why the backend cannot be used. */
const char *svm_partition_init(uint64_t guest_base, uint64_t guest_size);

/* Guest-physical memory of the partition, for the walker and the exit
 * decoder; false outside it. */
bool svm_guest_read(uint64_t gpa, void *buf, uint32_t size);
/* A locked compare-exchange of a naturally aligned 4- or 8-byte value of
 * guest memory (for the walker's accessed/dirty bits): see sk_gva.h. */
enum sk_cmpxchg_result svm_guest_cmpxchg(uint64_t gpa, uint32_t size, uint64_t *expected,
					 uint64_t desired);

/* svm_run.asm: enters the guest once. gps are the guest's GPRs in the
 * usual order (RAX and RSP are taken from the VMCB instead). */
void sk_svm_run(uint64_t vmcb_pa, uint64_t host_save_pa, uint64_t *gps);

#endif /* SK_SVM_H */
