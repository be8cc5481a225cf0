/* SPDX-License-Identifier: MIT */
/* Text helpers of the library (format.c); they call nothing else in it. */
#ifndef SC_VMM_FORMAT_H
#define SC_VMM_FORMAT_H

#include <stddef.h>

/* Formats like snprintf, always terminating; never fails. */
void sc_vmm_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* strerror_r into buf. */
const char *sc_vmm_strerror(int err, char *buf, size_t size);

#endif /* SC_VMM_FORMAT_H */
