// SPDX-License-Identifier: MIT
#include <string.h>

#include "mem_ranges.h"

_Static_assert(offsetof(struct sidecar_plan_range, start) == 0 &&
		       offsetof(struct sidecar_plan_ram, start) == 0 &&
		       sizeof(struct sidecar_plan_range) <= sizeof(struct sidecar_plan_ram),
	       "sort_by_start() relies on start coming first");

/*
 * Sorts `count` records of `size` bytes that begin with a uint64_t start
 * address. Inputs are at most a few dozen ranges: an insertion sort keeps
 * this free of libc (no qsort in the boot shim) and stable.
 */
static void sort_by_start(void *records, size_t count, size_t size)
{
	unsigned char *base = records;
	unsigned char key[sizeof(struct sidecar_plan_ram)];

	for (size_t i = 1; i < count; i++) {
		uint64_t start;
		size_t j = i;

		memcpy(key, base + i * size, size);
		memcpy(&start, key, sizeof(start));
		for (; j > 0; j--) {
			uint64_t prev;

			memcpy(&prev, base + (j - 1) * size, sizeof(prev));
			if (prev <= start)
				break;
			memcpy(base + j * size, base + (j - 1) * size, size);
		}
		memcpy(base + j * size, key, size);
	}
}

void mem_ranges_normalize(struct sidecar_plan_range *ranges, size_t *count)
{
	size_t n = *count, out = 0;

	sort_by_start(ranges, n, sizeof(*ranges));

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
	sort_by_start(ram, count, sizeof(*ram));
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
