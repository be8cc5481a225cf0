/* SPDX-License-Identifier: MIT */
/* Formatting into a struct sidecar_command_error (boot and command errors). */
#ifndef SC_ERROR_H
#define SC_ERROR_H

#include <sidecar_defs.h>
#include <stdarg.h>

/* Replaces the error text with the formatted one, truncated to 255 bytes. */
void sc_error_vformat(struct sidecar_command_error *error, const char *fmt, va_list ap);

#endif /* SC_ERROR_H */
