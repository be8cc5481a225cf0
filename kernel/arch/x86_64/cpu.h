/* SPDX-License-Identifier: MIT */
/* The kernel's x86-64 definitions beyond the shared ones (sc_x86.h). */
#ifndef SK_CPU_H
#define SK_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_lapic.h"
#include "sc_x86.h"
#include "sc_x86_regs.h"

/* MSR accesses that return false instead of faulting (msr_safe.asm). */
bool sk_rdmsr_safe(uint32_t msr, uint64_t *value);
bool sk_wrmsr_safe(uint32_t msr, uint64_t value);

/* Halts forever with interrupts off; only INIT, NMI or SMI leave. */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif /* SK_CPU_H */
