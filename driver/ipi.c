// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The IPIs the driver sends to a node's CPUs (docs/driver.md, "Requests"
 * and "Bounded waits"): the request IPI, and the NMI that escalates an
 * unanswered STOP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>

#include <asm/apic.h>

#include "ipi.h"
#include "sidecar_drv.h"

/*
 * A fixed IPI with the node's request vector to CPU i, by APIC ID with a
 * physical destination. apic->icr_write takes the destination APIC ID in
 * xAPIC and x2APIC mode alike; apic->send_IPI(cpu) would not do: in xAPIC
 * logical flat mode it uses a logical destination, which sidecar CPUs never
 * programmed, and it needs a Linux CPU number that the sidecar CPU does not
 * have online.
 */
void sidecar_send_request(struct sidecar_node *node, u32 i)
{
	unsigned long flags;

	local_irq_save(flags);
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	apic->icr_write(APIC_INT_ASSERT | APIC_DEST_PHYSICAL | APIC_DM_FIXED | node->request_vector,
			node->vps[i].apic_id);
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
void sidecar_send_nmi(struct sidecar_node *node, u32 i)
{
	unsigned long flags;

	local_irq_save(flags);
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	apic->icr_write(APIC_INT_ASSERT | APIC_DEST_PHYSICAL | APIC_DM_NMI, node->vps[i].apic_id);
	local_irq_restore(flags);
}
