/* SPDX-License-Identifier: MIT */
/*
 * Loading the sidecar kernel image (abi/include/sidecar/image.h): check the
 * header against the module, place the image, copy and clear it, and call
 * its entry point.
 */
#ifndef SHIM_LOAD_SIDECAR_H
#define SHIM_LOAD_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sidecar/image.h>

/* The largest image the shim accepts (the kernel's own limit is smaller). */
#define SIDECAR_IMAGE_MAX_MEMORY (64ull << 20)

struct sidecar_loaded_image {
	struct sidecar_image_header header; /* a copy, validated */
	uint64_t load_pa;
	uint64_t reserved_size; /* memory_size rounded up to pages */
	uint64_t entry_pa;
};

/* Validates the image header in the module [start, start + size). False
 * with a reason in `why`. */
bool sidecar_image_check(const void *module, uint64_t size, struct sidecar_image_header *out,
			 char *why, size_t why_size);

/* Allocates the image's memory (phys_alloc), copies file_size bytes of the
 * module and zeroes the rest. False with a reason in `why`. */
bool sidecar_image_load(const void *module, const struct sidecar_image_header *header,
			struct sidecar_loaded_image *image, char *why, size_t why_size);

/* True if `addr` lies in the loaded image (for exception reports). */
bool sidecar_image_contains(uint64_t addr);

/*
 * Calls bool sidecar_entry(uint64_t params_pa, uint64_t output_pa) with the
 * SysV ABI. image.h promises the caller's page tables, GDT, IDT, segment
 * registers and interrupt flag back: what differs afterwards is described
 * in `changed` (empty if nothing).
 */
bool sidecar_image_call(const struct sidecar_loaded_image *image, uint64_t params_pa,
			uint64_t output_pa, char *changed, size_t changed_size);

#endif /* SHIM_LOAD_SIDECAR_H */
