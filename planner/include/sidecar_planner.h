/* SPDX-License-Identifier: MIT */
/*
 * The boot planner: decides which CPUs form which sidecar node, which CPUs
 * the sidecar starts, and where each node's memory comes from, as OpenHCL's
 * boot shim does (openhcl_boot/src/sidecar.rs, cmdline.rs and
 * host_params/dt/mod.rs at openvmm 1488a37b), and produces the
 * sidecar_params contents and the boot_cpus= list for the main kernel.
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
#define SIDECAR_PLAN_MAX_CPUS	   2048
#define SIDECAR_PLAN_MAX_VNODES	   64
#define SIDECAR_PLAN_MAX_NODE_SIZE 32
/* Our input limits; OpenHCL allows 64 RAM ranges and 16 used ranges. */
#define SIDECAR_PLAN_MAX_RAM_RANGES  64
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
	/*
	 * The CPUs (VP indexes) the host wants the main kernel, not the
	 * sidecar, to start: OpenHCL's sidecar_excluded_cpus (the CPUs with
	 * restored device state after servicing). Any order, duplicates
	 * allowed; none (count 0) means no per-CPU overrides.
	 */
	const uint32_t *excluded_cpus;
	size_t excluded_count;
};

/* What OPENHCL_SIDECAR= (and our SIDECAR_LOGGING=1) ask for. */
struct sidecar_cmdline_options {
	bool enabled; /* false after a final "off" */
	bool enable_logging;
};

enum sidecar_plan_result {
	SIDECAR_PLAN_PLANNED = 0,
	SIDECAR_PLAN_DECLINED = 1,
};

struct sidecar_plan_node {
	uint32_t base_vp;
	uint32_t vp_count;
	uint32_t vnode;	    /* the vnode of the node's CPUs */
	uint32_t mem_vnode; /* the vnode its memory came from */
	uint64_t memory_base;
	uint64_t memory_size;
};

/* A chunk of CPUs that became no node: the sidecar starts none of them. */
struct sidecar_plan_skipped {
	uint32_t base_vp;
	uint32_t vp_count;
};

#define SIDECAR_PLAN_REASON_SIZE 160
/* "boot_cpus=" and at most 400 CPUs of up to 3 digits with overrides, or
 * 128 chunk bases of up to 4 digits without. */
#define SIDECAR_PLAN_BOOT_CPUS_SIZE 2048

struct sidecar_plan {
	enum sidecar_plan_result result;
	/* Why the plan was declined; empty when planned. */
	char reason[SIDECAR_PLAN_REASON_SIZE];
	bool enable_logging;
	uint32_t cpu_count;
	uint32_t node_count;
	uint64_t total_memory;
	struct sidecar_plan_node nodes[SIDECAR_MAX_NODES];
	/* Chunks left to the main kernel (no sidecar-started AP). */
	uint32_t skipped_count;
	struct sidecar_plan_skipped skipped[SIDECAR_MAX_NODES];
	/*
	 * sidecar_params.initial_state as OpenHCL fills it: every entry 1 and
	 * the flag 0 without overrides; with them, the flag 1 and 0 for every
	 * excluded CPU and every node's base VP.
	 */
	struct sidecar_per_cpu_state initial_state;
	/* "boot_cpus=0,17,..." for the main kernel's command line: every CPU
	 * the sidecar does not start, ascending. */
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

/*
 * True if a PLANNED plan has the sidecar start CPU `vp`: a non-base CPU of
 * a node that initial_state (when specified) does not leave to the kernel.
 * Every other CPU below plan->cpu_count is in boot_cpus=.
 */
bool sidecar_plan_sidecar_starts(const struct sidecar_plan *plan, uint32_t vp);

/*
 * The CPUs a PLANNED plan leaves to the main kernel (its boot_cpus=), as a
 * Linux CPU list with ranges ("0,2,4-5"), for a stock kernel's sidecar.ko
 * (docs/linux-boot.md). Writes at most `size` bytes, NUL-terminated (""
 * for a declined plan); returns the untruncated length, as snprintf does.
 */
size_t sidecar_plan_kernel_cpulist(const struct sidecar_plan *plan, char *buf, size_t size);

/* True if the whitespace-separated command line has exactly `token`. */
bool sidecar_cmdline_has_token(const char *cmdline, const char *token);

/*
 * The sidecar options of a command line (docs/topology-dt.md): each word
 * starting with OPENHCL_SIDECAR= has its comma-separated items applied in
 * order, each replacing the whole state ("on": enabled, no logging; "off":
 * disabled; "log": enabled with logging; others ignored), as openhcl_boot's
 * cmdline.rs does; then, our extension, a word SIDECAR_LOGGING=1 anywhere
 * turns logging on if the result is enabled. NULL reads as "".
 */
struct sidecar_cmdline_options sidecar_cmdline_parse(const char *cmdline);

/* Prints the plan as a human-readable table. */
void sidecar_plan_print(const struct sidecar_plan *plan, sc_emit_fn emit, void *ctx);

#endif /* SIDECAR_PLANNER_H */
