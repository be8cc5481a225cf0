/* SPDX-License-Identifier: MIT */
/*
 * The boot-time decisions of sidecar_entry() that need no hardware:
 * validating what the loader passed, and the initial contents of each
 * control page. Pure functions, so the unit tests cover every error.
 */
#ifndef SK_BOOT_H
#define SK_BOOT_H

#include <sidecar/boot_ext.h>
#include <sidecar_defs.h>
#include <stdbool.h>
#include <stddef.h>

/* What sidecar_entry() knows about its surroundings. */
struct sk_boot_env {
	uint64_t image_start, image_size; /* physical */
	uint64_t params_pa;		  /* the params page; the extension and APIC IDs follow */
	uint64_t output_pa;		  /* struct sidecar_output */
	uint32_t bsp_apic_id;
	bool x2apic;	    /* the BSP, and so the APs, are in x2APIC mode */
	uint8_t maxphyaddr; /* the CPU's physical-address width (CPUID 0x80000008) */
};

/*
 * Whether the kernel may write the output block at all: 8-byte aligned,
 * inside the physical address space and clear of the image. Runs before
 * the first write to it (an error goes there); on false there is nowhere
 * to say why.
 */
bool sk_boot_output_ok(const struct sk_boot_env *env);

/*
 * Whether the kernel may read the params: page aligned, and the page, the
 * extension and the largest APIC ID list after them inside the physical
 * address space (an
 * address above MAXPHYADDR in a page-table entry is a reserved-bit page
 * fault). Runs before they are read; false with a reason in err.
 */
bool sk_boot_params_place_ok(const struct sk_boot_env *env, char *err, size_t err_size);

/* Checks the extension header (before its apic_ids are read). */
bool sk_boot_check_ext(const struct sidecar_params_ext *ext, char *err, size_t err_size);

/*
 * Checks the parameters against each other and the environment; `ext`
 * passed sk_boot_check_ext() and apic_ids has ext->vp_count entries. Every
 * physical range the kernel reads or writes (image, params with extension
 * and APIC IDs, output, output extension, trampoline page, guest memory,
 * node memory) must not wrap, must lie below 2^MAXPHYADDR, and must not
 * overlap any other. Returns false with a readable reason in err.
 */
bool sk_boot_check(const struct sidecar_params *params, const struct sidecar_params_ext *ext,
		   const uint32_t *apic_ids, const struct sk_boot_env *env, char *err,
		   size_t err_size);

/* True if the sidecar starts CPU `cpu` of `node` (see control_page_init). */
bool sk_boot_starts_cpu(const struct sidecar_node_params *node,
			const struct sidecar_per_cpu_state *initial, uint32_t cpu);

/*
 * Initial control page of node `index`: identity, request vector, response
 * fields and attention zero, and the status of every CPU: the base VP
 * REMOVED (Linux starts it), the others RUN (the sidecar starts them)
 * unless initial_state says otherwise, unused entries REMOVED.
 */
void sk_control_page_init(struct sidecar_control_page *cp, uint32_t index,
			  const struct sidecar_node_params *node,
			  const struct sidecar_per_cpu_state *initial, uint32_t request_vector);

/*
 * The APIC timer count that lasts `tsc_ticks` TSC ticks, for a TSC of
 * `tsc_khz` and a timer of `timer_khz`: at least 1 (a count of 0 stops the
 * timer, SDM Vol. 3A 11.5.4), at most UINT32_MAX (a longer wait takes
 * several steps), never overflowing. 0 if a frequency is 0 or above
 * UINT32_MAX kHz, which no clock has: the caller does not sleep then.
 */
uint32_t sk_boot_timer_count(uint64_t tsc_ticks, uint64_t tsc_khz, uint64_t timer_khz);

#endif /* SK_BOOT_H */
