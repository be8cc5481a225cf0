// SPDX-License-Identifier: MIT
/*
 * The kernel's log: COM1 (I/O port 0x3F8), polled, one line at a time
 * under a spinlock shared by every sidecar CPU, so lines never interleave.
 * Each line is prefixed with the VP index ("sidecar#12: ...", or
 * "sidecar: ..." on the BSP). Only when the loader enabled logging, except
 * for crash reports, which always go out.
 */
#include <stdatomic.h>

#include "cpu.h"
#include "kernel.h"
#include "sc_format.h"

#define COM1	      0x3F8
#define LSR	      5
#define LSR_THR_EMPTY 0x20

/* Owner of the lock: VP index + 1 (BSP_OWNER + 1 for the BSP), 0 when free. */
#define BSP_OWNER (UINT32_MAX - 1)
static _Atomic uint32_t log_owner;

static void put_char(char c)
{
	/* Bounded wait: a missing UART must not hang the CPU. */
	for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & LSR_THR_EMPTY); i++)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

static void emit_serial(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			put_char('\r');
		put_char(text[i]);
	}
}

static uint32_t me(void)
{
	struct percpu *cpu = this_cpu();

	return cpu->is_bsp ? BSP_OWNER : cpu->vp_index;
}

/*
 * Takes the lock. A CPU that faults while holding it (the crash path logs)
 * takes it again instead of deadlocking on itself.
 */
static void lock(uint32_t owner)
{
	for (;;) {
		uint32_t expected = 0;

		if (atomic_compare_exchange_weak_explicit(&log_owner, &expected, owner + 1,
							  memory_order_acquire,
							  memory_order_relaxed))
			return;
		if (expected == owner + 1)
			return;
		cpu_relax();
	}
}

static void unlock(void)
{
	atomic_store_explicit(&log_owner, 0, memory_order_release);
}

static void write_line(const char *fmt, va_list ap)
{
	uint32_t owner = me();

	lock(owner);
	if (owner == BSP_OWNER)
		sc_format(emit_serial, NULL, "sidecar: ");
	else
		sc_format(emit_serial, NULL, "sidecar#%u: ", owner);
	sc_vformat(emit_serial, NULL, fmt, ap);
	emit_serial(NULL, "\n", 1);
	unlock();
}

void log_vline(const char *fmt, va_list ap)
{
	if (sk_boot.log_enabled)
		write_line(fmt, ap);
}

void log_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(fmt, ap);
	va_end(ap);
}

void log_force_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(fmt, ap);
	va_end(ap);
}
