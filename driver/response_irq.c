// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A node's response interrupt (docs/driver.md, "Responses"): the vector its
 * CPUs send when a command ends, the scan it triggers, and keeping the
 * control page's response_cpu/response_vector true while Linux moves it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/topology.h>

#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/smp.h>

#include <sidecar/control_ops.h>

#include "response_irq.h"
#include "sidecar_drv.h"

bool sidecar_response_ipis = true;

/* The response IPI. */
static irqreturn_t sidecar_irq(int irq, void *data)
{
	struct sidecar_node *node = data;

	spin_lock(&node->lock);
	if (sidecar_take_attention(node->cp)) {
		node->irq_count++;
		scmd_scan_locked(&node->cmd);
	}
	/* Else merged with an earlier one, or the watchdog was first. */
	spin_unlock(&node->lock);
	return IRQ_HANDLED;
}

/* Rescan now: after moving the response vector, IPIs may have been lost. */
static void sidecar_node_rescan(struct sidecar_node *node)
{
	unsigned long flags;

	spin_lock_irqsave(&node->lock, flags);
	sidecar_take_attention(node->cp);
	scmd_scan_locked(&node->cmd);
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

/* Undoes sidecar_node_start_irq(), as far as it got. */
void sidecar_node_stop_irq(struct sidecar_node *node)
{
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
}
