/* SPDX-License-Identifier: MIT */
/*
 * The attack guests: small 64-bit programs (attack_code.asm) that do what a
 * hostile or unusual guest does to the CPU it runs on, for the test VMMs
 * to run through RUN_VP and check (docs/vp-backend.md, "Host safety").
 * They live next to the test guest (test_guest.h) in guest memory, which
 * tg_build() must have written first, and use one slot's registers.
 *
 * Guest-physical layout, identity-mapped:
 *
 *   0x12000 the code
 *   0x30000 IDT (#DB on IST 1, #UD, #GP, #AC; interrupt gates, DPL 0)
 *   0x31000 TSS (RSP0, IST1)
 *   0x32000 IST 1 stack (top 0x33000)
 *   0x34000 data (the breakpoint target)
 *   0x35000 PML4, 0x36000 PDPT, 0x37000 PD: the first GiB with U set
 *   0x38000 GDT: 0x08 code, 0x10 data, 0x18 user data, 0x20 user code
 *   0x39000 kernel stack (top 0x3A000, RSP0), 0x3A000 user stack
 */
#ifndef ATTACK_GUEST_H
#define ATTACK_GUEST_H

#include <sidecar_defs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TA_CODE	      0x12000ull
#define TA_IDT	      0x30000ull
#define TA_TSS	      0x31000ull
#define TA_IST_TOP    0x33000ull
#define TA_DATA	      0x34000ull
#define TA_PML4	      0x35000ull
#define TA_PDPT	      0x36000ull
#define TA_PD	      0x37000ull
#define TA_GDT	      0x38000ull
#define TA_RSP0_TOP   0x3A000ull
#define TA_USER_STACK 0x3B000ull
#define TA_END	      0x3B000ull

enum ta_program {
	TA_DEBUG,     /* single-step and a data breakpoint, its own #DB handler */
	TA_DB_LOOP,   /* #DB whose delivery raises #DB (CVE-2015-8104); only STOP ends it */
	TA_TF_FAULT,  /* #DB whose delivery faults: triple fault */
	TA_AC,	      /* an alignment check at CPL 3 */
	TA_INVD,      /* INVD, then HLT */
	TA_XSETBV,    /* XSETBV of x87|SSE, then of AVX (#GP) */
	TA_XGETBV,    /* XGETBV: the XCR0 its VMM set, not an earlier guest's */
	TA_TSC_WRITE, /* WRMSR to IA32_TSC */
	TA_DR7_OFF,   /* MOV to DR7 of 0x400, HLT: breakpoints off from inside */
	TA_PROGRAMS,
};

/* The program's name, for reports. */
const char *ta_name(enum ta_program p);

/* Writes the code and the tables above into guest memory `mem` (`size`
 * bytes from guest-physical 0), after tg_build(). False if too small. */
bool ta_build(void *mem, uint64_t size);

/* The registers that start program `p` in slot `slot` (the test guest's,
 * with the attack guests' CR3, GDT, IDT, TR, debug registers and entry
 * point): at most SIDECAR_MAX_GET_SET_VP_REGISTERS entries; returns how
 * many. The VMM also clears cpu_context's GPRs and resets its FX state. */
size_t ta_setup_registers(struct hv_register_assoc *regs, uint32_t slot, enum ta_program p);

/* Sets the DR7 entry of regs[0..n) to `dr7` (for TA_DR7_OFF: the value
 * the stopped guest left, see attack_code.asm). */
void ta_set_dr7(struct hv_register_assoc *regs, size_t n, uint64_t dr7);

/* True for the programs only STOP ends (TA_DB_LOOP). */
bool ta_runs_until_stopped(enum ta_program p);

/*
 * Checks the exit that ended program `p` (not for TA_DB_LOOP) and the
 * registers its handlers left (gps: cpu_context.gps). `what` (may be NULL)
 * gets a short note on what the CPU did where the architecture allows
 * either (TA_AC: "#AC delivered" or "no alignment check"; TA_XSETBV: empty
 * when the CPU intercepted XSETBV as SVM defines, else a note that it did
 * not, as QEMU 7.2's TCG does not). False with a
 * one-line reason in `detail` if anything is wrong.
 */
bool ta_check(enum ta_program p, const struct hv_message *msg, const uint64_t gps[16],
	      const char **what, char *detail, size_t size);

/* After STOP ended TA_DB_LOOP: RIP and R12 (the #DBs its handler ran)
 * tell what the CPU did; the note says which. False if RIP is outside
 * the program. */
bool ta_check_db_loop(uint64_t rip, const uint64_t gps[16], const char **what, char *detail,
		      size_t size);

#endif /* ATTACK_GUEST_H */
