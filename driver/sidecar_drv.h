/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * sidecar.ko internals (docs/driver.md). One struct sidecar_node per
 * sidecar node of the handoff block, one struct sidecar_cpu per CPU of the
 * node, one struct sidecar_file per open file.
 */
#ifndef SIDECAR_DRV_H
#define SIDECAR_DRV_H

#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <sidecar_defs.h>
#include <sidecar/handoff.h>

#include "cmd_state.h"

/* Shared pages per CPU, as SIDECAR_IOCTL_INFO reports them. */
#define SIDECAR_SHMEM_PER_CPU (SIDECAR_PER_VP_SHMEM_PAGES * SIDECAR_PAGE_SIZE)

struct sidecar_file;

/*
 * The kernel's part of a CPU; the command state is node->cmd.cpus[i]
 * (cmd_state.h). Every field but `wq` and `apic_id` is written under the
 * node's lock.
 */
struct sidecar_cpu {
	wait_queue_head_t wq;		/* RUN waiters and the hotplug callback */
	u32 apic_id;			/* request IPI destination */
	bool nmi_sent;		/* stopping, and escalated with an NMI */
	bool crash_logged;
	unsigned long stop_since;	/* jiffies: when `stopping` was set */
	unsigned long nmi_since;	/* jiffies: when the NMI was sent */
};

struct sidecar_node {
	u32 index;
	u32 base_cpu;
	u32 cpu_count;
	u32 request_vector;
	phys_addr_t mem_pa;		/* node memory (control page first) */
	u64 mem_size;			/* sidecar_required_memory(cpu_count) */
	phys_addr_t shmem_pa;		/* command and register pages */
	u64 shmem_size;			/* cpu_count * SIDECAR_SHMEM_PER_CPU */
	void *mem;			/* memremap(mem_pa, mem_size, WB) */
	struct sidecar_control_page *cp;

	spinlock_t lock;		/* cmd, cpus[], counters */
	wait_queue_head_t wq;		/* read/poll, close, async completions */
	struct sc_cmd_node cmd;		/* the command state machine */
	u64 irq_count;			/* response IRQs with attention set */
	u64 fallback_count;		/* completions found by the watchdog */
	struct delayed_work watchdog;	/* looks for lost IPIs while nactive > 0 */
	bool watch_pending;		/* it saw needs_attention set at its last tick */
	u64 watch_irqs;			/* irq_count at that tick */
	struct work_struct crash_work;	/* logs crash records */

	struct mutex resp_lock;		/* irq, resp_* and the control page's response_* */
	int irq;			/* 0 until allocated */
	bool irq_requested;
	bool notify_set;
	u32 resp_cpu;			/* Linux CPU the response IRQ targets */
	u32 resp_apic_id;
	u32 resp_vector;
	struct irq_affinity_notify notify;

	char name[32];
	struct miscdevice misc;
	bool misc_registered;

	struct sidecar_cpu cpus[];
};

/* An open /dev/sidecarN. */
struct sidecar_file {
	struct sidecar_node *node;
	struct sc_cmd_file cmd;		/* node lock */
	unsigned int ring[];		/* node->cpu_count entries, for cmd */
};

/* handoff.c */
struct sidecar_config {
	u64 pa;
	struct sidecar_handoff hdr;
	struct sidecar_handoff_node *nodes;	/* hdr.node_count */
	u32 *apic_ids;				/* hdr.vp_count */
};

int sidecar_handoff_read(u64 pa, struct sidecar_config *cfg);
void sidecar_handoff_free(struct sidecar_config *cfg);

/* node.c */
extern unsigned int sidecar_remove_timeout_ms;
extern unsigned int sidecar_stop_timeout_ms;
extern unsigned int sidecar_nmi_timeout_ms;
extern bool sidecar_response_ipis;
extern bool sidecar_inject_drop_stop_ipi;
extern bool sidecar_inject_drop_nmi;

struct sidecar_node *sidecar_node_create(const struct sidecar_config *cfg, u32 index,
					 bool mshv_names);
int sidecar_node_start_irq(struct sidecar_node *node);
void sidecar_node_destroy(struct sidecar_node *node);
void sidecar_node_update_response(struct sidecar_node *node);
int sidecar_node_remove_cpu(struct sidecar_node *node, u32 i);
unsigned long sidecar_stop_bound(void);
void sidecar_cpu_expire_locked(struct sidecar_node *node, u32 i);
const char *sidecar_status_name(u8 status);

/* dev.c */
int sidecar_node_register(struct sidecar_node *node);
void sidecar_node_unregister(struct sidecar_node *node);

/* guest_memory.c */
int sidecar_guest_register(const struct sidecar_config *cfg);
void sidecar_guest_unregister(void);

#endif /* SIDECAR_DRV_H */
