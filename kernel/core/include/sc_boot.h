/* SPDX-License-Identifier: MIT */
/*
 * The boot-time decisions of sidecar_entry() that need no hardware:
 * validating what the loader passed, and the initial contents of each
 * control page. Pure functions, so the unit tests cover every error.
 */
#ifndef SC_BOOT_H
#define SC_BOOT_H

#include <sidecar/boot_ext.h>
#include <sidecar_defs.h>
#include <stdbool.h>
#include <stddef.h>

/* What sidecar_entry() knows about its surroundings. */
struct sc_boot_env {
	uint64_t image_start, image_end; /* physical, [start, end) */
	uint64_t params_start, params_end; /* params page and extension */
	uint64_t output_start, output_end; /* struct sidecar_output */
	uint64_t output_ext_start, output_ext_end; /* its extension (empty if none) */
	uint32_t bsp_apic_id;
	bool x2apic; /* the APs can use x2APIC */
};

/* Checks the extension header (before its apic_ids are read). */
bool sc_boot_check_ext(const struct sidecar_params_ext *ext, char *err, size_t err_size);

/*
 * Checks the parameters against each other and the environment; `ext`
 * passed sc_boot_check_ext() and apic_ids has ext->vp_count entries.
 * Returns false with a readable reason in err.
 */
bool sc_boot_check(const struct sidecar_params *params, const struct sidecar_params_ext *ext,
		   const uint32_t *apic_ids, const struct sc_boot_env *env, char *err,
		   size_t err_size);

/* True if the sidecar starts CPU `cpu` of `node` (see control_page_init). */
bool sc_boot_starts_cpu(const struct sidecar_node_params *node,
			const struct sidecar_per_cpu_state *initial, uint32_t cpu);

/*
 * Initial control page of node `index`: identity, request vector, response
 * fields and attention zero, and the status of every CPU: the base VP
 * REMOVED (Linux starts it), the others RUN (the sidecar starts them)
 * unless initial_state says otherwise, unused slots REMOVED.
 */
void sc_control_page_init(struct sidecar_control_page *cp, uint32_t index,
			  const struct sidecar_node_params *node,
			  const struct sidecar_per_cpu_state *initial, uint32_t request_vector);

#endif /* SC_BOOT_H */
