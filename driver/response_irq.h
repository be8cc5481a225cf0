/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The response interrupt (response_irq.c). */
#ifndef SIDECAR_RESPONSE_IRQ_H
#define SIDECAR_RESPONSE_IRQ_H

#include <linux/types.h>

struct sidecar_node;

extern bool sidecar_response_ipis;

int sidecar_node_start_irq(struct sidecar_node *node);
void sidecar_node_stop_irq(struct sidecar_node *node);
void sidecar_node_update_response(struct sidecar_node *node);

#endif /* SIDECAR_RESPONSE_IRQ_H */
