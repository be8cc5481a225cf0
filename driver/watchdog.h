/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The watchdog, the NMI escalation, lost CPUs (watchdog.c). */
#ifndef SIDECAR_WATCHDOG_H
#define SIDECAR_WATCHDOG_H

#include <linux/types.h>

struct sidecar_node;

struct work_struct;

/* How often the watchdog rescans a node that has commands in flight. */
#define SIDECAR_WATCHDOG_PERIOD HZ

extern unsigned int sidecar_stop_timeout_ms;
extern unsigned int sidecar_nmi_timeout_ms;
extern bool sidecar_inject_drop_nmi;

unsigned long sidecar_stop_bound(void);
void sidecar_expire_vp_locked(struct sidecar_node *node, u32 i);
/* node->watchdog's function. */
void sidecar_watchdog(struct work_struct *work);

#endif /* SIDECAR_WATCHDOG_H */
