/* SPDX-License-Identifier: MIT */
/* The dispatch state machine and command execution (kernel/core). */
#ifndef SC_DISPATCH_H
#define SC_DISPATCH_H

#include "sc_vp.h"

/*
 * Announces the CPU to the host: zeroes its command and register pages
 * (nothing from a previous boot leaks to the VMM) and moves its status from
 * RUN to IDLE. The BSP waits for this during sidecar_entry().
 */
void sc_dispatch_announce(struct sc_vp *vp, void *register_page);

/*
 * The dispatch loop: waits for RUN, STOP or REMOVE; runs each command
 * (RUN and STOP alike, as OpenHCL does: a command cannot be reported as
 * cancelled before it ran); returns after REMOVE has been answered with
 * REMOVED. The caller then parks the CPU.
 */
void sc_dispatch_loop(struct sc_vp *vp);

/*
 * Runs the command in vp->command: takes it (replacing it with NONE),
 * clears has_error, executes. Exposed for the tests.
 */
void sc_command_execute(struct sc_vp *vp);

/* Sets has_error and a formatted error string in the command page. */
void sc_command_error(struct sidecar_command_page *cp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Registers that live on the sidecar's own CPU rather than in the guest
 * backend: the MTRRs and DR0-DR3, DR6 (as OpenHCL's sidecar). Returns false
 * if `name` is not one of them; otherwise the HV_STATUS_* in *status.
 */
bool sc_local_register_get(struct sc_vp *vp, hv_register_name_t name,
			   union hv_register_value *value, hv_status_t *status);
bool sc_local_register_set(struct sc_vp *vp, hv_register_name_t name,
			   const union hv_register_value *value, hv_status_t *status);

/* The MSR a local register name maps to, or 0. */
uint32_t sc_local_register_msr(hv_register_name_t name);

/* Sets needs_attention and sends the response IPI if one is configured. */
void sc_raise_attention(struct sc_vp *vp);

#endif /* SC_DISPATCH_H */
