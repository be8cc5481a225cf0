/* SPDX-License-Identifier: MIT */
/*
 * A small printf-style formatter shared by every build: the sidecar kernel
 * and the boot shim (no libc), and the hosted tools and tests, so that text
 * such as the boot plan table comes out the same everywhere.
 *
 * Conversions: %% %c %s %d %i %u %x %X %p, with flags '-', '0' and '#', a width
 * (digits or '*'), a precision for %s (digits or '*'), and the length
 * modifiers hh h l ll z j. Anything else is copied through verbatim so that
 * a bad format string shows up in the output instead of crashing.
 */
#ifndef SC_FORMAT_H
#define SC_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Receives formatted text in pieces; pieces are not NUL-terminated. */
typedef void (*sc_emit_fn)(void *ctx, const char *text, size_t len);

/* Formats to `emit`; returns the number of bytes emitted. */
size_t sc_vformat(sc_emit_fn emit, void *ctx, const char *fmt, va_list ap);
size_t sc_format(sc_emit_fn emit, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Formats into buf (always NUL-terminated when size > 0, truncating as
 * needed); returns the length the full text would have had.
 */
size_t sc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t sc_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * sc_snprintf() of a one-line reason, returning false: the checkers that
 * answer "valid or not, and why" (boot params, bzImage header, e820 input,
 * sidecar image) end each refusal with `return sc_reason(why, size, ...)`.
 */
bool sc_reason(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* SC_FORMAT_H */
