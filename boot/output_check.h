/* SPDX-License-Identifier: MIT */
/*
 * Checks what sidecar_entry() returned before the shim reads any of it:
 * the node outputs must describe the layout of vp_pages.h inside the
 * memory the plan gave each node, and the control pages must name their
 * node. The extension output is optional: a bad one is reported and
 * ignored.
 */
#ifndef SHIM_OUTPUT_CHECK_H
#define SHIM_OUTPUT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "shim.h"

/* Fills b->control[]; false with a reason in `why`. */
bool output_check_nodes(struct shim_boot *b, char *why, size_t why_size);

/* Sets b->output_ext to `ext` if it is valid, else NULL with a reason in `why`. */
bool output_check_ext(struct shim_boot *b, const struct sidecar_output_ext *ext, char *why,
		      size_t why_size);

#endif /* SHIM_OUTPUT_CHECK_H */
