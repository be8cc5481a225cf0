// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A sidecar node: its mapped memory, the request IPIs the driver sends to
 * its CPUs, the response interrupt its CPUs send back, the scan that turns
 * control-page status changes into completions, and the removal of a CPU
 * for Linux (docs/driver.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/smp.h>

#include <sidecar/control_ops.h>
#include <sidecar/vp_pages.h>

#include "sidecar_drv.h"

/* How often the watchdog rescans a node that has commands in flight. */
#define SIDECAR_WATCHDOG_PERIOD HZ

/*
 * Every timeout is capped, so that no wait built from them comes near the
 * hung-task detector's 120 s, whatever a module parameter says.
 */
#define SIDECAR_MAX_TIMEOUT_MS 30000

unsigned int sidecar_remove_timeout_ms = 10000;
unsigned int sidecar_stop_timeout_ms = 2000;
unsigned int sidecar_nmi_timeout_ms = 3000;
bool sidecar_response_ipis = true;

/* Fault injection, for tests only (docs/driver.md): both off by default. */
bool sidecar_inject_drop_stop_ipi;
bool sidecar_inject_drop_nmi;

static unsigned long timeout_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(min_t(unsigned int, ms, SIDECAR_MAX_TIMEOUT_MS));
}

/*
 * The longest a stopped command can take to end: the STOP bound, the NMI
 * bound, and the watchdog ticks that notice each (plus one for a lost
 * response IPI). The watchdog ends every stopped command within it, by a
 * response or by giving the CPU up; waiters use it as their own bound.
 */
unsigned long sidecar_stop_bound(void)
{
	return timeout_jiffies(READ_ONCE(sidecar_stop_timeout_ms)) +
	       timeout_jiffies(READ_ONCE(sidecar_nmi_timeout_ms)) + 3 * SIDECAR_WATCHDOG_PERIOD;
}

const char *sidecar_status_name(u8 status)
{
	const char *word = sidecar_cpu_status_word(status);

	return word ? word : "invalid";
}

/*
 * A fixed IPI with the node's request vector to CPU i, by APIC ID with a
 * physical destination. apic->icr_write takes the destination APIC ID in
 * xAPIC and x2APIC mode alike; apic->send_IPI(cpu) would not do: in xAPIC
 * logical flat mode it uses a logical destination, which sidecar CPUs never
 * programmed, and it needs a Linux CPU number that the sidecar CPU does not
 * have online.
 */
static void send_request(struct sidecar_node *node, u32 i)
{
	unsigned long flags;

	local_irq_save(flags);
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	apic->icr_write(APIC_INT_ASSERT | APIC_DEST_PHYSICAL | APIC_DM_FIXED | node->request_vector,
			node->cpus[i].apic_id);
	local_irq_restore(flags);
}

/*
 * The escalation of a STOP that was not answered: an NMI to CPU i, by APIC
 * ID (SDM Vol. 3A 10.6.1: delivery mode NMI, the vector is ignored). The
 * sidecar intercepts NMIs while a guest runs (APM Vol. 2 15.9: the
 * intercept exits with the NMI held pending until GIF is set), takes it
 * in its own handler, and then sees STOP like after a request IPI. An NMI
 * cannot be masked by the guest, so a guest that keeps interrupts off or
 * loops in exception delivery still exits.
 */
static void sidecar_send_nmi(struct sidecar_node *node, u32 i)
{
	unsigned long flags;

	local_irq_save(flags);
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	apic->icr_write(APIC_INT_ASSERT | APIC_DEST_PHYSICAL | APIC_DM_NMI, node->cpus[i].apic_id);
	local_irq_restore(flags);
}

/*
 * The state machine's request IPI (cmd_state.h). A STOP starts the bound
 * the watchdog escalates on.
 */
static void node_send_request(void *ctx, unsigned int i, enum sc_cmd_request why)
{
	struct sidecar_node *node = ctx;
	struct sidecar_cpu *c = &node->cpus[i];

	lockdep_assert_held(&node->lock);
	if (why == SC_REQUEST_STOP) {
		c->nmi_sent = false;
		c->stop_since = jiffies;
		if (READ_ONCE(sidecar_inject_drop_stop_ipi)) {
			pr_warn_ratelimited("fault injection: CPU %u: STOP request IPI not sent\n",
					    node->base_cpu + i);
			return;
		}
	}
	send_request(node, i);
}

