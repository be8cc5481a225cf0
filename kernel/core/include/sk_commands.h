/* SPDX-License-Identifier: MIT */
/* Command execution and command errors (kernel/core/commands.c). */
#ifndef SK_COMMANDS_H
#define SK_COMMANDS_H

#include "sk_vp.h"

/*
 * Runs the command in vp->command: takes it (replacing it with NONE),
 * clears has_error, executes. Exposed for the tests.
 */
void sk_command_execute(struct sk_vp *vp);

/* Sets has_error and a formatted error string in the command page. */
void sk_command_error(struct sidecar_command_page *cp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SK_COMMANDS_H */
