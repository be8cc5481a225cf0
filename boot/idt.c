// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "apic.h"
#include "exit.h"
#include "idt.h"
#include "load_sidecar.h"
#include "serial.h"
#include "x86.h"

#define IDT_ENTRIES   256
#define ISR_STUB_SIZE 16
#define SEL_CODE64    0x08
/* Present, DPL 0, 64-bit interrupt gate: IF is cleared on entry, so the
 * handlers never nest (SDM Vol. 3A 7.12.1.3, 7.14.1). */
#define GATE_INTERRUPT 0x8E
/* More stray interrupts than this means a storm: stop instead of looping. */
#define UNEXPECTED_LIMIT 64

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "an IDT gate is 16 bytes in long mode");

struct __attribute__((packed)) idt_descriptor {
	uint16_t limit;
	uint64_t base;
};

extern const char isr_stubs[];

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static irq_handler_fn handlers[IDT_ENTRIES];
static uint64_t unexpected;

static const char *const exception_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved (15)",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization exception",
	"#CP control protection",
	"reserved (22)",
	"reserved (23)",
	"reserved (24)",
	"reserved (25)",
	"reserved (26)",
	"reserved (27)",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security exception",
	"reserved (31)",
};

void idt_init(void)
{
	struct idt_descriptor desc;

	for (int v = 0; v < IDT_ENTRIES; v++) {
		uint64_t addr = (uint64_t)(uintptr_t)isr_stubs + (uint64_t)v * ISR_STUB_SIZE;

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)addr,
			.selector = SEL_CODE64,
			.ist = 0,
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_high = (uint32_t)(addr >> 32),
		};
	}
	desc.limit = sizeof(idt) - 1;
	desc.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(desc) : "memory");
}

void idt_set_handler(uint8_t vector, irq_handler_fn fn)
{
	handlers[vector] = fn;
}

uint64_t idt_unexpected_count(void)
{
	return unexpected;
}

static _Noreturn void report_exception(const struct isr_frame *f)
{
	shim_print("\nsidecar-shim: exception %llu (%s), error code %#llx\n",
		   (unsigned long long)f->vector, exception_names[f->vector & 31],
		   (unsigned long long)f->error_code);
	shim_print("  RIP %#018llx  CS %#llx  RFLAGS %#llx  RSP %#018llx  SS %#llx\n",
		   (unsigned long long)f->rip, (unsigned long long)f->cs,
		   (unsigned long long)f->rflags, (unsigned long long)f->rsp,
		   (unsigned long long)f->ss);
	shim_print("  CR2 %#018llx  CR3 %#018llx\n", (unsigned long long)read_cr2(),
		   (unsigned long long)read_cr3());
	shim_print("  RAX %#018llx  RBX %#018llx  RCX %#018llx  RDX %#018llx\n",
		   (unsigned long long)f->rax, (unsigned long long)f->rbx,
		   (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	shim_print("  RSI %#018llx  RDI %#018llx  RBP %#018llx\n", (unsigned long long)f->rsi,
		   (unsigned long long)f->rdi, (unsigned long long)f->rbp);
	/* The kernel runs on the BSP under the shim's IDT until it loads its
	 * own, and again after it restored the shim's. */
	shim_boot_error("exception %llu in %s", (unsigned long long)f->vector,
			sidecar_image_contains(f->rip) ? "the sidecar kernel (called by the shim)"
						       : "the boot shim");
}

void shim_interrupt(struct isr_frame *f);

void shim_interrupt(struct isr_frame *f)
{
	uint8_t vector = (uint8_t)f->vector;

	if (f->vector < 32)
		report_exception(f);
	if (handlers[vector]) {
		handlers[vector](vector);
		return;
	}
	/* Nothing should arrive here: the PIC is masked and the local APIC
	 * sources the shim does not use are masked. Report it, acknowledge
	 * it, and keep going; a flood ends the boot. */
	unexpected++;
	shim_print("sidecar-shim: unexpected interrupt, vector %u\n", vector);
	apic_eoi();
	if (unexpected > UNEXPECTED_LIMIT)
		shim_boot_error("more than %u unexpected interrupts", UNEXPECTED_LIMIT);
}
