// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Conversion (docs/driver.md, "Conversion to Linux"): taking a CPU out of
 * the sidecar so that Linux can start it, from the hotplug callback.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/printk.h>
#include <linux/wait.h>

#include <sidecar/control_ops.h>

#include "convert.h"
#include "sidecar_drv.h"

unsigned int sidecar_remove_timeout_ms = 10000;

/*
 * Takes CPU i out of the sidecar so that Linux can start it (the hotplug
 * callback, before Linux sends INIT-SIPI): stop its command if it has one,
 * then IDLE -> REMOVE and wait for REMOVED. One way: afterwards the CPU's
 * ioctls fail with ENOENT.
 */
int sidecar_node_remove_cpu(struct sidecar_node *node, u32 i)
{
	unsigned long timeout = sidecar_timeout_jiffies(READ_ONCE(sidecar_remove_timeout_ms));
	struct scmd_vp *mc = &node->cmd.vps[i];
	struct sidecar_node_vp *c = &node->vps[i];
	u32 cpu = node->base_cpu + i;
	unsigned long flags;
	int ret;
	u8 status;

	spin_lock_irqsave(&node->lock, flags);
	ret = scmd_convert_begin_locked(&node->cmd, i);
	spin_unlock_irqrestore(&node->lock, flags);
	if (ret == -EIO)
		pr_err("CPU %u was lost in the sidecar (it answered neither STOP nor an NMI); not onlining it\n",
		       cpu);
	if (ret)
		return ret < 0 ? ret : 0;

	pr_info("CPU %u: taking it out of the sidecar (node %u) for Linux\n", cpu, node->index);
	wait_event_timeout(c->wq, scmd_ended(&node->cmd, i), timeout);

	spin_lock_irqsave(&node->lock, flags);
	status = sidecar_cpu_status(node->cp, i);
	ret = scmd_convert_request_locked(&node->cmd, i);
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
