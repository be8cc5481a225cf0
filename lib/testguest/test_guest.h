/* SPDX-License-Identifier: MIT */
/*
 * The test guest: a small 64-bit program (guest_code.asm) and everything a
 * VMM needs to run it on a sidecar CPU and check each exit it makes. The
 * shim's self-test (freestanding, boot/selftest_guest.c) and the Linux test
 * VMM (user space over libsidecar-vmm, tests/linux/vmm) compile this same
 * code, so both check the same message fields the same way.
 *
 * Guest-physical layout, identity-mapped as guest-virtual:
 *
 *   0x1000  PML4, 0x2000 PDPT, 0x3000 PD (0-1 GiB), 0x5000 PD (1-2 GiB),
 *           2 MiB pages: the first 2 GiB are mapped by the guest's tables,
 *           though only guest memory is mapped by the nested ones
 *   0x4000  GDT: 0x08 64-bit code, 0x10 data
 *   0x10000 the code
 *   0x20000 one 16-byte string per slot, "vpNNNN ok\n"
 *   0x100000 one 4 KiB stack per slot
 *
 * A slot is the index of a VP among those the VMM runs (0..slots-1).
 *
 * The program, per VP: OUT 0xE9 of each byte of its string, IN 0x71,
 * CPUID 1, RDMSR and WRMSR of MSR 0x40000100, a load from unmapped GPA
 * 0x40000000, HLT. The VMM completes each instruction (results into the
 * GPRs, RIP advanced by the length) and runs the VP again.
 */
#ifndef TEST_GUEST_H
#define TEST_GUEST_H

#include <sidecar_defs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_PML4	       0x1000ull
#define TG_PDPT	       0x2000ull
#define TG_PD0	       0x3000ull
#define TG_GDT	       0x4000ull
#define TG_PD1	       0x5000ull
#define TG_CODE	       0x10000ull
#define TG_STRINGS     0x20000ull
#define TG_STACKS      0x100000ull
#define TG_STRING_SIZE 16
#define TG_STACK_SIZE  4096

#define TG_UNMAPPED_GPA	   0x40000000ull /* in the guest's tables, not the nested ones */
#define TG_NOT_PRESENT_GVA 0x80000000ull /* not in the guest's tables */
#define TG_STRING_LEN	   10		 /* "vp%04u ok\n" */
#define TG_IN_PORT	   0x71
#define TG_IN_VALUE	   0x5A
#define TG_TEST_MSR	   0x40000100u
#define TG_RDMSR_VALUE	   0x0000123400005678ull
#define TG_WRMSR_RAX	   0x11223344u
#define TG_WRMSR_RDX	   0x55667788u
#define TG_LOAD_VALUE	   0xC0FFEEull
#define TG_BENCH_PORT	   0x80

/* Guest memory the layout needs for `slots` VPs. */
uint64_t tg_memory_needed(uint32_t slots);

/*
 * Writes the page tables, GDT, code and the strings of `slots` VPs into
 * guest memory `mem` (guest-physical 0, `size` bytes); vps[i] is the VP
 * index slot i prints. False if the memory is too small.
 */
bool tg_build(void *mem, uint64_t size, const uint32_t *vps, uint32_t slots);

/* The string VP `vp` prints. */
void tg_expected_string(uint32_t vp, char out[TG_STRING_LEN + 1]);

/*
 * The registers that start slot `slot` at the beginning of the program in
 * 64-bit mode: at most SIDECAR_MAX_GET_SET_VP_REGISTERS entries written to
 * regs; returns how many. RSI and RDI are among them (they land in
 * cpu_context). The VMM also resets cpu_context's FX state
 * (tg_reset_fx()) before the first run.
 */
size_t tg_setup_registers(struct hv_register_assoc *regs, uint32_t slot);
void tg_reset_fx(struct x86_fxsave *fx);

/* Guest-virtual addresses of the program's entry points. */
uint64_t tg_spin_rip(void);  /* jmp $: a guest that only STOP ends */
uint64_t tg_bench_rip(void); /* out 0x80 in a loop */
uint64_t tg_unmapped_load_rip(void);
uint64_t tg_hlt_rip(void);

/* CPUID leaf 1 as the VMM's own CPU reports it; the sidecar CPU's default
 * results must match it but for the APIC ID and OSXSAVE. */
struct tg_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

/* Where one VP is in the program. */
enum tg_stage {
	TG_STAGE_OUT,
	TG_STAGE_IN,
	TG_STAGE_CPUID,
	TG_STAGE_RDMSR,
	TG_STAGE_WRMSR,
	TG_STAGE_UNMAPPED,
	TG_STAGE_HLT,
	TG_STAGE_DONE,
};

struct tg_vp {
	uint32_t vp; /* VP index: the messages' vp_index */
	uint32_t slot;
	enum tg_stage stage;
	char printed[TG_STRING_LEN + 1]; /* what its OUTs printed so far */
	uint64_t next_rip;		 /* where the completed instruction continues */
	struct tg_cpuid leaf1;
};

void tg_vp_init(struct tg_vp *g, uint32_t vp, uint32_t slot, const struct tg_cpuid *leaf1);

/*
 * Checks one exit of the program against the stage it must come from and
 * completes the instruction: results into gps (cpu_context.gps), next_rip
 * set; then moves to the next stage. Returns false with a one-line reason
 * in `detail` if any field is wrong. After HLT (stage DONE) nothing is left
 * to run.
 */
bool tg_handle_exit(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		    size_t size);

/* The checks tg_handle_exit() runs per stage, for VMMs that step through
 * the stages themselves (the shim's self-test reports each one). */
bool tg_check_out(struct tg_vp *g, const struct hv_message *msg, char *detail, size_t size);
bool tg_check_in(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		 size_t size);
bool tg_check_cpuid(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		    size_t size);
bool tg_check_rdmsr(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16], char *detail,
		    size_t size);
bool tg_check_wrmsr(struct tg_vp *g, const struct hv_message *msg, char *detail, size_t size);
bool tg_check_unmapped(struct tg_vp *g, const struct hv_message *msg, uint64_t gps[16],
		       char *detail, size_t size);
/* HLT, and the results of every completed instruction reached the guest. */
bool tg_check_hlt(struct tg_vp *g, const struct hv_message *msg, const uint64_t gps[16],
		  char *detail, size_t size);
/* The string the OUTs printed is the VP's. */
bool tg_check_printed(const struct tg_vp *g, char *detail, size_t size);
/* One OUT 0x80 of the bench loop. */
bool tg_check_bench_out(struct tg_vp *g, const struct hv_message *msg, char *detail, size_t size);

/* The run ended on an intercept of `type` at `rip` with instruction
 * length `length`, in 64-bit mode at CPL 0 with the program's CS. */
bool tg_check_exit(const struct tg_vp *g, const struct hv_message *msg, uint32_t type, uint64_t rip,
		   uint8_t length, char *detail, size_t size);

#endif /* TEST_GUEST_H */
