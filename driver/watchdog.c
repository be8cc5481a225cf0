// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Commands that do not end by themselves (docs/driver.md, "The watchdog"
 * and "Bounded waits"): the watchdog that finds completions whose response
 * IPI was lost, the NMI that escalates an unanswered STOP, and giving up a
 * CPU that answers neither.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/printk.h>
#include <linux/workqueue.h>

#include <sidecar/control_ops.h>

#include "ipi.h"
#include "sidecar_drv.h"
#include "watchdog.h"

unsigned int sidecar_stop_timeout_ms = 2000;
unsigned int sidecar_nmi_timeout_ms = 3000;

/* Fault injection, for tests only (docs/driver.md): off by default. */
bool sidecar_inject_drop_nmi;

/*
 * The longest a stopped command can take to end: the STOP bound, the NMI
 * bound, and the watchdog ticks that notice each (plus one for a lost
 * response IPI). The watchdog ends every stopped command within it, by a
 * response or by giving the CPU up; waiters use it as their own bound.
 */
unsigned long sidecar_stop_bound(void)
{
	return sidecar_timeout_jiffies(READ_ONCE(sidecar_stop_timeout_ms)) +
	       sidecar_timeout_jiffies(READ_ONCE(sidecar_nmi_timeout_ms)) +
	       3 * SIDECAR_WATCHDOG_PERIOD;
}

/*
 * CPU i answered neither STOP nor the NMI: give it up. Its command ends
 * with SCMD_RESULT_LOST (EIO for its RUN, reported to its START's read), and
 * it is gone: its ioctls fail with EIO, conversion refuses it. It may still
 * run its command; the driver no longer waits for it. Loading the module
 * again finds it in STOP and asks again.
 */
static void sidecar_lose_vp_locked(struct sidecar_node *node, u32 i)
{
	lockdep_assert_held(&node->lock);
	pr_err("CPU %u (node %u) answered neither STOP within %u ms nor an NMI within %u ms (status %s): it is lost; its command ends with EIO and the driver no longer uses it\n",
	       node->base_cpu + i, node->index, READ_ONCE(sidecar_stop_timeout_ms),
	       READ_ONCE(sidecar_nmi_timeout_ms),
	       sidecar_status_name(sidecar_cpu_status(node->cp, i)));
	scmd_lose_locked(&node->cmd, i);
}

/*
 * A waiter's own bound (sidecar_stop_bound()) passed and CPU i's command
 * has still not ended, although the watchdog should have ended it by now
 * (it did not run, say): look once more, then give the CPU up.
 */
void sidecar_expire_vp_locked(struct sidecar_node *node, u32 i)
{
	struct scmd_vp *mc = &node->cmd.vps[i];

	lockdep_assert_held(&node->lock);
	sidecar_take_attention(node->cp);
	scmd_scan_locked(&node->cmd);
	if (mc->active && !mc->gone)
		sidecar_lose_vp_locked(node, i);
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
	unsigned long stop_timeout = sidecar_timeout_jiffies(READ_ONCE(sidecar_stop_timeout_ms));
	unsigned long nmi_timeout = sidecar_timeout_jiffies(READ_ONCE(sidecar_nmi_timeout_ms));
	unsigned long now = jiffies;
	u32 i;

	lockdep_assert_held(&node->lock);
	for (i = 0; i < node->cpu_count; i++) {
		struct sidecar_node_vp *c = &node->vps[i];
		struct scmd_vp *mc = &node->cmd.vps[i];

		if (mc->gone || !mc->active || !mc->stopping ||
		    sidecar_cpu_status(node->cp, i) != SIDECAR_CPU_STATUS_STOP)
			continue;
		if (!c->nmi_sent) {
			u32 cpu = node->base_cpu + i;

			if (time_before(now, c->stop_since + stop_timeout))
				continue;
			c->nmi_sent = true;
			c->nmi_since = now;
			pr_warn("CPU %u (node %u) did not answer STOP within %u ms; sending it an NMI\n",
				cpu, node->index, READ_ONCE(sidecar_stop_timeout_ms));
			if (READ_ONCE(sidecar_inject_drop_nmi))
				pr_warn("fault injection: CPU %u: NMI not sent\n", cpu);
			else
				sidecar_send_nmi(node, i);
		} else if (!time_before(now, c->nmi_since + nmi_timeout)) {
			sidecar_lose_vp_locked(node, i);
		}
	}
}

/*
 * The safety net, not the normal path: while commands are in flight, look
 * once a second for a response IPI that never came. needs_attention set at
 * two ticks in a row with no response IRQ in between means one was lost
 * (an IPI in flight at the first tick arrives long before the second); the
 * watchdog then takes the attention and scans, as the IRQ would have.
 */
void sidecar_watchdog(struct work_struct *work)
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
		scmd_scan_locked(&node->cmd);
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
