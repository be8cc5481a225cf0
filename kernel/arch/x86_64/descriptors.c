// SPDX-License-Identifier: MIT
/*
 * GDT, TSS and IDT. Every sidecar CPU has its own GDT and TSS in its
 * globals page (a TSS descriptor is marked busy when loaded, so CPUs cannot
 * share one) and shares one IDT. The TSS exists only for IST 1: #DF, NMI
 * and #MC switch to a known-good stack, so a stack overflow still ends in a
 * crash record instead of a triple fault (SDM Vol. 3A 6.14.5).
 *
 * The BSP runs sidecar_entry() on the loader's CPU and must hand back its
 * task register untouched, so it loads no TSS and uses an IDT copy without
 * IST.
 */
#include "cpu.h"
#include "kernel.h"

extern const char sk_isr_stubs[];

static struct sc_idt_gate ap_idt[256] __attribute__((aligned(16)));
static struct sc_idt_gate bsp_idt[256] __attribute__((aligned(16)));

void descriptors_init_idt(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t stub = (uint64_t)(uintptr_t)sk_isr_stubs + (uint64_t)v * SC_ISR_STUB_SIZE;
		bool ist = v == 2 || v == 8 || v == 18; /* NMI, #DF, #MC */

		sc_idt_gate_set(&ap_idt[v], stub, SEL_CODE, ist ? 1 : 0);
		sc_idt_gate_set(&bsp_idt[v], stub, SEL_CODE, 0);
	}
}

void descriptors_load_bsp(void)
{
	sc_lidt(bsp_idt, sizeof(bsp_idt));
}

void descriptors_load(struct percpu *cpu)
{
	uint64_t tss = (uint64_t)(uintptr_t)&cpu->tss;
	uint64_t limit = sizeof(cpu->tss) - 1;
	struct sc_table_pointer gdtr = {sizeof(cpu->gdt) - 1, (uint64_t)(uintptr_t)cpu->gdt};

	cpu->tss = (struct tss64){.iomap_base = sizeof(cpu->tss)};
	/* IST stacks grow down from the crash record; 16-byte aligned. */
	cpu->tss.ist[0] = (uint64_t)(uintptr_t)cpu + PERCPU_IST_TOP;

	cpu->gdt[0] = 0;
	cpu->gdt[1] = 0x00AF9A000000FFFFull; /* SEL_CODE: 64-bit code, DPL 0 */
	cpu->gdt[2] = 0x00CF92000000FFFFull; /* SEL_DATA */
	/* SEL_TSS: available 64-bit TSS (type 9), present (SDM Vol. 3A 7.2.3). */
	cpu->gdt[3] = (limit & 0xFFFF) | (tss & 0xFFFFFF) << 16 | 0x89ull << 40 |
		      ((limit >> 16) & 0xF) << 48 | ((tss >> 24) & 0xFF) << 56;
	cpu->gdt[4] = tss >> 32;

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(SEL_CODE), "i"(SEL_DATA), "r"((uint16_t)SEL_TSS)
			 : "rax", "memory");
	sc_lidt(ap_idt, sizeof(ap_idt));
}
