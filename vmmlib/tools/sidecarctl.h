/* SPDX-License-Identifier: MIT */
/*
 * sidecarctl's commands, apart from main() so that the unit tests run them
 * in-process over the fake driver (tests/unit/test_vmmlib_ctl.c).
 */
#ifndef SIDECARCTL_H
#define SIDECARCTL_H

#include <stdint.h>
#include <stdio.h>

#include "sidecar_vmm.h"

/* Exit statuses. */
#define SIDECARCTL_OK	  0
#define SIDECARCTL_FAILED 1 /* the command failed; one line on stderr says why */
#define SIDECARCTL_USAGE  2 /* bad command line */

struct sidecarctl_env {
	FILE *out, *err;
	/* Opens the client (NULL: sidecar_vmm_open() with the directories). */
	int (*open)(void *ctx, const struct sidecar_vmm_options *options, struct sidecar_vmm **vmm);
	void *ctx;
};

/* Runs one command line (argv[0] is the program name). */
int sidecarctl_main(int argc, char **argv, const struct sidecarctl_env *env);

#endif /* SIDECARCTL_H */
