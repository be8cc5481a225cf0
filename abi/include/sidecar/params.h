/* SPDX-License-Identifier: MIT */
/*
 * Boot-time input and output of the sidecar kernel, binary-identical to
 * OpenHCL's sidecar_defs crate (openhcl/sidecar_defs in microsoft/openvmm):
 * the boot loader fills struct sidecar_params, calls sidecar_entry(), and
 * reads struct sidecar_output back.
 */
#ifndef SIDECAR_PARAMS_H
#define SIDECAR_PARAMS_H

#include "abi_base.h"

SIDECAR_EXTERN_C_BEGIN

/* The page size for all sidecar objects. */
#define SIDECAR_PAGE_SIZE 4096
/* The maximum number of sidecar nodes. */
#define SIDECAR_MAX_NODES 128
/*
 * The number of CPUs struct sidecar_per_cpu_state can describe: 400, as
 * OpenHCL's NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE (openvmm bc60ac59e, #3166).
 * OpenHCL keeps it small to leave room in the params page for later fields;
 * a VM with more CPUs has no per-CPU state for the CPUs past it.
 */
#define SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE 400
/* The number of CPUs one control page can describe (its cpu_status array). */
#define SIDECAR_MAX_CPUS_PER_NODE 4032

/* Pages in each sidecar CPU's stack. */
#define SIDECAR_STACK_PAGES 3
/*
 * Private pages per VP: page tables (PML4, PDPT, PD, PT), globals, the
 * Hyper-V VP assist page, hypercall input and output pages, and the stack.
 */
#define SIDECAR_PER_VP_PAGES (8 + SIDECAR_STACK_PAGES)
/* Shared pages per VP, mapped by the VMM: the command page, the register page. */
#define SIDECAR_PER_VP_SHMEM_PAGES 2

/*
 * The memory a node needs, in bytes: its control page plus the shared and
 * private pages of every VP. The macro is a constant expression; the
 * function is the typed form.
 */
#define SIDECAR_REQUIRED_MEMORY(vp_count)                                                          \
	((1ull +                                                                                   \
	  (uint64_t)(SIDECAR_PER_VP_SHMEM_PAGES + SIDECAR_PER_VP_PAGES) * (uint64_t)(vp_count)) *  \
	 (uint64_t)SIDECAR_PAGE_SIZE)

static inline SIDECAR_CONSTEXPR uint64_t sidecar_required_memory(uint32_t vp_count)
{
	return SIDECAR_REQUIRED_MEMORY(vp_count);
}

/*
 * A string error: `len` bytes of UTF-8 in `buf`, not NUL-terminated. Used
 * for boot errors and command errors alike.
 */
struct sidecar_command_error {
	uint8_t len;
	uint8_t buf[255];
};
SIDECAR_ASSERT_SIZE(struct sidecar_command_error, 256);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_error, len, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_error, buf, 1);

/*
 * Starting state per CPU, chosen by the boot loader. Rust bools are one
 * byte holding 0 or 1; they are uint8_t here so that the sidecar kernel can
 * reject any other value instead of invoking undefined behaviour.
 */
struct sidecar_per_cpu_state {
	/* Non-zero if sidecar_starts_cpu is meaningful. */
	uint8_t per_cpu_state_specified;
	/*
	 * Indexed by VP index: non-zero if the sidecar kernel starts the CPU,
	 * zero if it is left to (or stays with) the main kernel.
	 */
	uint8_t sidecar_starts_cpu[SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE];
};
SIDECAR_ASSERT_SIZE(struct sidecar_per_cpu_state, 401);
SIDECAR_ASSERT_ALIGN(struct sidecar_per_cpu_state, 1);
SIDECAR_ASSERT_OFFSET(struct sidecar_per_cpu_state, per_cpu_state_specified, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_per_cpu_state, sidecar_starts_cpu, 1);

struct sidecar_node_params {
	/* Physical address of the node's reserved memory; page aligned. */
	uint64_t memory_base;
	/* Size of the reserved memory; a page multiple, at least
	 * sidecar_required_memory(vp_count). */
	uint64_t memory_size;
	/* The first VP of the node; it belongs to the main kernel. */
	uint32_t base_vp;
	/* The number of VPs in the node, base VP included. */
	uint32_t vp_count;
};
SIDECAR_ASSERT_SIZE(struct sidecar_node_params, 24);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_params, memory_base, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_params, memory_size, 8);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_params, base_vp, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_params, vp_count, 20);

/* Input of sidecar_entry(), one page, page aligned. */
struct sidecar_params {
	/* Physical address of the Hyper-V hypercall page (0 when none). */
	SIDECAR_ALIGNAS(SIDECAR_PAGE_SIZE) uint64_t hypercall_page;
	/* Non-zero to log to the serial port. */
	uint8_t enable_logging;
	/* The number of valid entries in nodes. */
	uint32_t node_count;
	struct sidecar_node_params nodes[SIDECAR_MAX_NODES];
	struct sidecar_per_cpu_state initial_state;
};
SIDECAR_ASSERT_SIZE(struct sidecar_params, SIDECAR_PAGE_SIZE);
SIDECAR_ASSERT_ALIGN(struct sidecar_params, SIDECAR_PAGE_SIZE);
SIDECAR_ASSERT_OFFSET(struct sidecar_params, hypercall_page, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_params, enable_logging, 8);
SIDECAR_ASSERT_OFFSET(struct sidecar_params, node_count, 12);
SIDECAR_ASSERT_OFFSET(struct sidecar_params, nodes, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_params, initial_state, 3088);

struct sidecar_node_output {
	/* Physical address of the node's control page. */
	uint64_t control_page;
	/* Physical address of the node's per-VP shared pages. */
	uint64_t shmem_pages_base;
	/* Size of the per-VP shared pages, in bytes. */
	uint64_t shmem_pages_size;
};
SIDECAR_ASSERT_SIZE(struct sidecar_node_output, 24);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_output, control_page, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_output, shmem_pages_base, 8);
SIDECAR_ASSERT_OFFSET(struct sidecar_node_output, shmem_pages_size, 16);

/* Output of sidecar_entry(). */
struct sidecar_output {
	/* Set only when sidecar_entry() returns false. */
	struct sidecar_command_error error;
	struct sidecar_node_output nodes[SIDECAR_MAX_NODES];
};
SIDECAR_ASSERT_SIZE(struct sidecar_output, 3328);
SIDECAR_ASSERT_ALIGN(struct sidecar_output, 8);
SIDECAR_ASSERT_OFFSET(struct sidecar_output, error, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_output, nodes, 256);

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_PARAMS_H */
