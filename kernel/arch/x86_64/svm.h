/* SPDX-License-Identifier: MIT */
/*
 * AMD SVM: the VMCB layout and exit codes the SVM backend uses (AMD64 APM
 * Vol. 2, Appendix B "Layout of VMCB" and Appendix C "SVM Intercept Exit
 * Codes"). Fields are byte offsets into the 4 KiB VMCB page.
 */
#ifndef SC_SVM_H
#define SC_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_gva.h"
#include "sc_vp.h"

/* Control area. */
#define VMCB_INTERCEPT_CR 0x000 /* u16 reads, u16 writes */
#define VMCB_INTERCEPT_EXCEPTIONS 0x008
#define VMCB_INTERCEPT_MISC1 0x00C
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE_PA 0x040
#define VMCB_MSRPM_BASE_PA 0x048
#define VMCB_TSC_OFFSET 0x050
#define VMCB_ASID 0x058
#define VMCB_TLB_CONTROL 0x05C /* u8 */
#define VMCB_INT_CONTROL 0x060
#define VMCB_INT_STATE 0x068 /* bit 0: interrupt shadow */
#define VMCB_EXIT_CODE 0x070
#define VMCB_EXIT_INFO1 0x078
#define VMCB_EXIT_INFO2 0x080
#define VMCB_EXIT_INT_INFO 0x088
#define VMCB_NP_CONTROL 0x090
#define VMCB_EVENT_INJ 0x0A8
#define VMCB_N_CR3 0x0B0
#define VMCB_CLEAN_BITS 0x0C0
#define VMCB_NEXT_RIP 0x0C8
#define VMCB_INSN_LEN 0x0D0 /* u8, then up to 15 bytes */
#define VMCB_INSN_BYTES 0x0D1

/* State-save area (0x400 on). Segments: selector u16, attributes u16,
 * limit u32, base u64. */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4CB /* u8 */
#define VMCB_EFER 0x4D0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5D8
#define VMCB_RAX 0x5F8
#define VMCB_STAR 0x600
#define VMCB_LSTAR 0x608
#define VMCB_CSTAR 0x610
#define VMCB_SFMASK 0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS 0x628
#define VMCB_SYSENTER_ESP 0x630
#define VMCB_SYSENTER_EIP 0x638
#define VMCB_CR2 0x640
#define VMCB_G_PAT 0x668

/* Intercept vector 3 (VMCB_INTERCEPT_MISC1). */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_SMI (1u << 2)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_INVLPGA (1u << 26)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* Intercept vector 4 (VMCB_INTERCEPT_MISC2). */
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)

#define SVM_INT_V_INTR_MASKING (1ull << 24)
#define SVM_NP_ENABLE (1ull << 0)

/* EVENTINJ / EXITINTINFO. */
#define SVM_EVENT_VALID (1ull << 31)
#define SVM_EVENT_ERROR_VALID (1ull << 11)
#define SVM_EVENT_TYPE_SHIFT 8
#define SVM_EVENT_TYPE_EXCEPTION 3u

/* Exit codes. */
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_SMI 0x62
#define SVM_EXIT_INIT 0x63
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_INVLPGA 0x7A
#define SVM_EXIT_IOIO 0x7B
#define SVM_EXIT_MSR 0x7C
#define SVM_EXIT_SHUTDOWN 0x7F
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xFFFFFFFFFFFFFFFFull

/* IOIO EXITINFO1 (APM Vol. 2 15.10.2). */
#define SVM_IOIO_TYPE_IN (1ull << 0)
#define SVM_IOIO_STR (1ull << 2)
#define SVM_IOIO_REP (1ull << 3)
#define SVM_IOIO_SIZE_SHIFT 4 /* SZ8, SZ16, SZ32 one-hot */
#define SVM_IOIO_PORT_SHIFT 16

/* NPF EXITINFO1: a #PF-style error code. */
#define SVM_NPF_WRITE (1ull << 1)
#define SVM_NPF_FETCH (1ull << 4)

#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define VM_CR_SVMDIS (1ull << 4)

/* Per-CPU state of the SVM backend (in the CPU's globals page). */
struct svm_vp {
	uint64_t vmcb_pa;
	uint64_t hsave_pa;
	uint64_t host_save_pa; /* VMSAVE area for the host's FS/GS/TR/LDTR... */
	uint8_t *vmcb;
	uint32_t mxcsr_mask;
	bool flush_tlb;
};

/* The backend, and what decides whether it can be used (bsp_main.c). */
extern const struct sc_vp_backend svm_backend;

/* Checks the BSP's CPU and builds the partition-wide structures (nested
 * page tables over the guest memory, I/O and MSR permission maps). Returns
 * NULL on success or why the backend cannot be used. */
const char *svm_partition_init(uint64_t guest_base, uint64_t guest_size);

/* Guest-physical memory of the partition, for the walker and the exit
 * decoder; false outside it. */
bool svm_guest_read(uint64_t gpa, void *buf, uint32_t size);
/* A locked compare-exchange of a naturally aligned 4- or 8-byte value of
 * guest memory (for the walker's accessed/dirty bits): see sc_gva.h. */
enum sc_cmpxchg_result svm_guest_cmpxchg(uint64_t gpa, uint32_t size, uint64_t *expected,
					 uint64_t desired);

/* svm_run.asm: enters the guest once. gps are the guest's GPRs in the
 * usual order (RAX and RSP are taken from the VMCB instead). */
void sc_svm_run(uint64_t vmcb_pa, uint64_t host_save_pa, uint64_t *gps);

#endif /* SC_SVM_H */
