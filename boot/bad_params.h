/* SPDX-License-Identifier: MIT */
/*
 * Self-test of sidecar_entry()'s input checks, end to end: before the real
 * call, the shim calls the kernel with one broken input at a time.
 */
#ifndef SHIM_BAD_PARAMS_H
#define SHIM_BAD_PARAMS_H

#include "load_sidecar.h"
#include "shim.h"

/*
 * Runs every case; each must return false with its documented message,
 * start no CPU and hand the CPU state back. Restores params and ext after
 * each. Results go to b->bad_params_*.
 */
void bad_params_run(struct shim_boot *b, const struct sidecar_loaded_image *image,
		    struct sidecar_params *params, struct sidecar_params_ext *ext,
		    struct sidecar_output *output);

#endif /* SHIM_BAD_PARAMS_H */
