/* SPDX-License-Identifier: MIT */
/*
 * The shim's interrupt and exception handling (trap.c): every exception
 * prints the vector, error code, RIP and CR2 and exits with the boot-error
 * code (a shim bug never becomes a silent triple fault); interrupt vectors
 * go to handlers registered here.
 */
#ifndef SHIM_TRAP_H
#define SHIM_TRAP_H

#include <stdint.h>

typedef void (*irq_handler_fn)(uint8_t vector);

/* Installs `fn` for interrupt vector `vector` (32..255). */
void trap_set_handler(uint8_t vector, irq_handler_fn fn);

/* Interrupts that arrived on a vector without a handler. */
uint64_t trap_unexpected_count(void);

#endif /* SHIM_TRAP_H */
