/* SPDX-License-Identifier: MIT */
/* The dispatch state machine (kernel/core/dispatch.c). */
#ifndef SK_DISPATCH_H
#define SK_DISPATCH_H

#include "sk_vp.h"

/*
 * Announces the CPU to the host: zeroes its command and register pages
 * (nothing from a previous boot leaks to the VMM) and moves its status from
 * RUN to IDLE. The BSP waits for this during sidecar_entry().
 */
void sk_dispatch_announce(struct sk_vp *vp, void *register_page);

/*
 * The dispatch loop: waits for RUN, STOP or REMOVE; runs each command
 * (RUN and STOP alike, as OpenHCL does: a command cannot be reported as
 * cancelled before it ran); returns after REMOVE has been answered with
 * REMOVED. The caller then parks the CPU.
 */
void sk_dispatch_loop(struct sk_vp *vp);

/* Sets needs_attention and sends the response IPI if one is configured. */
void sk_raise_attention(struct sk_vp *vp);

#endif /* SK_DISPATCH_H */
