// SPDX-License-Identifier: MIT
#include <stdarg.h>

#include "exit.h"
#include "serial.h"
#include "tsc.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xF4u
/* QEMU from 9.0 on turns the write into a shutdown request that the main
 * loop carries out later (hw/misc/debugexit.c, runstate API), so this CPU
 * runs on for a moment; only after this long is the device taken to be
 * missing. */
#define DEBUG_EXIT_GRACE_US 2000000ull

_Noreturn void shim_exit(uint8_t code)
{
	uint64_t end;

	irq_disable();
	outb(DEBUG_EXIT_PORT, code);
	end = rdtsc() + tsc_us_to_ticks(DEBUG_EXIT_GRACE_US);
	while (rdtsc() < end)
		cpu_relax();
	/* Still here: no isa-debug-exit device. Halt for good; with
	 * interrupts off only NMI/INIT/SMI can wake the CPU, and the loop
	 * halts again after them. */
	shim_print("sidecar-shim: no isa-debug-exit device at port %#x; halting (code %#x)\n",
		   DEBUG_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

_Noreturn void shim_boot_error(const char *fmt, ...)
{
	va_list ap;

	shim_print("sidecar-shim: boot error: ");
	va_start(ap, fmt);
	sc_vformat(serial_emit, NULL, fmt, ap);
	va_end(ap);
	shim_print("\n");
	shim_exit(SHIM_EXIT_BOOT_ERROR);
}
