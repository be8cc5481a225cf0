// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A sidecar node: its setup and teardown (mapped memory, the control
 * page's check, each CPU's state when the driver arrives) and the hooks
 * through which its command state machine (cmd_state.c) reaches the
 * driver (docs/driver.md). The IPIs, the response interrupt, the
 * watchdog, crash records and conversion have their own files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/smp.h>

#include <sidecar/control_ops.h>

#include "convert.h"
#include "crash.h"
#include "ipi.h"
#include "response_irq.h"
#include "sidecar_drv.h"
#include "watchdog.h"

/* Fault injection, for tests only (docs/driver.md): off by default. */
bool sidecar_inject_drop_stop_ipi;

/*
 * The state machine's request IPI (cmd_state.h). A STOP starts the bound
 * the watchdog escalates on.
 */
static void node_send_request(void *ctx, unsigned int i, enum scmd_request why)
{
	struct sidecar_node *node = ctx;
	struct sidecar_node_vp *c = &node->vps[i];

	lockdep_assert_held(&node->lock);
	if (why == SCMD_REQUEST_STOP) {
		c->nmi_sent = false;
		c->stop_since = jiffies;
		if (READ_ONCE(sidecar_inject_drop_stop_ipi)) {
			pr_warn_ratelimited("fault injection: CPU %u: STOP request IPI not sent\n",
					    node->base_cpu + i);
			return;
		}
	}
	sidecar_send_request(node, i);
}

/* The state machine has a command in flight again: watch it. */
static void node_busy(void *ctx)
{
	struct sidecar_node *node = ctx;

	schedule_delayed_work(&node->watchdog, SIDECAR_WATCHDOG_PERIOD);
}

static void node_wake_cpu(void *ctx, unsigned int i)
{
	struct sidecar_node *node = ctx;

	wake_up(&node->vps[i].wq);
}

static void node_wake(void *ctx)
{
	struct sidecar_node *node = ctx;

	wake_up(&node->wq);
}

/* CPU i reported REMOVED by itself: crashed (with a record) or vanished. */
static enum scmd_gone node_vanished(void *ctx, unsigned int i)
{
	struct sidecar_node *node = ctx;

	schedule_work(&node->crash_work);
	return sidecar_has_crash_record(node, i) ? SCMD_GONE_CRASHED : SCMD_GONE_VANISHED;
}

static const struct scmd_ops sidecar_cmd_ops = {
	.send_request = node_send_request,
	.node_busy = node_busy,
	.wake_cpu = node_wake_cpu,
	.wake_node = node_wake,
	.vanished = node_vanished,
};

/* The control page must be the one the sidecar kernel wrote for this node. */
static int check_control_page(struct sidecar_node *node)
{
	struct sidecar_control_page *cp = node->cp;
	u32 index = READ_ONCE(cp->index), base = READ_ONCE(cp->base_cpu);
	u32 count = READ_ONCE(cp->cpu_count), vector = READ_ONCE(cp->request_vector);

	if (index != node->index || base != node->base_cpu || count != node->cpu_count) {
		pr_err("node %u: the control page at %pa changed while the node was probed: now node %u, CPUs %u+%u, before CPUs %u+%u\n",
		       node->index, &node->mem_pa, index, base, count, node->base_cpu,
		       node->cpu_count);
		return -EINVAL;
	}
	if (vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS) {
		pr_err("node %u: request vector %#x out of range (%#x..%#x)\n",
		       node->index, vector, FIRST_EXTERNAL_VECTOR, NR_VECTORS - 1);
		return -EINVAL;
	}
	node->request_vector = vector;
	return 0;
}

/* What each CPU is doing when the driver arrives. */
static int take_initial_state(struct sidecar_node *node)
{
	unsigned long flags;
	int ret = 0;
	u32 i;

	spin_lock_irqsave(&node->lock, flags);
	for (i = 0; i < node->cpu_count; i++) {
		struct scmd_vp *c = &node->cmd.vps[i];
		u32 cpu = node->base_cpu + i;
		u8 status = sidecar_cpu_status(node->cp, i);

		if (status > SIDECAR_CPU_STATUS_REMOVE) {
			pr_err("node %u: CPU %u has status %u in the control page\n",
			       node->index, cpu, status);
			ret = -EINVAL;
			break;
		}
		if (i == 0) {
			if (status != SIDECAR_CPU_STATUS_REMOVED) {
				pr_err("node %u: base CPU %u is %s in the control page; it must be REMOVED (Linux's)\n",
				       node->index, cpu, sidecar_status_name(status));
				ret = -EINVAL;
				break;
			}
			c->gone = SCMD_GONE_LINUX;
			continue;
		}
		switch (status) {
		case SIDECAR_CPU_STATUS_REMOVED:
			/* Online: Linux's (converted, or restarted after a crash). */
			if (cpu_online(cpu)) {
				c->gone = SCMD_GONE_LINUX;
			} else if (sidecar_has_crash_record(node, i)) {
				c->gone = SCMD_GONE_CRASHED;
				schedule_work(&node->crash_work);
			} else {
				c->gone = SCMD_GONE_NOT_STARTED;
			}
			break;
		case SIDECAR_CPU_STATUS_IDLE:
			if (cpu_online(cpu)) {
				pr_warn("node %u: CPU %u is online in Linux but IDLE in the control page; it is Linux's\n",
					node->index, cpu);
				c->gone = SCMD_GONE_LINUX;
			}
			break;
		case SIDECAR_CPU_STATUS_RUN:
		case SIDECAR_CPU_STATUS_STOP:
			/* Left running by an earlier instance: stop it, own it until IDLE. */
			pr_info("node %u: CPU %u is running a command; stopping it\n",
				node->index, cpu);
			/* With the same bounds as any STOP. */
			scmd_adopt_running_locked(&node->cmd, i);
			break;
		case SIDECAR_CPU_STATUS_REMOVE:
			scmd_adopt_removing_locked(&node->cmd, i);
			break;
		}
	}
	spin_unlock_irqrestore(&node->lock, flags);
	return ret;
}