/* In CPU i's globals page, one of the private pages node->priv maps. */
static const struct sidecar_crash_record *crash_record(struct sidecar_node *node, u32 i)
{
	u64 priv_offset = node->shmem_pa + node->shmem_size - node->mem_pa;

	return node->priv + sidecar_vp_page_offset(node->cpu_count, i, SIDECAR_VP_PAGE_GLOBALS) -
	       priv_offset + SIDECAR_CRASH_RECORD_OFFSET;
}

static bool has_crash_record(struct sidecar_node *node, u32 i)
{
	return READ_ONCE(crash_record(node, i)->magic) == SIDECAR_CRASH_RECORD_MAGIC;
}

static void log_crash(struct sidecar_node *node, u32 i)
{
	static const char * const gpr[16] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
	};
	u32 cpu = node->base_cpu + i;
	struct sidecar_crash_record r;
	unsigned int k;

	memcpy(&r, crash_record(node, i), sizeof(r));
	if (r.magic != SIDECAR_CRASH_RECORD_MAGIC) {
		pr_err("CPU %u (node %u) left the sidecar by itself, without a crash record; it is Linux's now\n",
		       cpu, node->index);
		return;
	}
	pr_err("CPU %u (node %u) crashed in the sidecar: vector %llu, error code %#llx: %.*s\n",
	       cpu, node->index, r.vector, r.error_code,
	       (int)min_t(u32, r.message_len, sizeof(r.message)), r.message);
	if (r.version != SIDECAR_CRASH_RECORD_VERSION || r.vp_index != cpu)
		pr_err("CPU %u: crash record version %u for VP %u\n", cpu, r.version, r.vp_index);
	pr_err("CPU %u: RIP %#llx CS %#llx RFLAGS %#llx RSP %#llx SS %#llx\n",
	       cpu, r.rip, r.cs, r.rflags, r.rsp, r.ss);
	pr_err("CPU %u: CR2 %#llx CR3 %#llx\n", cpu, r.cr2, r.cr3);
	for (k = 0; k < 16; k += 4)
		pr_err("CPU %u: %s %#llx %s %#llx %s %#llx %s %#llx\n", cpu,
		       gpr[k], r.gps[k], gpr[k + 1], r.gps[k + 1],
		       gpr[k + 2], r.gps[k + 2], gpr[k + 3], r.gps[k + 3]);
	pr_err("CPU %u is REMOVED: the sidecar no longer runs it; Linux may start it\n", cpu);
}

static void sidecar_crash_work(struct work_struct *work)
{
	struct sidecar_node *node = container_of(work, struct sidecar_node, crash_work);
	unsigned long flags;
	u32 i;

	for (i = 0; i < node->cpu_count; i++) {
		struct sidecar_cpu *c = &node->cpus[i];
		u8 gone;
		bool log;

		spin_lock_irqsave(&node->lock, flags);
		gone = node->cmd.cpus[i].gone;
		log = (gone == SC_GONE_CRASHED || gone == SC_GONE_VANISHED) && !c->crash_logged;
		c->crash_logged |= log;
		spin_unlock_irqrestore(&node->lock, flags);
		if (log)
			log_crash(node, i);
	}
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

	wake_up(&node->cpus[i].wq);
}

static void node_wake(void *ctx)
{
	struct sidecar_node *node = ctx;

	wake_up(&node->wq);
}

/* CPU i reported REMOVED by itself: crashed (with a record) or vanished. */
static enum sc_cmd_gone node_vanished(void *ctx, unsigned int i)
{
	struct sidecar_node *node = ctx;

	schedule_work(&node->crash_work);
	return has_crash_record(node, i) ? SC_GONE_CRASHED : SC_GONE_VANISHED;
}

static const struct sc_cmd_ops sidecar_cmd_ops = {
	.send_request = node_send_request,
	.node_busy = node_busy,
	.wake_cpu = node_wake_cpu,
	.wake_node = node_wake,
	.vanished = node_vanished,
};

