/* SPDX-License-Identifier: MIT */
/* The one stdlib.h function libfdt's headers and library use. */
#ifndef SC_LIBC_STDLIB_H
#define SC_LIBC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *restrict s, char **restrict end, int base);

#endif /* SC_LIBC_STDLIB_H */
