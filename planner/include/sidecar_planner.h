/* SPDX-License-Identifier: MIT */
/*
 * The boot planner: decides which CPUs form which sidecar node and where
 * each node's memory comes from, exactly as OpenHCL's boot shim does
 * (openhcl_boot/src/sidecar.rs), and produces the sidecar_params contents
 * and the boot_cpus= list for the main kernel.
 *
 * Pure C with no allocation and no libc beyond the freestanding headers:
 * the boot shim links it without libc, the host tool and the tests link it
 * hosted. A plan that cannot be made is a value (SIDECAR_PLAN_DECLINED and
 * a reason), never an abort.
 */
#ifndef SIDECAR_PLANNER_H
#define SIDECAR_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sidecar_defs.h>

#include "sc_format.h"

/* OpenHCL's limits (openhcl_boot/src/host_params/mod.rs, sidecar.rs). */
#define SIDECAR_PLAN_MAX_CPUS 2048
#define SIDECAR_PLAN_MAX_VNODES 64
#define SIDECAR_PLAN_MAX_NODE_SIZE 32
/* Our input limits; OpenHCL allows 64 RAM ranges and 16 used ranges. */
#define SIDECAR_PLAN_MAX_RAM_RANGES 64
#define SIDECAR_PLAN_MAX_USED_RANGES 64

struct sidecar_plan_cpu {
	uint32_t vp_index; /* must equal the CPU's position in the list */
	uint32_t apic_id;
	uint32_t vnode;
};

/* A RAM range [start, end) on a virtual NUMA node. */
struct sidecar_plan_ram {
	uint64_t start;
	uint64_t end;
	uint32_t vnode;
};

/* A range [start, end) that is already in use. */
struct sidecar_plan_range {
	uint64_t start;
	uint64_t end;
};

struct sidecar_plan_input {
	const struct sidecar_plan_cpu *cpus;
	size_t cpu_count;
	const struct sidecar_plan_ram *ram;
	size_t ram_count;
	const struct sidecar_plan_range *used;
	size_t used_count;
	const char *cmdline; /* may be NULL */
};

enum sidecar_plan_result {
	SIDECAR_PLAN_PLANNED = 0,
	SIDECAR_PLAN_DECLINED = 1,
};

struct sidecar_plan_node {
	uint32_t base_vp;
	uint32_t vp_count;
	uint32_t vnode; /* the vnode of the node's CPUs */
	uint32_t mem_vnode; /* the vnode its memory came from */
	uint64_t memory_base;
	uint64_t memory_size;
};

#define SIDECAR_PLAN_REASON_SIZE 160
#define SIDECAR_PLAN_BOOT_CPUS_SIZE 1024

struct sidecar_plan {
	enum sidecar_plan_result result;
	/* Why the plan was declined; empty when planned. */
	char reason[SIDECAR_PLAN_REASON_SIZE];
	bool enable_logging;
	uint32_t cpu_count;
	uint32_t node_count;
	uint64_t total_memory;
	struct sidecar_plan_node nodes[SIDECAR_MAX_NODES];
	/* "boot_cpus=0,17,..." for the main kernel's command line. */
	char boot_cpus[SIDECAR_PLAN_BOOT_CPUS_SIZE];
};

/*
 * Computes the plan for `in` into `plan`. Returns plan->result. Never fails
 * otherwise: every problem with the input is a decline with a reason.
 */
enum sidecar_plan_result sidecar_plan_compute(const struct sidecar_plan_input *in,
					      struct sidecar_plan *plan);

/* Fills a zeroed sidecar_params from a PLANNED plan (no Hyper-V page). */
void sidecar_plan_to_params(const struct sidecar_plan *plan, struct sidecar_params *params);

/* True if the whitespace-separated command line has exactly `token`. */
bool sidecar_cmdline_has_token(const char *cmdline, const char *token);

/* Prints the plan as a human-readable table. */
void sidecar_plan_print(const struct sidecar_plan *plan, sc_emit_fn emit, void *ctx);

#endif /* SIDECAR_PLANNER_H */
