/* SPDX-License-Identifier: MIT */
/* COM1 output (polled) and the shim's print through the shared formatter. */
#ifndef SHIM_SERIAL_H
#define SHIM_SERIAL_H

#include <stddef.h>

#include "sc_format.h"

void serial_init(void);

/* An sc_emit_fn writing to COM1 (ctx unused); "\n" becomes "\r\n". */
void serial_emit(void *ctx, const char *text, size_t len);

/* sc_format() to COM1. */
void shim_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SHIM_SERIAL_H */
