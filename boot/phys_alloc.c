// SPDX-License-Identifier: MIT
#include "mem_ranges.h"
#include "phys_alloc.h"
#include "sc_format.h"

#define MAX_RANGES	256
#define MAX_ALLOCATIONS 32

struct range_list {
	struct sidecar_plan_range r[MAX_RANGES];
	size_t count;
	bool overflow;
};

static struct range_list available;
static struct range_list free_list;
static struct mb_range allocations[MAX_ALLOCATIONS];
static size_t allocation_count;

static void append_piece(void *ctx, uint64_t start, uint64_t end)
{
	struct range_list *l = ctx;

	if (l->count == MAX_RANGES) {
		l->overflow = true;
		return;
	}
	l->r[l->count++] = (struct sidecar_plan_range){start, end};
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return v + a - 1 < v ? align_down(UINT64_MAX, a) : align_down(v + a - 1, a);
}

/* Free pieces of available RAM in [1 MiB, 4 GiB), whole pages. */
static void append_free_piece(void *ctx, uint64_t start, uint64_t end)
{
	if (start < ONE_MIB)
		start = ONE_MIB;
	if (end > FOUR_GIB)
		end = FOUR_GIB;
	start = align_up(start, PAGE_SIZE);
	end = align_down(end, PAGE_SIZE);
	if (start < end)
		append_piece(ctx, start, end);
}

/* Replaces *out with what is left of `from` once `minus` (normalized) is
 * taken out, each piece passed through `emit`. */
static void subtract_all(const struct range_list *from, const struct range_list *minus,
			 mem_piece_fn emit, struct range_list *out)
{
	out->count = 0;
	out->overflow = false;
	for (size_t i = 0; i < from->count; i++)
		mem_ranges_subtract(from->r[i].start, from->r[i].end, minus->r, minus->count, emit,
				    out);
}

bool phys_init(const struct boot_info *bi, const struct mb_range *reserved, size_t count, char *why,
	       size_t why_size)
{
	static struct range_list ram, other, taken;

	ram.count = other.count = taken.count = 0;
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct mb_mmap_entry *e = &bi->mmap[i];

		append_piece(e->type == MB_MEMORY_AVAILABLE ? &ram : &other, e->base,
			     e->base + e->length);
	}
	mem_ranges_normalize(ram.r, &ram.count);
	mem_ranges_normalize(other.r, &other.count);

	subtract_all(&ram, &other, append_piece, &available);
	if (available.count == 0) {
		sc_snprintf(why, why_size, "the memory map marks no RAM available");
		return false;
	}

	for (size_t i = 0; i < count && taken.count < MAX_RANGES; i++)
		append_piece(&taken, align_down(reserved[i].start, PAGE_SIZE),
			     align_up(reserved[i].end, PAGE_SIZE));
	mem_ranges_normalize(taken.r, &taken.count);

	subtract_all(&available, &taken, append_free_piece, &free_list);
	if (available.overflow || free_list.overflow || taken.count == MAX_RANGES) {
		sc_snprintf(why, why_size, "the memory map has too many pieces (at most %u)",
			    MAX_RANGES);
		return false;
	}
	allocation_count = 0;
	return true;
}

const struct sidecar_plan_range *phys_available(size_t *count)
{
	*count = available.count;
	return available.r;
}

bool phys_is_available(uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < available.count; i++) {
		if (start >= available.r[i].start && end <= available.r[i].end)
			return true;
	}
	return false;
}

uint64_t phys_alloc(uint64_t size, uint64_t align, uint64_t limit, const char *what)
{
	return phys_alloc_range(size, align, 0, limit, what);
}

uint64_t phys_alloc_range(uint64_t size, uint64_t align, uint64_t min_start, uint64_t limit,
			  const char *what)
{
	if (size == 0 || align < PAGE_SIZE || (align & (align - 1)) ||
	    allocation_count == MAX_ALLOCATIONS)
		return 0;
	size = align_up(size, PAGE_SIZE);
	for (size_t i = 0; i < free_list.count; i++) {
		struct sidecar_plan_range *f = &free_list.r[i];
		uint64_t start = align_up(f->start > min_start ? f->start : min_start, align);

		if (start < f->start || start >= f->end || f->end - start < size ||
		    start + size > limit)
			continue;
		if (start > f->start) {
			/* Keep the alignment gap as its own free range. */
			if (free_list.count == MAX_RANGES)
				return 0;
			for (size_t j = free_list.count; j > i; j--)
				free_list.r[j] = free_list.r[j - 1];
			free_list.count++;
			free_list.r[i].end = start;
			f = &free_list.r[i + 1];
		}
		f->start = start + size;
		allocations[allocation_count++] = (struct mb_range){start, start + size, what};
		return start;
	}
	return 0;
}

static bool low_page_free(uint64_t page, const struct mb_range *taken, size_t count)
{
	if (!phys_is_available(page, page + PAGE_SIZE))
		return false;
	for (size_t i = 0; i < count; i++) {
		if (taken[i].start < page + PAGE_SIZE && page < taken[i].end)
			return false;
	}
	return true;
}

uint64_t phys_find_low_page(uint64_t preferred, const struct mb_range *taken, size_t count)
{
	if (preferred >= PAGE_SIZE && preferred < ONE_MIB && preferred % PAGE_SIZE == 0 &&
	    low_page_free(preferred, taken, count))
		return preferred;
	for (uint64_t page = PAGE_SIZE; page < ONE_MIB; page += PAGE_SIZE) {
		if (low_page_free(page, taken, count))
			return page;
	}
	return 0;
}

const struct mb_range *phys_allocations(size_t *count)
{
	*count = allocation_count;
	return allocations;
}