/*
 * The probe (platform.c) validated the description: memory reserved, CPUs
 * present. Linux's APIC IDs are the request IPIs' destinations.
 */
struct sidecar_node *sidecar_node_create(const struct sidecar_node_desc *desc)
{
	struct sidecar_node *node;
	u32 index = desc->index;
	phys_addr_t priv_pa;
	u64 priv_size;
	u32 i;

	node = kvzalloc(struct_size(node, vps, desc->cpu_count), GFP_KERNEL);
	if (!node)
		return ERR_PTR(-ENOMEM);
	node->index = index;
	node->base_cpu = desc->base_cpu;
	node->cpu_count = desc->cpu_count;
	node->mem_pa = desc->mem_pa;
	node->mem_size = desc->mem_size;
	node->shmem_pa = desc->shmem_pa;
	node->shmem_size = desc->shmem_size;
	INIT_LIST_HEAD(&node->link);
	snprintf(node->name, sizeof(node->name), "%s%u", desc->name_prefix, index);
	spin_lock_init(&node->lock);
	init_waitqueue_head(&node->wq);
	node->cmd.vps = kvcalloc(node->cpu_count, sizeof(*node->cmd.vps), GFP_KERNEL);
	if (!node->cmd.vps) {
		kvfree(node);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&node->resp_lock);
	INIT_DELAYED_WORK(&node->watchdog, sidecar_watchdog);
	INIT_WORK(&node->crash_work, sidecar_crash_work);
	for (i = 0; i < node->cpu_count; i++) {
		u32 apic_id = cpu_physical_id(node->base_cpu + i);

		/* An xAPIC destination has 8 bits. */
		if (!x2apic_mode && apic_id > 0xff) {
			pr_err("node %u: CPU %u has APIC ID %u, which needs x2APIC; Linux runs the local APIC in xAPIC mode\n",
			       index, node->base_cpu + i, apic_id);
			kvfree(node->cmd.vps);
			kvfree(node);
			return ERR_PTR(-EINVAL);
		}
		init_waitqueue_head(&node->vps[i].wq);
		node->vps[i].apic_id = apic_id;
	}

	/*
	 * The control page and the private pages (crash records), each
	 * within one of the device's resources: a mapping across the
	 * resources would trip ioremap's resource sanity check. The shared
	 * pages are only mapped into VMMs.
	 */
	priv_pa = node->shmem_pa + node->shmem_size;
	priv_size = node->mem_pa + node->mem_size - priv_pa;
	node->cp = memremap(node->mem_pa, SIDECAR_PAGE_SIZE, MEMREMAP_WB);
	node->priv = memremap(priv_pa, priv_size, MEMREMAP_WB);
	if (!node->cp || !node->priv) {
		pr_err("node %u: cannot map its memory [%pa, +%#llx)\n",
		       index, &node->mem_pa, node->mem_size);
		sidecar_node_destroy(node);
		return ERR_PTR(-ENOMEM);
	}
	scmd_node_init(&node->cmd, node->cp, node->base_cpu, node->cpu_count, node->cmd.vps,
		       &sidecar_cmd_ops, node);
	if (check_control_page(node) || take_initial_state(node)) {
		sidecar_node_destroy(node);
		return ERR_PTR(-EINVAL);
	}
	return node;
}

/* Waits for commands found running at load; the files are all closed. */
static void sidecar_node_quiesce(struct sidecar_node *node)
{
	if (!wait_event_timeout(node->wq, !READ_ONCE(node->cmd.nactive),
				sidecar_timeout_jiffies(READ_ONCE(sidecar_remove_timeout_ms))))
		pr_warn("node %u: %u CPU(s) still busy at unload\n", node->index,
			READ_ONCE(node->cmd.nactive));
}

void sidecar_node_destroy(struct sidecar_node *node)
{
	if (!node)
		return;
	if (node->cp)
		sidecar_node_quiesce(node);
	sidecar_node_stop_irq(node);
	cancel_delayed_work_sync(&node->watchdog);
	flush_work(&node->crash_work);
	if (node->priv)
		memunmap(node->priv);
	if (node->cp)
		memunmap(node->cp);
	kvfree(node->cmd.vps);
	kvfree(node);
}
