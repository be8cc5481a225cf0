/* SPDX-License-Identifier: MIT */
/* What main.c hands to the report and the self-test after sidecar_entry() returned. */
#ifndef SHIM_SHIM_H
#define SHIM_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include <sidecar/boot_ext.h>
#include <sidecar_defs.h>

#include "sidecar_topology.h"

struct shim_boot {
	const struct sidecar_topology *topo;
	const struct sidecar_plan *plan;
	const struct sidecar_params *params;
	const struct sidecar_params_ext *params_ext;
	const struct sidecar_output *output;
	/* NULL when the kernel's extension output failed validation. */
	const struct sidecar_output_ext *output_ext;
	char output_ext_error[200]; /* why output_ext is NULL */
	/* The node's control page, validated (index, base_cpu, cpu_count). */
	struct sidecar_control_page *control[SIDECAR_MAX_NODES];
	uint32_t bsp_apic_id;
	bool fault_inject;
	uint32_t fault_vp;
	uint64_t entry_ticks; /* TSC ticks sidecar_entry() took, seen from the shim */
	/* The guest memory (guest-physical 0 is host guest_base). */
	uint64_t guest_base;
	uint64_t guest_size;
	/* Results of bad_params_run(), reported by the self-test. */
	uint32_t bad_params_ok;
	uint32_t bad_params_bad;
	char bad_params_first[240];
};

/* The node holding VP `vp`, or -1. */
int shim_node_of_vp(const struct shim_boot *b, uint32_t vp);

#endif /* SHIM_SHIM_H */
