/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Crash records (crash.c). */
#ifndef SIDECAR_CRASH_H
#define SIDECAR_CRASH_H

#include <linux/types.h>

struct sidecar_node;

struct work_struct;

/* CPU i's crash record is there (the CPU crashed, or left one at an earlier boot). */
bool sidecar_has_crash_record(struct sidecar_node *node, u32 i);
/* node->crash_work: logs each crashed or vanished CPU once. */
void sidecar_crash_work(struct work_struct *work);

#endif /* SIDECAR_CRASH_H */
