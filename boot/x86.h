/* SPDX-License-Identifier: MIT */
/* What the boot shim needs beyond the shared x86 helpers (sc_x86.h). */
#ifndef SHIM_X86_H
#define SHIM_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_x86.h"

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* Enables interrupts and halts until one arrives. The STI interrupt shadow
 * covers the HLT, so an interrupt already pending is taken after the HLT
 * starts and wakes it, never lost in between (SDM Vol. 2B, STI). Returns
 * with interrupts disabled again. */
static inline void irq_wait(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static inline void mmio_write32(uint64_t pa, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)pa = value;
}

static inline uint32_t mmio_read32(uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

#endif /* SHIM_X86_H */
