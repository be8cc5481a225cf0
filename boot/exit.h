/* SPDX-License-Identifier: MIT */
/*
 * Leaving QEMU: isa-debug-exit (-device isa-debug-exit,iobase=0xf4) turns a
 * write of v to port 0xF4 into QEMU's exit status (v << 1) | 1. Without that
 * device the shim halts instead.
 */
#ifndef SHIM_EXIT_H
#define SHIM_EXIT_H

#include <stdint.h>

#define SHIM_EXIT_SUCCESS     0x10u /* QEMU exits with 33 */
#define SHIM_EXIT_TEST_FAILED 0x11u /* 35: a self-test check failed */
#define SHIM_EXIT_BOOT_ERROR  0x12u /* 37: bad input, declined plan, kernel error, shim fault */

_Noreturn void shim_exit(uint8_t code);

/* Prints "sidecar-shim: boot error: <message>" and exits with SHIM_EXIT_BOOT_ERROR. */
_Noreturn void shim_boot_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SHIM_EXIT_H */
