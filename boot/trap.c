// SPDX-License-Identifier: MIT
/*
 * Where every interrupt and exception of the shim lands (isr.asm calls
 * shim_interrupt()): exceptions are reported and end the boot, interrupt
 * vectors go to the handlers registered here.
 */
#include <stdint.h>

#include "apic.h"
#include "exit.h"
#include "load_sidecar.h"
#include "serial.h"
#include "trap.h"
#include "x86.h"

#define VECTORS 256
/* More stray interrupts than this means a storm: stop instead of looping. */
#define UNEXPECTED_LIMIT 64

static irq_handler_fn handlers[VECTORS];
static uint64_t unexpected;

void trap_set_handler(uint8_t vector, irq_handler_fn fn)
{
	handlers[vector] = fn;
}

uint64_t trap_unexpected_count(void)
{
	return unexpected;
}

static _Noreturn void report_exception(const struct sc_trap_frame *f)
{
	shim_print("\nsidecar-shim: exception %llu (%s), error code %#llx\n",
		   (unsigned long long)f->vector, sc_x86_exception_name(f->vector),
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

void shim_interrupt(struct sc_trap_frame *f);

void shim_interrupt(struct sc_trap_frame *f)
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
