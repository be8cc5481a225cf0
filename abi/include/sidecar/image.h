/* SPDX-License-Identifier: MIT */
/*
 * The sidecar kernel image as a boot loader sees it: a flat binary that
 * starts with struct sidecar_image_header (ours; versioned like the boot
 * extensions). To load it:
 *
 *  1. check magic and version;
 *  2. copy file_size bytes to a load address that is aligned to
 *     load_align and ends at or below max_load_end, zero the rest up to
 *     memory_size, and keep that memory reserved from then on (sidecar CPUs
 *     run the image in place for as long as they live);
 *  3. identity-map the loaded image (virtual = physical), writable and
 *     executable, in the page tables in use when calling the entry point;
 *  4. call the entry at load address + entry_offset with the SysV ABI, as
 *         bool sidecar_entry(uint64_t params_pa, uint64_t output_pa);
 *     once, on the BSP, in long mode, interrupts in any state.
 * The image relocates itself to image_va and returns with the caller's page
 * tables, GDT, IDT, segment registers and interrupt flag as they were.
 */
#ifndef SIDECAR_IMAGE_H
#define SIDECAR_IMAGE_H

#include "abi_base.h"

SIDECAR_EXTERN_C_BEGIN

/* "SIDECARK" as little-endian bytes. */
#define SIDECAR_IMAGE_MAGIC   0x4B52414345444953ull
#define SIDECAR_IMAGE_VERSION 1u

struct sidecar_image_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t entry_offset; /* sidecar_entry, from the start of the image */
	uint64_t file_size;    /* bytes to copy from the file */
	uint64_t memory_size;  /* bytes of memory the image occupies, bss included */
	uint64_t image_va;     /* the fixed virtual address it runs at */
	uint64_t load_align;   /* required alignment of the load address */
	uint64_t max_load_end; /* the loaded image must end at or below this */
};
SIDECAR_ASSERT_SIZE(struct sidecar_image_header, 64);
SIDECAR_ASSERT_OFFSET(struct sidecar_image_header, entry_offset, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_image_header, max_load_end, 56);

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_IMAGE_H */
