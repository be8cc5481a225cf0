/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The IPIs to a node's CPUs (ipi.c). */
#ifndef SIDECAR_IPI_H
#define SIDECAR_IPI_H

#include <linux/types.h>

struct sidecar_node;

void sidecar_send_request(struct sidecar_node *node, u32 i);
void sidecar_send_nmi(struct sidecar_node *node, u32 i);

#endif /* SIDECAR_IPI_H */
