/* SPDX-License-Identifier: MIT */
/* Command execution and command errors (kernel/core/commands.c). */
#ifndef SC_COMMANDS_H
#define SC_COMMANDS_H

#include "sc_vp.h"

/*
 * Runs the command in vp->command: takes it (replacing it with NONE),
 * clears has_error, executes. Exposed for the tests.
 */
void sc_command_execute(struct sc_vp *vp);

/* Sets has_error and a formatted error string in the command page. */
void sc_command_error(struct sidecar_command_page *cp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SC_COMMANDS_H */
