// SPDX-License-Identifier: MIT
#include "mem_ranges.h"

/* Inputs are at most a few dozen ranges: insertion sort keeps this free of
 * libc (no qsort in the boot shim) and stable. */
void mem_ranges_normalize(struct sidecar_plan_range *ranges, size_t *count)
{
	size_t n = *count, out = 0;

	for (size_t i = 1; i < n; i++) {
		struct sidecar_plan_range key = ranges[i];
		size_t j = i;

		while (j > 0 && ranges[j - 1].start > key.start) {
			ranges[j] = ranges[j - 1];
			j--;
		}
		ranges[j] = key;
	}

	for (size_t i = 0; i < n; i++) {
		if (ranges[i].end <= ranges[i].start)
			continue;
		if (out && ranges[i].start <= ranges[out - 1].end) {
			if (ranges[i].end > ranges[out - 1].end)
				ranges[out - 1].end = ranges[i].end;
			continue;
		}
		ranges[out++] = ranges[i];
	}
	*count = out;
}

void mem_ranges_sort_ram(struct sidecar_plan_ram *ram, size_t count)
{
	for (size_t i = 1; i < count; i++) {
		struct sidecar_plan_ram key = ram[i];
		size_t j = i;

		while (j > 0 && ram[j - 1].start > key.start) {
			ram[j] = ram[j - 1];
			j--;
		}
		ram[j] = key;
	}
}

void mem_ranges_subtract(uint64_t start, uint64_t end, const struct sidecar_plan_range *used,
			 size_t used_count, mem_piece_fn fn, void *ctx)
{
	uint64_t cursor = start;

	for (size_t i = 0; i < used_count && cursor < end; i++) {
		if (used[i].end <= cursor)
			continue;
		if (used[i].start >= end)
			break;
		if (used[i].start > cursor)
			fn(ctx, cursor, used[i].start);
		cursor = used[i].end;
	}
	if (cursor < end)
		fn(ctx, cursor, end);
}
