/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Conversion: a CPU out of the sidecar, for Linux (convert.c). */
#ifndef SIDECAR_CONVERT_H
#define SIDECAR_CONVERT_H

#include <linux/types.h>

struct sidecar_node;

extern unsigned int sidecar_remove_timeout_ms;

int sidecar_node_remove_cpu(struct sidecar_node *node, u32 i);

#endif /* SIDECAR_CONVERT_H */