/*
 * CPU i answered neither STOP nor the NMI: give it up. Its command ends
 * with SC_RESULT_LOST (EIO for its RUN, reported to its START's read), and
 * it is gone: its ioctls fail with EIO, conversion refuses it. It may still
 * run its command; the driver no longer waits for it. Loading the module
 * again finds it in STOP and asks again.
 */
static void sidecar_cpu_lose_locked(struct sidecar_node *node, u32 i)
{
	lockdep_assert_held(&node->lock);
	pr_err("CPU %u (node %u) answered neither STOP within %u ms nor an NMI within %u ms (status %s): it is lost; its command ends with EIO and the driver no longer uses it\n",
	       node->base_cpu + i, node->index, READ_ONCE(sidecar_stop_timeout_ms),
	       READ_ONCE(sidecar_nmi_timeout_ms),
	       sidecar_status_name(sidecar_cpu_status(node->cp, i)));
	sc_cmd_lose_locked(&node->cmd, i);
}

/*
 * A waiter's own bound (sidecar_stop_bound()) passed and CPU i's command
 * has still not ended, although the watchdog should have ended it by now
 * (it did not run, say): look once more, then give the CPU up.
 */
void sidecar_cpu_expire_locked(struct sidecar_node *node, u32 i)
{
	struct sc_cmd_cpu *mc = &node->cmd.cpus[i];

	lockdep_assert_held(&node->lock);
	sidecar_take_attention(node->cp);
	sc_cmd_scan_locked(&node->cmd);
	if (mc->active && !mc->gone)
		sidecar_cpu_lose_locked(node, i);
}

/*
 * Stopped commands that did not end: an NMI once a STOP has gone
 * unanswered for stop_timeout_ms, and the CPU given up once the NMI has
 * gone unanswered for nmi_timeout_ms. Only CPUs whose control page still
 * says STOP: one that went IDLE or REMOVED answered, and the scan ends its
 * command.
 */
static void sidecar_escalate_locked(struct sidecar_node *node)
{
	unsigned long now = jiffies;
	u32 i;

	lockdep_assert_held(&node->lock);
	for (i = 0; i < node->cpu_count; i++) {
		struct sidecar_cpu *c = &node->cpus[i];
		struct sc_cmd_cpu *mc = &node->cmd.cpus[i];

		if (mc->gone || !mc->active || !mc->stopping ||
		    sidecar_cpu_status(node->cp, i) != SIDECAR_CPU_STATUS_STOP)
			continue;
		if (!c->nmi_sent) {
			u32 cpu = node->base_cpu + i;

			if (time_before(now, c->stop_since +
					timeout_jiffies(READ_ONCE(sidecar_stop_timeout_ms))))
				continue;
			c->nmi_sent = true;
			c->nmi_since = now;
			pr_warn("CPU %u (node %u) did not answer STOP within %u ms; sending it an NMI\n",
				cpu, node->index, READ_ONCE(sidecar_stop_timeout_ms));
			if (READ_ONCE(sidecar_inject_drop_nmi))
				pr_warn("fault injection: CPU %u: NMI not sent\n", cpu);
			else
				sidecar_send_nmi(node, i);
		} else if (!time_before(now, c->nmi_since +
					timeout_jiffies(READ_ONCE(sidecar_nmi_timeout_ms)))) {
			sidecar_cpu_lose_locked(node, i);
		}
	}
}

/* The response IPI. */
static irqreturn_t sidecar_irq(int irq, void *data)
{
	struct sidecar_node *node = data;

	spin_lock(&node->lock);
	if (sidecar_take_attention(node->cp)) {
		node->irq_count++;
		sc_cmd_scan_locked(&node->cmd);
	}
	/* Else merged with an earlier one, or the watchdog was first. */
	spin_unlock(&node->lock);
	return IRQ_HANDLED;
}

/*
 * The safety net, not the normal path: while commands are in flight, look
 * once a second for a response IPI that never came. needs_attention set at
 * two ticks in a row with no response IRQ in between means one was lost
 * (an IPI in flight at the first tick arrives long before the second); the
 * watchdog then takes the attention and scans, as the IRQ would have.
 */
