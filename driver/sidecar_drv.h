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

/* Shared pages per CPU, as SIDECAR_IOCTL_INFO reports them. */
#define SIDECAR_SHMEM_PER_CPU (SIDECAR_PER_VP_SHMEM_PAGES * SIDECAR_PAGE_SIZE)

/* Who owns a sidecar CPU's command page (struct sidecar_cpu.state). */
enum sidecar_cpu_state {
	SC_CPU_FREE,	/* nobody: RUN or START may claim it */
	SC_CPU_SYNC,	/* a RUN ioctl of `owner` waits for it */
	SC_CPU_ASYNC,	/* started by `owner` (or by nobody: found running at load) */
	SC_CPU_DONE,	/* its START finished; `owner` has not read it yet */
};

/* Why a CPU is no longer in the sidecar (struct sidecar_cpu.gone). */
enum sidecar_gone {
	SC_GONE_NO,		/* in the sidecar */
	SC_GONE_LINUX,		/* the node's base CPU, or online in Linux at load */
	SC_GONE_NOT_STARTED,	/* REMOVED at load, without a crash record */
	SC_GONE_CONVERTED,	/* removed by the hotplug callback */
	SC_GONE_CRASHED,	/* reported REMOVED by itself, with a crash record */
	SC_GONE_VANISHED,	/* reported REMOVED by itself, no crash record */
	SC_GONE_LOST,		/* answered neither STOP nor the NMI after it (node.c) */
};

/* How a CPU's last command ended (struct sidecar_cpu.result). */
enum sidecar_result {
	SC_RESULT_DONE,		/* the CPU went IDLE: the command page holds the response */
	SC_RESULT_GONE,		/* the CPU went REMOVED (crashed, or converted) */
	SC_RESULT_LOST,		/* the driver gave up on the CPU: no response */
};

struct sidecar_file;

/*
 * Per-CPU state. Every field but `wq` and `apic_id` is written under the
 * node's lock; fields tested by wait conditions are read with READ_ONCE.
 */
struct sidecar_cpu {
	wait_queue_head_t wq;		/* RUN waiters and the hotplug callback */
	struct sidecar_file *owner;	/* SYNC, ASYNC or DONE */
	u32 apic_id;			/* request IPI destination */
	u8 state;			/* enum sidecar_cpu_state */
	u8 gone;			/* enum sidecar_gone */
	u8 result;			/* enum sidecar_result of its last command */
	bool active;		/* we moved it IDLE->RUN and it has not ended since */
	bool stopping;		/* we moved it RUN->STOP (or found it in STOP) */
	bool nmi_sent;		/* stopping, and escalated with an NMI */
	bool converting;	/* the hotplug callback is taking it out */
	bool removing;		/* we moved it IDLE->REMOVE */
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

	spinlock_t lock;		/* cpus[], files' rings, counters */
	wait_queue_head_t wq;		/* read/poll, close, async completions */
	u32 nactive;			/* CPUs with `active` or `removing` set */
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
	u32 nactive;	/* CPUs it started that have not ended (node lock) */
	u32 head;	/* ring of ended CPUs (node indexes), node lock */
	u32 count;
	u32 ring[];	/* node->cpu_count entries: a CPU is in it at most once */
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
void sidecar_send_request(struct sidecar_node *node, u32 i);
bool sidecar_cpu_stop_locked(struct sidecar_node *node, u32 i);
unsigned long sidecar_stop_bound(void);
void sidecar_cpu_expire_locked(struct sidecar_node *node, u32 i);
void sidecar_cpu_became_active_locked(struct sidecar_node *node);
void sidecar_node_scan_locked(struct sidecar_node *node);
const char *sidecar_status_name(u8 status);

void sidecar_complete_locked(struct sidecar_node *node, u32 i, u8 result);

/* dev.c */
int sidecar_node_register(struct sidecar_node *node);
void sidecar_node_unregister(struct sidecar_node *node);

/* guest_memory.c */
int sidecar_guest_register(const struct sidecar_config *cfg);
void sidecar_guest_unregister(void);

#endif /* SIDECAR_DRV_H */
