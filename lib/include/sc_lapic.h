/* SPDX-License-Identifier: MIT */
/*
 * The running CPU's local APIC, for the sidecar kernel and the boot shim
 * alike (SDM Vol. 3A chapter 11, "Advanced Programmable Interrupt
 * Controller"): in x2APIC mode through MSRs, in xAPIC mode through its
 * register page, which the caller maps strong-uncacheable (11.4.1) and
 * names by virtual address. Both modes run: QEMU's TCG with -cpu
 * max,x2apic=off (and before QEMU 9.0) has only xAPIC.
 * Each program keeps what only it does (bring-up, the shim's timer) on top.
 */
#ifndef SC_LAPIC_H
#define SC_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* CPUID.01H:ECX[21]: the processor supports x2APIC (SDM Vol. 2A, CPUID). */
#define CPUID_1_ECX_X2APIC (1u << 21)

/* IA32_APIC_BASE (MSR_IA32_APIC_BASE, SDM Vol. 3A 11.4.4, 11.12.1). */
#define APIC_BASE_BSP	    (1ull << 8)
#define APIC_BASE_EXTD	    (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN	    (1ull << 11) /* global enable */
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* Register offsets in the xAPIC page; the x2APIC MSR of a register is
 * 0x800 + offset / 16 (11.12.1.2). */
#define APIC_ID		   0x020u
#define APIC_TPR	   0x080u
#define APIC_EOI	   0x0B0u
#define APIC_SVR	   0x0F0u
#define APIC_ESR	   0x280u
#define APIC_ICR_LOW	   0x300u
#define APIC_ICR_HIGH	   0x310u
#define APIC_LVT_TIMER	   0x320u
#define APIC_LVT_LINT0	   0x350u
#define APIC_LVT_ERROR	   0x370u
#define APIC_TIMER_INITIAL 0x380u
#define APIC_TIMER_CURRENT 0x390u
#define APIC_TIMER_DIVIDE  0x3E0u
#define X2APIC_MSR_BASE	   0x800u

#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)

/* The ICR's low word (11.6.1): vector, delivery mode, status, level. */
#define APIC_ICR_FIXED		  (0u << 8)
#define APIC_ICR_NMI		  (4u << 8) /* the vector is ignored */
#define APIC_ICR_INIT		  (5u << 8)
#define APIC_ICR_STARTUP	  (6u << 8)
#define APIC_ICR_DELIVERY_PENDING (1u << 12) /* xAPIC only */
#define APIC_ICR_LEVEL_ASSERT	  (1u << 14)

/* One CPU's local APIC: its mode, and in xAPIC mode where its register
 * page is mapped. */
struct sc_lapic {
	bool x2apic;
	uintptr_t mmio;
};

uint32_t sc_lapic_read(const struct sc_lapic *l, uint32_t reg);
void sc_lapic_write(const struct sc_lapic *l, uint32_t reg, uint32_t value);

/* This CPU's APIC ID: 32 bits in x2APIC mode, 8 in xAPIC mode (11.4.6). */
uint32_t sc_lapic_id(const struct sc_lapic *l);

/* Software-enables the APIC with `spurious_vector` and accepts every
 * priority (TPR 0). */
void sc_lapic_enable(const struct sc_lapic *l, uint8_t spurious_vector);

void sc_lapic_eoi(const struct sc_lapic *l);

/*
 * Sends the IPI `icr_low` (vector | delivery mode | level) to the CPU with
 * APIC ID `dest`, physical destination. Every store this CPU made before
 * is visible to the target first. In xAPIC mode it first waits up to
 * `wait_tsc` TSC ticks for the previous IPI to leave the ICR. False, with
 * nothing sent, if that IPI is still pending or `dest` is not an xAPIC
 * physical ID (0..0xFE) in xAPIC mode.
 */
bool sc_lapic_send_ipi(const struct sc_lapic *l, uint32_t dest, uint32_t icr_low,
		       uint64_t wait_tsc);

#endif /* SC_LAPIC_H */