static void sidecar_watchdog(struct work_struct *work)
{
	struct sidecar_node *node = container_of(to_delayed_work(work), struct sidecar_node,
						 watchdog);
	u32 before, missed = 0;
	unsigned long flags;

	spin_lock_irqsave(&node->lock, flags);
	if (!READ_ONCE(node->cp->needs_attention)) {
		node->watch_pending = false;
	} else if (!node->watch_pending || node->watch_irqs != node->irq_count) {
		node->watch_pending = true;
		node->watch_irqs = node->irq_count;
	} else if (sidecar_take_attention(node->cp)) {
		node->watch_pending = false;
		before = node->cmd.nactive;
		sc_cmd_scan_locked(&node->cmd);
		missed = before - node->cmd.nactive;
		node->fallback_count += missed;
	}
	sidecar_escalate_locked(node);
	if (node->cmd.nactive > 0 || node->watch_pending)
		schedule_delayed_work(&node->watchdog, SIDECAR_WATCHDOG_PERIOD);
	spin_unlock_irqrestore(&node->lock, flags);
	if (missed)
		pr_warn_ratelimited("node %u: %u command(s) ended without a response IPI (response CPU %u, APIC ID %u, vector %#x)\n",
				    node->index, missed, node->resp_cpu, node->resp_apic_id,
				    node->resp_vector);
}

/* Rescan now: after moving the response vector, IPIs may have been lost. */
static void sidecar_node_rescan(struct sidecar_node *node)
{
	unsigned long flags;

	spin_lock_irqsave(&node->lock, flags);
	sidecar_take_attention(node->cp);
	sc_cmd_scan_locked(&node->cmd);
	spin_unlock_irqrestore(&node->lock, flags);
}

/*
 * Publishes where the response interrupt is: the APIC ID of the CPU in its
 * effective affinity and its vector, read from the x86 vector domain
 * (irqd_cfg). The vector goes to 0 while both change, as control_page.h
 * asks. Called after allocation, from the affinity notifier, and after any
 * CPU went offline (which migrates interrupts without notifying).
 */
void sidecar_node_update_response(struct sidecar_node *node)
{
	unsigned int cpu, cpu2, vector, vector2;
	struct irq_data *d;
	struct irq_cfg *cfg;
	u32 apic_id;

	mutex_lock(&node->resp_lock);
	if (!node->irq_requested)
		goto out;
	d = irq_get_irq_data(node->irq);
	cfg = irqd_cfg(d);
	/* Both change under the vector lock, which modules cannot take. */
	do {
		cpu = cpumask_first(irq_data_get_effective_affinity_mask(d));
		vector = READ_ONCE(cfg->vector);
		cpu2 = cpumask_first(irq_data_get_effective_affinity_mask(d));
		vector2 = READ_ONCE(cfg->vector);
	} while (cpu != cpu2 || vector != vector2);
	if (cpu >= nr_cpu_ids || vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS) {
		pr_err("node %u: response interrupt %d has no usable target (CPU %u, vector %#x)\n",
		       node->index, node->irq, cpu, vector);
		goto out;
	}
	apic_id = cpu_physical_id(cpu);
	if (apic_id == node->resp_apic_id && vector == node->resp_vector)
		goto out;
	WRITE_ONCE(node->cp->response_vector, 0);
	smp_wmb(); /* vector 0 before the new CPU */
	WRITE_ONCE(node->cp->response_cpu, apic_id);
	smp_wmb(); /* the new CPU before the new vector */
	if (sidecar_response_ipis)
		WRITE_ONCE(node->cp->response_vector, vector);
	if (node->resp_vector)
		pr_info("node %u: response interrupt moved to CPU %u (APIC ID %u), vector %#x\n",
			node->index, cpu, apic_id, vector);
	node->resp_cpu = cpu;
	node->resp_apic_id = apic_id;
	node->resp_vector = vector;
	sidecar_node_rescan(node);
out:
	mutex_unlock(&node->resp_lock);
}

