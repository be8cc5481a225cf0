/* SPDX-License-Identifier: MIT */
/*
 * A Linux bzImage as the 64-bit boot protocol loads it
 * (Documentation/arch/x86/boot.rst): check the setup header, then copy the
 * protected-mode part to a kernel_alignment-aligned buffer of init_size
 * bytes. The real-mode setup code is never run.
 */
#ifndef SHIM_BZIMAGE_H
#define SHIM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linux_bootparams.h"

/*
 * The lowest load address: the decompressor of a relocatable kernel moves
 * itself to LOAD_PHYSICAL_ADDR (16 MiB on x86-64, CONFIG_PHYSICAL_START)
 * when it finds itself loaded lower (arch/x86/boot/compressed/head_64.S),
 * which would take it outside the buffer the loader reserved.
 */
#define BZIMAGE_MIN_LOAD 0x1000000ull

struct bzimage {
	const uint8_t *file; /* the module */
	uint64_t file_size;
	struct linux_setup_header hdr; /* the file's header, checked */
	/* Bytes of setup header in the file from 0x1F1 (boot.rst: up to
	 * 0x202 + the byte at 0x201), as boot_params must receive them. */
	uint32_t hdr_size;
	uint64_t pm_offset; /* protected-mode code: file offset and size */
	uint64_t pm_size;
	uint64_t align;	   /* load alignment */
	char version[128]; /* the kernel_version string, or "" */
	/* After bzimage_load(): */
	uint64_t load_pa;
	uint64_t load_size; /* init_size, rounded up to pages */
};

/* Checks the setup header of the file [file, file + size). False with a
 * reason in `why`. */
bool bzimage_check(const void *file, uint64_t size, struct bzimage *k, char *why, size_t why_size);

/* Allocates init_size bytes at or above BZIMAGE_MIN_LOAD, aligned to
 * kernel_alignment, below 4 GiB (phys_alloc), and copies the protected-mode
 * part there. False with a reason in `why`. */
bool bzimage_load(struct bzimage *k, char *why, size_t why_size);

/* boot.rst, 64-bit protocol: the zero page starts as zeros plus the
 * file's setup header. */
void bzimage_init_boot_params(const struct bzimage *k, struct linux_boot_params *bp);

#endif /* SHIM_BZIMAGE_H */
