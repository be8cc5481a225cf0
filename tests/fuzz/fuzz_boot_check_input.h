/* SPDX-License-Identifier: MIT */
/*
 * The input of fuzz_boot_check (and what seeds_boot_check.c writes): this
 * header, a struct sidecar_params_ext, up to FUZZ_BOOT_MAX_NODES struct
 * sidecar_node_params, then one byte per CPU whose bit 0 says whether the
 * sidecar starts it (used when per_cpu bit 0 is set).
 */
#ifndef FUZZ_BOOT_CHECK_INPUT_H
#define FUZZ_BOOT_CHECK_INPUT_H

#include <stdint.h>

#define FUZZ_BOOT_MAX_NODES 8

struct fuzz_boot_header {
	/* The environment of struct sk_boot_env. */
	uint64_t image_start, image_size, params_pa, output_pa;
	uint32_t bsp_apic_id;
	uint8_t x2apic, maxphyaddr, node_count;
	/*
	 * Bit 0: per-CPU start states follow; bit 1: two CPUs share an APIC
	 * ID, bit 2: one has APIC ID 300 (which CPUs: from bsp_apic_id's upper
	 * bytes); bit 7: enable_logging.
	 */
	uint8_t per_cpu;
};

#endif /* FUZZ_BOOT_CHECK_INPUT_H */
