/* SPDX-License-Identifier: MIT */
/* Text helpers of the library (format.c); they call nothing else in it. */
#ifndef VMM_FORMAT_H
#define VMM_FORMAT_H

#include <stddef.h>

/* Formats like snprintf, always terminating; never fails. */
void vmm_format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* strerror_r into buf. */
const char *vmm_strerror(int err, char *buf, size_t size);

#endif /* VMM_FORMAT_H */
