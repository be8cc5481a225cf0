/* SPDX-License-Identifier: MIT */
/* Range arithmetic for the planner and the boot shim: sort, merge, and
 * subtract [start, end) ranges, without allocation or libc. */
#ifndef SIDECAR_PLANNER_MEM_RANGES_H
#define SIDECAR_PLANNER_MEM_RANGES_H

#include "sidecar_planner.h"

/* Sorts ranges by start, merges overlapping or touching ones, drops empty
 * ones; updates *count. */
void mem_ranges_normalize(struct sidecar_plan_range *ranges, size_t *count);

/* Sorts RAM ranges by start (stable for equal starts). */
void mem_ranges_sort_ram(struct sidecar_plan_ram *ram, size_t count);

typedef void (*mem_piece_fn)(void *ctx, uint64_t start, uint64_t end);

/*
 * Calls `fn` for every piece of [start, end) not covered by `used`, in
 * address order. `used` must be normalized.
 */
void mem_ranges_subtract(uint64_t start, uint64_t end, const struct sidecar_plan_range *used,
			 size_t used_count, mem_piece_fn fn, void *ctx);

#endif /* SIDECAR_PLANNER_MEM_RANGES_H */
