/* SPDX-License-Identifier: MIT */
/*
 * The shim's identity map: entry.asm maps 0-4 GiB with 2 MiB pages; RAM
 * above that (node memory the planner may place there) is added here, up
 * to 512 GiB (one page-directory-pointer table).
 */
#ifndef SHIM_PAGING_H
#define SHIM_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PAGING_MAX_END (512ull << 30)

/* Extends the identity map to cover [0, end) (at most PAGING_MAX_END),
 * taking page directories from phys_alloc(). False if that fails. */
bool paging_extend(uint64_t end);

/* The end of the identity-mapped range. */
uint64_t paging_mapped_end(void);

bool paging_is_mapped(uint64_t start, uint64_t size);

/* Makes the 2 MiB page holding `pa` uncacheable (for MMIO). */
void paging_set_uncached(uint64_t pa);

#endif /* SHIM_PAGING_H */
