/* SPDX-License-Identifier: MIT */
/* The kernel's x86-64 definitions beyond the shared ones (sc_x86.h). */
#ifndef SC_CPU_H
#define SC_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_x86.h"


#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define EFER_LME (1ull << 8)
#define EFER_NXE (1ull << 11)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)

#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

/* MSR accesses that return false instead of faulting (msr_safe.asm). */
bool sc_rdmsr_safe(uint32_t msr, uint64_t *value);
bool sc_wrmsr_safe(uint32_t msr, uint64_t value);

/* Halts forever with interrupts off; only INIT, NMI or SMI leave. */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif /* SC_CPU_H */