static void sidecar_affinity_notify(struct irq_affinity_notify *notify, const cpumask_t *mask)
{
	sidecar_node_update_response(container_of(notify, struct sidecar_node, notify));
}

static void sidecar_affinity_release(struct kref *ref)
{
	/* The notifier lives in the node, which outlives it. */
}

/*
 * The response interrupt: an interrupt of the x86 vector domain with its
 * vector on the node's base CPU, handled as an edge interrupt (acked with
 * an EOI by the vector domain's chip).
 */
int sidecar_node_start_irq(struct sidecar_node *node)
{
	const struct cpumask *mask = cpumask_of(node->base_cpu);
	struct irq_alloc_info info;
	int irq, ret;

	memset(&info, 0, sizeof(info));
	info.mask = mask;
	irq = irq_domain_alloc_irqs(x86_vector_domain, 1, cpu_to_node(node->base_cpu), &info);
	if (irq <= 0) {
		pr_err("node %u: cannot allocate an interrupt vector on CPU %u: %d\n",
		       node->index, node->base_cpu, irq);
		return irq ? irq : -ENOSPC;
	}
	irq_set_handler(irq, handle_edge_irq);
	/* Not activated yet: this only records the affinity. */
	ret = irq_set_affinity(irq, mask);
	if (ret)
		pr_warn("node %u: cannot bind interrupt %d to CPU %u: %d\n",
			node->index, irq, node->base_cpu, ret);

	mutex_lock(&node->resp_lock);
	node->irq = irq;
	ret = request_irq(irq, sidecar_irq, IRQF_NOBALANCING, node->name, node);
	if (ret) {
		pr_err("node %u: request_irq(%d): %d\n", node->index, irq, ret);
		node->irq = 0;
		mutex_unlock(&node->resp_lock);
		irq_dispose_mapping(irq);
		return ret;
	}
	node->irq_requested = true;
	mutex_unlock(&node->resp_lock);

	node->notify.notify = sidecar_affinity_notify;
	node->notify.release = sidecar_affinity_release;
	ret = irq_set_affinity_notifier(irq, &node->notify);
	if (ret)
		pr_warn("node %u: no affinity notifier for interrupt %d: %d\n",
			node->index, irq, ret);
	else
		node->notify_set = true;

	sidecar_node_update_response(node);
	if (!node->resp_vector)
		return -EIO;
	return 0;
}

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
		struct sc_cmd_cpu *c = &node->cmd.cpus[i];
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
			c->gone = SC_GONE_LINUX;
			continue;
		}
		switch (status) {
		case SIDECAR_CPU_STATUS_REMOVED:
			/* Online: Linux's (converted, or restarted after a crash). */
			if (cpu_online(cpu)) {
				c->gone = SC_GONE_LINUX;
			} else if (has_crash_record(node, i)) {
				c->gone = SC_GONE_CRASHED;
				schedule_work(&node->crash_work);
			} else {
				c->gone = SC_GONE_NOT_STARTED;
			}
			break;
		case SIDECAR_CPU_STATUS_IDLE:
			if (cpu_online(cpu)) {
				pr_warn("node %u: CPU %u is online in Linux but IDLE in the control page; it is Linux's\n",
					node->index, cpu);
				c->gone = SC_GONE_LINUX;
			}
			break;
		case SIDECAR_CPU_STATUS_RUN:
		case SIDECAR_CPU_STATUS_STOP:
			/* Left running by an earlier instance: stop it, own it until IDLE. */
			pr_info("node %u: CPU %u is running a command; stopping it\n",
				node->index, cpu);
			/* With the same bounds as any STOP. */
			sc_cmd_adopt_running_locked(&node->cmd, i);
			break;
		case SIDECAR_CPU_STATUS_REMOVE:
			sc_cmd_adopt_removing_locked(&node->cmd, i);
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

	node = kvzalloc(struct_size(node, cpus, desc->cpu_count), GFP_KERNEL);
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
	node->cmd.cpus = kvcalloc(node->cpu_count, sizeof(*node->cmd.cpus), GFP_KERNEL);
	if (!node->cmd.cpus) {
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
			kvfree(node->cmd.cpus);
			kvfree(node);
			return ERR_PTR(-EINVAL);
		}
		init_waitqueue_head(&node->cpus[i].wq);
		node->cpus[i].apic_id = apic_id;
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
	sc_cmd_node_init(&node->cmd, node->cp, node->base_cpu, node->cpu_count, node->cmd.cpus,
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
				timeout_jiffies(READ_ONCE(sidecar_remove_timeout_ms))))
		pr_warn("node %u: %u CPU(s) still busy at unload\n", node->index,
			READ_ONCE(node->cmd.nactive));
}

