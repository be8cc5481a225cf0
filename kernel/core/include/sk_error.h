/* SPDX-License-Identifier: MIT */
/* Formatting into a struct sidecar_command_error (boot and command errors). */
#ifndef SK_ERROR_H
#define SK_ERROR_H

#include <sidecar_defs.h>
#include <stdarg.h>

/* Replaces the error text with the formatted one, truncated to 255 bytes. */
void sk_error_vformat(struct sidecar_command_error *error, const char *fmt, va_list ap);

#endif /* SK_ERROR_H */
