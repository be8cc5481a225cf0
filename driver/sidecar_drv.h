/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * sidecar.ko internals (docs/driver.md). One struct sidecar_node per
 * sidecar node of the handoff block, one struct sidecar_node_vp per CPU of the
 * node, one struct sidecar_file per open file.
 */
#ifndef SIDECAR_DRV_H
#define SIDECAR_DRV_H

#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <sidecar_defs.h>
#include <sidecar/control_ops.h>
#include <sidecar/handoff.h>

#include "cmd_state.h"

/* Shared pages per CPU, as SIDECAR_IOCTL_INFO reports them. */
#define SIDECAR_SHMEM_PER_CPU (SIDECAR_PER_VP_SHMEM_PAGES * SIDECAR_PAGE_SIZE)

struct sidecar_file;

/*
 * The kernel's part of a CPU; the command state is node->cmd.vps[i]
 * (cmd_state.h). Every field but `wq` and `apic_id` is written under the
 * node's lock.
 */
struct sidecar_node_vp {
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
	void *priv;			/* the private pages, from shmem_pa + shmem_size */
	struct sidecar_control_page *cp;

	spinlock_t lock;		/* cmd, vps[], counters */
	wait_queue_head_t wq;		/* read/poll, close, async completions */
	struct scmd_node cmd;		/* the command state machine */
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

	struct list_head link;		/* platform.c's list of bound nodes */
	char name[32];
	struct miscdevice misc;
	bool misc_registered;

	struct sidecar_node_vp vps[];
};

/* An open /dev/sidecarN. */
struct sidecar_file {
	struct sidecar_node *node;
	struct scmd_file cmd;		/* node lock */
	unsigned int ring[];		/* node->cpu_count entries, for cmd */
};

/* [a, a + a_size) and [b, b + b_size) share a byte; empty ranges share none. */
static inline bool sidecar_overlaps(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a_size && b_size && a < b + b_size && b < a + a_size;
}

/*
 * The platform driver and its devices (platform.c, docs/driver.md,
 * "Discovery"): upstream's driver name and resource names, and what the
 * handoff path adds (extensions).
 */
#define SIDECAR_PLATFORM_NAME "mshv_vtl_sidecar"
#define SIDECAR_RES_CTRL "ctrl"		/* the control page */
#define SIDECAR_RES_SHMEM "shmem"	/* command and register pages */
#define SIDECAR_RES_PRIVATE "private"	/* extension: the CPUs' private pages */

/* Extension: the node the handoff block meant, checked against its control page. */
struct sidecar_platform_data {
	u32 index;
	u32 base_cpu;
	u32 cpu_count;
};

/* A node as its device and its control page describe it. */
struct sidecar_node_desc {
	u32 index;
	u32 base_cpu;
	u32 cpu_count;
	phys_addr_t mem_pa;		/* the node memory, control page first */
	u64 mem_size;			/* sidecar_required_memory(cpu_count) */
	phys_addr_t shmem_pa;
	u64 shmem_size;			/* cpu_count * SIDECAR_SHMEM_PER_CPU */
	const char *name_prefix;	/* "mshv_vtl_sidecar" or "sidecar" */
};

struct platform_device;

/* platform.c */
extern bool sidecar_mshv_names;

int sidecar_platform_register(void);
void sidecar_platform_unregister(void);
int sidecar_platform_bound(struct platform_device *pdev);
struct sidecar_node *sidecar_node_of_cpu(unsigned int cpu, u32 *i);
void sidecar_nodes_update_response(void);

/* handoff.c */
struct sidecar_config {
	u64 pa;
	struct sidecar_handoff hdr;
	struct sidecar_handoff_node *nodes;	/* hdr.node_count */
	u32 *apic_ids;				/* hdr.vp_count */
};

int sidecar_handoff_read(u64 pa, struct sidecar_config *cfg);
void sidecar_handoff_free(struct sidecar_config *cfg);
int sidecar_handoff_add_devices(const struct sidecar_config *cfg,
				struct platform_device **pdevs);
void sidecar_handoff_remove_devices(struct platform_device **pdevs, u32 count);

/* node.c */
extern bool sidecar_inject_drop_stop_ipi;

struct sidecar_node *sidecar_node_create(const struct sidecar_node_desc *desc);
void sidecar_node_destroy(struct sidecar_node *node);

/*
 * Every timeout is capped, so that no wait built from them comes near the
 * hung-task detector's 120 s, whatever a module parameter says.
 */
#define SIDECAR_MAX_TIMEOUT_MS 30000

static inline unsigned long sidecar_timeout_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(min_t(unsigned int, ms, SIDECAR_MAX_TIMEOUT_MS));
}

static inline const char *sidecar_status_name(u8 status)
{
	const char *word = sidecar_cpu_status_word(status);

	return word ? word : "invalid";
}

/* dev.c */
int sidecar_node_register(struct sidecar_node *node);
void sidecar_node_unregister(struct sidecar_node *node);

/* guest_memory.c */
int sidecar_guest_register(const struct sidecar_config *cfg);
void sidecar_guest_unregister(void);

#endif /* SIDECAR_DRV_H */
