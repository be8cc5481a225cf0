// SPDX-License-Identifier: MIT
/*
 * Built by cutting the address space at every entry's and every reserved
 * range's boundaries and giving each piece the type that wins there: at
 * most a few hundred boundaries, so a quadratic scan keeps this free of
 * allocation and sorting libraries.
 */

#include "e820.h"
#include "sc_format.h"

#define ULL(x) ((unsigned long long)(x))

#define MAX_BOUNDARIES (2 * (MB_MAX_MMAP + E820_MAX_RESERVE))

/* No entry covers the piece: a hole, absent from the map. */
#define TYPE_HOLE 0u

static uint64_t boundaries[MAX_BOUNDARIES];

/* Higher wins. RAM loses to every firmware type. (The shim's own
 * reservations win over everything; they lie in RAM, checked below.) */
static uint64_t rank(uint32_t type)
{
	return type == E820_TYPE_RAM ? 1 : 2 + (uint64_t)type;
}

const char *e820_type_name(uint32_t type)
{
	switch (type) {
	case E820_TYPE_RAM:
		return "RAM";
	case E820_TYPE_RESERVED:
		return "reserved";
	case E820_TYPE_ACPI:
		return "ACPI data";
	case E820_TYPE_NVS:
		return "ACPI NVS";
	case E820_TYPE_UNUSABLE:
		return "unusable";
	default:
		return "other";
	}
}

static void sort_unique(size_t *count)
{
	size_t n = *count, out = 0;

	for (size_t i = 1; i < n; i++) {
		uint64_t key = boundaries[i];
		size_t j = i;

		for (; j > 0 && boundaries[j - 1] > key; j--)
			boundaries[j] = boundaries[j - 1];
		boundaries[j] = key;
	}
	for (size_t i = 0; i < n; i++) {
		if (out == 0 || boundaries[out - 1] != boundaries[i])
			boundaries[out++] = boundaries[i];
	}
	*count = out;
}

/* The winning type of the piece [start, end), which no boundary cuts. */
static uint32_t type_at(uint64_t start, const struct mb_mmap_entry *mmap, size_t mmap_count,
			const struct mb_range *reserve, size_t reserve_count)
{
	uint64_t best_rank = 0;
	uint32_t best = TYPE_HOLE;

	for (size_t i = 0; i < reserve_count; i++) {
		if (reserve[i].start <= start && start < reserve[i].end)
			return E820_TYPE_RESERVED;
	}
	for (size_t i = 0; i < mmap_count; i++) {
		if (mmap[i].base <= start && start - mmap[i].base < mmap[i].length &&
		    rank(mmap[i].type) > best_rank) {
			best_rank = rank(mmap[i].type);
			best = mmap[i].type;
		}
	}
	return best;
}

/* True if every byte of [start, end) is RAM in the firmware's map and
 * in no non-RAM entry. */
static bool all_ram(uint64_t start, uint64_t end, const struct mb_mmap_entry *mmap,
		    size_t mmap_count, size_t boundary_count)
{
	for (size_t i = 0; i + 1 < boundary_count; i++) {
		uint64_t lo = boundaries[i], hi = boundaries[i + 1];

		if (hi <= start || lo >= end)
			continue;
		if (type_at(lo, mmap, mmap_count, NULL, 0) != E820_TYPE_RAM)
			return false;
	}
	return true;
}

size_t e820_build(const struct mb_mmap_entry *mmap, size_t mmap_count,
		  const struct mb_range *reserve, size_t reserve_count,
		  struct linux_e820_entry *out, size_t max, char *why, size_t why_size)
{
	size_t nb = 0, count = 0;

	if (mmap_count > MB_MAX_MMAP || reserve_count > E820_MAX_RESERVE) {
		sc_reason(why, why_size,
			  "e820: %zu firmware entries and %zu reserved ranges, at most %u and %u",
			  mmap_count, reserve_count, MB_MAX_MMAP, E820_MAX_RESERVE);
		return 0;
	}
	for (size_t i = 0; i < mmap_count; i++) {
		boundaries[nb++] = mmap[i].base;
		boundaries[nb++] = mmap[i].base + mmap[i].length;
	}
	for (size_t i = 0; i < reserve_count; i++) {
		boundaries[nb++] = reserve[i].start;
		boundaries[nb++] = reserve[i].end;
	}
	sort_unique(&nb);

	for (size_t i = 0; i < reserve_count; i++) {
		if (reserve[i].end <= reserve[i].start ||
		    !all_ram(reserve[i].start, reserve[i].end, mmap, mmap_count, nb)) {
			sc_reason(why, why_size,
				  "e820: the %s at [%#llx, %#llx) is not entirely RAM in the "
				  "firmware's map",
				  reserve[i].what, ULL(reserve[i].start), ULL(reserve[i].end));
			return 0;
		}
	}

	for (size_t i = 0; i + 1 < nb; i++) {
		uint64_t lo = boundaries[i], hi = boundaries[i + 1];
		uint32_t type = type_at(lo, mmap, mmap_count, reserve, reserve_count);

		if (type == TYPE_HOLE)
			continue;
		if (count && out[count - 1].type == type &&
		    out[count - 1].addr + out[count - 1].size == lo) {
			out[count - 1].size += hi - lo;
			continue;
		}
		if (count == max) {
			sc_reason(why, why_size, "e820: more than %zu entries", max);
			return 0;
		}
		out[count++] = (struct linux_e820_entry){.addr = lo, .size = hi - lo, .type = type};
	}
	if (count == 0)
		sc_reason(why, why_size, "e820: the firmware's map is empty");
	return count;
}
