// SPDX-License-Identifier: MIT
/*
 * The shim's IDT: every vector goes to its stub in isr.asm, which saves
 * the registers and calls shim_interrupt() (trap.c).
 */
#include <stdint.h>

#include "idt.h"
#include "x86.h"

#define IDT_ENTRIES 256
#define SEL_CODE64  0x08

extern const char isr_stubs[];

/* Interrupt gates clear IF on entry, so the handlers never nest (SDM Vol.
 * 3A 7.12.1.3). */
static struct sc_idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));

void idt_init(void)
{
	for (int v = 0; v < IDT_ENTRIES; v++)
		sc_idt_gate_set(&idt[v],
				(uint64_t)(uintptr_t)isr_stubs + (uint64_t)v * SC_ISR_STUB_SIZE,
				SEL_CODE64, 0);
	sc_lidt(idt, sizeof(idt));
}
