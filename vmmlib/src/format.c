// SPDX-License-Identifier: MIT
/*
 * Formatting of the library's one-line messages. Every other file of the
 * library may call these; they call nothing in it, so no file depends on
 * one that depends on it (docs/vmmlib.md, the file table).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

void vmm_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || size == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(buf, size, fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
}

const char *vmm_strerror(int err, char *buf, size_t size)
{
	if (err < 0)
		err = -err;
	/* XSI strerror_r: this file is built without _GNU_SOURCE. */
	if (strerror_r(err, buf, size) != 0)
		vmm_format(buf, size, "error %d", err);
	return buf;
}
