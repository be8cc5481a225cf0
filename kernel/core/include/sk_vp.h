/* SPDX-License-Identifier: MIT */
/*
 * The sidecar core: what one sidecar CPU is to the dispatch loop and the
 * command handlers. The core is plain C11 that builds twice: into the
 * freestanding kernel over kernel/arch/x86_64, and into a hosted library
 * over kernel/hosted, where Criterion runs it with threads for CPUs.
 */
#ifndef SK_VP_H
#define SK_VP_H

#include <stdbool.h>
#include <stdint.h>

#include <sidecar/vp_pages.h>
#include <sidecar_defs.h>

struct sk_vp;

/* One read of a field the VMM may change at any time (the command page is
 * the VMM's): a volatile access the compiler cannot repeat or split into
 * two reads, so a check and the use of its value see the same value. */
#define READ_ONCE_FIELD(x) (*(const volatile __typeof__(x) *)&(x))

/* What one attempt to run the guest ended with. */
enum sk_run_result {
	SK_RUN_CONTINUE,  /* nothing for the VMM (e.g. a physical interrupt): run again */
	SK_RUN_INTERCEPT, /* intercept_message written: the VMM must see it */
	SK_RUN_FAILED,	  /* the command failed; the error is set */
};

/* The private pages of a sidecar CPU that belong to its VP backend
 * (vp_pages.h): their physical addresses and where this CPU maps them,
 * contiguously and writable. */
#define SK_VP_BACKEND_PAGES (SIDECAR_PER_VP_PAGES - SIDECAR_VP_PAGE_BACKEND)
struct sk_vp_backend_pages {
	uint64_t pa[SK_VP_BACKEND_PAGES];
	void *va;
};

/*
 * A VP backend runs the guest and reaches its state: SVM, a Hyper-V VTL
 * return, ... Every hook is optional; a missing one answers its commands
 * with a "not supported by this backend" error.
 *
 * The backend's per-VP state is opaque to everybody else: the platform
 * gives each CPU `state_size` bytes (aligned for any type) at
 * vp->backend_state before init_vp, and the backend reaches its state only
 * there and its pages only through init_vp's `pages`. So a new backend is
 * one more struct sk_vp_backend; neither the core nor the platform's
 * per-CPU structure knows its types.
 */
struct sk_vp_backend {
	const char *name;
	/* Bytes of per-VP state at vp->backend_state; a platform with less
	 * room per CPU does not offer the backend. */
	uint32_t state_size;
	/* DR6 is part of the guest state the backend switches (SVM keeps it
	 * in the VMCB); otherwise it is a register the sidecar CPU shares. */
	bool owns_dr6;
	/* The CPU's MTRRs are the host's, not the guest's: the backend runs
	 * the guest under nested paging on this CPU, where the MTRRs type the
	 * host's memory too (SVM: APM Vol. 2 15.25) and must match the
	 * other CPUs' (SDM Vol. 3A 12.11.8). SET of an MTRR is refused. */
	bool host_owns_mtrrs;
	/* Prepares per-VP state at vp->backend_state (zeroed) from this
	 * CPU's backend pages; returns false and sets *why on failure. */
	bool (*init_vp)(struct sk_vp *vp, const struct sk_vp_backend_pages *pages,
			const char **why);
	/* Releases per-VP state before the CPU leaves the sidecar. */
	void (*teardown_vp)(struct sk_vp *vp);
	/* Runs the guest once with cpu_context from `cp`. */
	enum sk_run_result (*run_once)(struct sk_vp *vp, struct sidecar_command_page *cp);
	/* Architectural registers of the guest, by Hyper-V name. */
	hv_status_t (*get_register)(struct sk_vp *vp, hv_register_name_t name,
				    union hv_register_value *value);
	hv_status_t (*set_register)(struct sk_vp *vp, hv_register_name_t name,
				    const union hv_register_value *value);
	/* Translates guest virtual page `gvn`; fills `out` on success. */
	hv_status_t (*translate_gva)(struct sk_vp *vp, uint64_t gvn, uint64_t control_flags,
				     struct hv_translate_virtual_address_ex_output_x64 *out);
};

struct sk_vp {
	/* The node's control page and this CPU's command page. */
	struct sidecar_control_page *control;
	struct sidecar_command_page *command;
	/* Index of this CPU in the node (its cpu_status index), and its VP index. */
	uint32_t index_in_node;
	uint32_t vp_index;
	/* The guest backend, or NULL when there is none; then why. */
	const struct sk_vp_backend *backend;
	const char *no_backend_reason;
	/* The backend's own per-VP state (state_size bytes, see above). */
	void *backend_state;
	/* The platform layer's own per-CPU data. */
	void *platform;
	/* Statistics. */
	uint64_t commands;
	uint64_t unexpected_status;
};

#endif /* SK_VP_H */
