/* SPDX-License-Identifier: MIT */
/*
 * Physical memory for the shim's allocations: RAM the multiboot memory map
 * marks available, in [1 MiB, 4 GiB), minus the shim, the multiboot
 * information and the modules. First fit from the lowest address, so the
 * allocations sit next to what the loader already used and leave the large
 * free ranges (where the planner puts node memory) whole.
 */
#ifndef SHIM_PHYS_ALLOC_H
#define SHIM_PHYS_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "multiboot.h"
#include "sidecar_planner.h"

#define PAGE_SIZE 4096ull
#define ONE_MIB	  (1ull << 20)
#define FOUR_GIB  (1ull << 32)

/*
 * Builds the available-RAM set from the memory map (an entry of any other
 * type wins where entries overlap) and the free set from it minus
 * `reserved`. False with a reason in `why`.
 */
bool phys_init(const struct boot_info *bi, const struct mb_range *reserved, size_t count, char *why,
	       size_t why_size);

/* The available RAM, sorted and merged. */
const struct sidecar_plan_range *phys_available(size_t *count);

/* True if [start, end) lies entirely inside available RAM. */
bool phys_is_available(uint64_t start, uint64_t end);

/*
 * Allocates `size` bytes (rounded up to pages) at an address aligned to
 * `align` (a power of two, at least a page) whose end is at most `limit`.
 * The memory is not cleared. Returns 0 if nothing fits.
 */
uint64_t phys_alloc(uint64_t size, uint64_t align, uint64_t limit, const char *what);

/* phys_alloc() that also starts at or above `min_start`. */
uint64_t phys_alloc_range(uint64_t size, uint64_t align, uint64_t min_start, uint64_t limit,
			  const char *what);

/*
 * A page below 1 MiB, other than page 0 (the real-mode IVT and BIOS data),
 * inside available RAM and outside every range of `taken`; `preferred`
 * if it qualifies. 0 if there is none. For the AP start-up trampoline,
 * whose SIPI vector can only name a page below 1 MiB.
 */
uint64_t phys_find_low_page(uint64_t preferred, const struct mb_range *taken, size_t count);

/* Everything allocated so far, in allocation order. */
const struct mb_range *phys_allocations(size_t *count);

#endif /* SHIM_PHYS_ALLOC_H */
