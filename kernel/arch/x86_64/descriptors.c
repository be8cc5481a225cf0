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
#include "kernel.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

struct table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t sc_isr_table[256];

static struct idt_gate ap_idt[256] __attribute__((aligned(16)));
static struct idt_gate bsp_idt[256] __attribute__((aligned(16)));

#define GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate */

static void set_gate(struct idt_gate *g, uint64_t handler, uint8_t ist)
{
	g->offset_low = (uint16_t)handler;
	g->selector = SEL_CODE;
	g->ist = ist;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_high = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void descriptors_init_idt(void)
{
	for (int v = 0; v < 256; v++) {
		bool ist = v == 2 || v == 8 || v == 18; /* NMI, #DF, #MC */

		set_gate(&ap_idt[v], sc_isr_table[v], ist ? 1 : 0);
		set_gate(&bsp_idt[v], sc_isr_table[v], 0);
	}
}

static void load_idt(struct idt_gate *idt)
{
	struct table_pointer p = { sizeof(ap_idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}

void descriptors_load_bsp(void)
{
	load_idt(bsp_idt);
}

void descriptors_load(struct percpu *cpu)
{
	uint64_t tss = (uint64_t)(uintptr_t)&cpu->tss;
	uint64_t limit = sizeof(cpu->tss) - 1;
	struct table_pointer gdtr = { sizeof(cpu->gdt) - 1, (uint64_t)(uintptr_t)cpu->gdt };

	cpu->tss = (struct tss64){ .iomap_base = sizeof(cpu->tss) };
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
	load_idt(ap_idt);
}
