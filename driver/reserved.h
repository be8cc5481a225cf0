/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Reserved ranges (reserved.c). */
#ifndef SIDECAR_RESERVED_H
#define SIDECAR_RESERVED_H

#include <linux/types.h>

/*
 * [base, base + size) must not wrap and must not touch System RAM: 0 or
 * -EINVAL, with the reason logged under `what`.
 */
int sidecar_check_reserved(const char *what, u64 base, u64 size);

#endif /* SIDECAR_RESERVED_H */
