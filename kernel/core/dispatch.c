// SPDX-License-Identifier: MIT
/*
 * The per-CPU dispatch state machine (docs/abi.md, "cpu_status
 * transitions"), shared by the kernel and the hosted tests.
 *
 *   IDLE --host--> RUN --sidecar: command done--> IDLE
 *   RUN --host--> STOP --sidecar: command cut short--> IDLE
 *   IDLE --host--> REMOVE --sidecar: tidied up--> REMOVED (then parked)
 */
#include <sidecar/control_ops.h>
#include <string.h>

#include "sk_commands.h"
#include "sk_dispatch.h"
#include "sk_platform.h"

void sk_raise_attention(struct sk_vp *vp)
{
	struct sidecar_control_page *cp = vp->control;
	uint32_t vector, apic_id;

	sidecar_raise_attention(cp);
	vector = SIDECAR_LOAD_RELAXED(&cp->response_vector);
	apic_id = SIDECAR_LOAD_RELAXED(&cp->response_cpu);
	if (vector == 0)
		return;
	/* Vectors 0-15 are reserved; sending one makes the local APIC flag a
	 * send error and deliver nothing (SDM Vol. 3A, 11.5.3). */
	if (vector < 16 || vector > 255) {
		sk_plat_log(vp, "ignoring invalid response vector %u", vector);
		return;
	}
	sk_plat_send_ipi(vp, apic_id, (uint8_t)vector);
}

void sk_dispatch_announce(struct sk_vp *vp, void *register_page)
{
	/* The pages may hold data of a previous boot (or of another guest);
	 * the VMM gets them clean. */
	memset(vp->command, 0, sizeof(*vp->command));
	if (register_page)
		memset(register_page, 0, SIDECAR_PAGE_SIZE);
	sidecar_cpu_status_publish(vp->control, vp->index_in_node, SIDECAR_CPU_STATUS_IDLE);
}

/* Waits until the host asks for something; returns the status it set. */
static uint8_t wait_for_request(struct sk_vp *vp)
{
	bool reported = false;

	for (;;) {
		uint8_t status = sidecar_cpu_status(vp->control, vp->index_in_node);

		switch (status) {
		case SIDECAR_CPU_STATUS_RUN:
		case SIDECAR_CPU_STATUS_STOP:
		case SIDECAR_CPU_STATUS_REMOVE:
			return status;
		case SIDECAR_CPU_STATUS_IDLE:
			break;
		default:
			/* Only the driver writes requests, but a bad value must
			 * not make this CPU spin or exit: report it once and
			 * wait for a valid request. */
			if (!reported) {
				vp->unexpected_status++;
				sk_plat_log(vp, "unexpected cpu_status %u while idle; waiting",
					    status);
				reported = true;
			}
			break;
		}
		sk_plat_wait_for_request(vp);
	}
}

void sk_dispatch_loop(struct sk_vp *vp)
{
	for (;;) {
		uint8_t status = wait_for_request(vp);

		if (status == SIDECAR_CPU_STATUS_REMOVE)
			break;
		/* RUN or STOP: a STOP that arrives before the command started
		 * still runs it, as OpenHCL does; commands that can run long
		 * (RUN_VP) check for STOP themselves. */
		sk_command_execute(vp);
		vp->commands++;
		sidecar_cpu_status_publish(vp->control, vp->index_in_node, SIDECAR_CPU_STATUS_IDLE);
		sk_raise_attention(vp);
	}

	sk_plat_log(vp, "removing");
	if (vp->backend && vp->backend->teardown_vp)
		vp->backend->teardown_vp(vp);
	sidecar_cpu_status_publish(vp->control, vp->index_in_node, SIDECAR_CPU_STATUS_REMOVED);
	sk_raise_attention(vp);
}