void sidecar_node_destroy(struct sidecar_node *node)
{
	if (!node)
		return;
	if (node->cp)
		sidecar_node_quiesce(node);
	mutex_lock(&node->resp_lock);
	if (node->cp && node->irq_requested)
		WRITE_ONCE(node->cp->response_vector, 0);
	mutex_unlock(&node->resp_lock);
	if (node->notify_set)
		irq_set_affinity_notifier(node->irq, NULL);
	if (node->irq_requested)
		free_irq(node->irq, node);
	if (node->irq)
		irq_dispose_mapping(node->irq);
	cancel_delayed_work_sync(&node->watchdog);
	flush_work(&node->crash_work);
	if (node->priv)
		memunmap(node->priv);
	if (node->cp)
		memunmap(node->cp);
	kvfree(node->cmd.cpus);
	kvfree(node);
}

/*
 * Takes CPU i out of the sidecar so that Linux can start it (the hotplug
 * callback, before Linux sends INIT-SIPI): stop its command if it has one,
 * then IDLE -> REMOVE and wait for REMOVED. One way: afterwards the CPU's
 * ioctls fail with ENOENT.
 */
int sidecar_node_remove_cpu(struct sidecar_node *node, u32 i)
{
	unsigned long timeout = timeout_jiffies(READ_ONCE(sidecar_remove_timeout_ms));
	struct sc_cmd_cpu *mc = &node->cmd.cpus[i];
	struct sidecar_cpu *c = &node->cpus[i];
	u32 cpu = node->base_cpu + i;
	unsigned long flags;
	int ret;
	u8 status;

	spin_lock_irqsave(&node->lock, flags);
	ret = sc_cmd_convert_begin_locked(&node->cmd, i);
	spin_unlock_irqrestore(&node->lock, flags);
	if (ret == -EIO)
		pr_err("CPU %u was lost in the sidecar (it answered neither STOP nor an NMI); not onlining it\n",
		       cpu);
	if (ret)
		return ret < 0 ? ret : 0;

	pr_info("CPU %u: taking it out of the sidecar (node %u) for Linux\n", cpu, node->index);
	wait_event_timeout(c->wq, sc_cmd_ended(&node->cmd, i), timeout);

	spin_lock_irqsave(&node->lock, flags);
	status = sidecar_cpu_status(node->cp, i);
	ret = sc_cmd_convert_request_locked(&node->cmd, i);
	spin_unlock_irqrestore(&node->lock, flags);
	if (ret == -EIO) {
		/* The watchdog gave it up while we waited for its command. */
		pr_err("CPU %u: its command did not stop and the CPU is lost; not onlining it\n",
		       cpu);
		return ret;
	}
	if (ret == -EBUSY && status != SIDECAR_CPU_STATUS_IDLE) {
		pr_err("CPU %u: its command did not stop within %u ms (status %s); not onlining it\n",
		       cpu, sidecar_remove_timeout_ms, sidecar_status_name(status));
		return -ETIMEDOUT;
	}
	if (ret == -EBUSY) {
		pr_err("CPU %u: status %s, expected idle; not onlining it\n",
		       cpu, sidecar_status_name(status));
		return ret;
	}

	if (!wait_event_timeout(c->wq, READ_ONCE(mc->gone), timeout)) {
		pr_err("CPU %u did not leave the sidecar within %u ms (status %s); not onlining it\n",
		       cpu, sidecar_remove_timeout_ms,
		       sidecar_status_name(sidecar_cpu_status(node->cp, i)));
		return -ETIMEDOUT;
	}
	pr_info("CPU %u left the sidecar; Linux starts it\n", cpu);
	return 0;
}
