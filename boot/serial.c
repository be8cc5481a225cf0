// SPDX-License-Identifier: MIT
/*
 * COM1 at 115200 8N1, polled: the 16550 register set at I/O port 0x3F8
 * (PC/AT standard). Interrupts stay off (IER = 0, MCR.OUT2 = 0): the shim
 * never takes serial interrupts.
 */
#include <stdarg.h>
#include <stdint.h>

#include "serial.h"
#include "x86.h"

#define COM1	      0x3F8u
#define UART_THR      0 /* transmit holding (DLAB = 0) */
#define UART_DLL      0 /* divisor latch low (DLAB = 1) */
#define UART_IER      1
#define UART_DLM      1 /* divisor latch high (DLAB = 1) */
#define UART_FCR      2
#define UART_LCR      3
#define UART_MCR      4
#define UART_LSR      5
#define UART_LCR_DLAB 0x80u
#define UART_LCR_8N1  0x03u
#define UART_LSR_THRE 0x20u /* transmit holding register empty */

/* A UART that never drains (or no UART: reads give 0xFF, THRE set) must not
 * hang the shim: give up on a character after this many polls. */
#define UART_POLL_LIMIT 1000000u

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	/* The divisor is 115200 / baud: 1 for 115200. */
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 0x01);
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	/* FIFOs on and cleared, 14-byte receive threshold. */
	outb(COM1 + UART_FCR, 0xC7);
	/* DTR and RTS; OUT2 clear keeps the UART's IRQ line disconnected. */
	outb(COM1 + UART_MCR, 0x03);
}

static void serial_putc(char c)
{
	for (uint32_t i = 0; i < UART_POLL_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_emit(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			serial_putc('\r');
		serial_putc(text[i]);
	}
}

void shim_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_vformat(serial_emit, NULL, fmt, ap);
	va_end(ap);
}
