// SPDX-License-Identifier: MIT
/*
 * The image file comes from outside (a module anyone can swap), so every
 * header field is checked against the module and against the others
 * before any byte is copied or any address is called.
 */
#include <string.h>

#include "load_sidecar.h"
#include "phys_alloc.h"
#include "sc_format.h"
#include "x86.h"

#define ULL(x) ((unsigned long long)(x))

static uint64_t loaded_start, loaded_end;

bool sidecar_image_contains(uint64_t addr)
{
	return addr >= loaded_start && addr < loaded_end;
}

bool sidecar_image_check(const void *module, uint64_t size, struct sidecar_image_header *out,
			 char *why, size_t why_size)
{
	struct sidecar_image_header h;

	if (size < sizeof(h))
		return sc_reason(why, why_size,
				 "sidecar image: %llu bytes, smaller than its header (%zu)",
				 ULL(size), sizeof(h));
	memcpy(&h, module, sizeof(h));
	if (h.magic != SIDECAR_IMAGE_MAGIC)
		return sc_reason(why, why_size,
				 "sidecar image: bad magic %#llx (expected %#llx \"SIDECARK\")",
				 ULL(h.magic), ULL(SIDECAR_IMAGE_MAGIC));
	if (h.version != SIDECAR_IMAGE_VERSION)
		return sc_reason(why, why_size,
				 "sidecar image: version %u, this shim loads version %u", h.version,
				 SIDECAR_IMAGE_VERSION);
	if (h.header_size < sizeof(h) || h.header_size > h.file_size)
		return sc_reason(why, why_size,
				 "sidecar image: header_size %u out of range (%zu..file_size %llu)",
				 h.header_size, sizeof(h), ULL(h.file_size));
	if (h.file_size > size)
		return sc_reason(why, why_size,
				 "sidecar image: file_size %llu but the module has only %llu bytes",
				 ULL(h.file_size), ULL(size));
	if (h.memory_size < h.file_size || h.memory_size > SIDECAR_IMAGE_MAX_MEMORY)
		return sc_reason(
			why, why_size,
			"sidecar image: memory_size %#llx out of range (file_size %#llx..%#llx)",
			ULL(h.memory_size), ULL(h.file_size), ULL(SIDECAR_IMAGE_MAX_MEMORY));
	if (h.entry_offset < h.header_size || h.entry_offset >= h.file_size)
		return sc_reason(
			why, why_size,
			"sidecar image: entry_offset %#llx outside the loaded code [%#x, %#llx)",
			ULL(h.entry_offset), h.header_size, ULL(h.file_size));
	if (h.load_align == 0 || (h.load_align & (h.load_align - 1)) || h.load_align > (1ull << 30))
		return sc_reason(
			why, why_size,
			"sidecar image: load_align %#llx is not a power of two up to 1 GiB",
			ULL(h.load_align));
	if (h.max_load_end < h.memory_size)
		return sc_reason(why, why_size,
				 "sidecar image: max_load_end %#llx leaves no room for %#llx bytes",
				 ULL(h.max_load_end), ULL(h.memory_size));
	*out = h;
	return true;
}

bool sidecar_image_load(const void *module, const struct sidecar_image_header *h,
			struct sidecar_loaded_image *image, char *why, size_t why_size)
{
	uint64_t align = h->load_align < PAGE_SIZE ? PAGE_SIZE : h->load_align;
	uint64_t limit = h->max_load_end < FOUR_GIB ? h->max_load_end : FOUR_GIB;
	uint64_t size = (h->memory_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t pa = phys_alloc(size, align, limit, "sidecar image");
	unsigned char *dst = (unsigned char *)(uintptr_t)pa;

	if (!pa)
		return sc_reason(
			why, why_size,
			"no free memory for the sidecar image: %#llx bytes aligned to %#llx "
			"ending at or below %#llx",
			ULL(size), ULL(align), ULL(limit));
	memcpy(dst, module, h->file_size);
	memset(dst + h->file_size, 0, size - h->file_size);
	image->header = *h;
	image->load_pa = pa;
	image->reserved_size = size;
	image->entry_pa = pa + h->entry_offset;
	loaded_start = pa;
	loaded_end = pa + size;
	return true;
}

struct __attribute__((packed)) table_register {
	uint16_t limit;
	uint64_t base;
};

struct cpu_snapshot {
	uint64_t cr3;
	struct table_register gdtr, idtr;
	uint16_t cs, ds, es, fs, gs, ss;
	uint64_t rflags;
	uint64_t fs_base;
};

static void snapshot(struct cpu_snapshot *s)
{
	__asm__ volatile("mov %%cr3, %0" : "=r"(s->cr3));
	__asm__ volatile("sgdt %0" : "=m"(s->gdtr));
	__asm__ volatile("sidt %0" : "=m"(s->idtr));
	__asm__ volatile("mov %%cs, %0" : "=r"(s->cs));
	__asm__ volatile("mov %%ds, %0" : "=r"(s->ds));
	__asm__ volatile("mov %%es, %0" : "=r"(s->es));
	__asm__ volatile("mov %%fs, %0" : "=r"(s->fs));
	__asm__ volatile("mov %%gs, %0" : "=r"(s->gs));
	__asm__ volatile("mov %%ss, %0" : "=r"(s->ss));
	__asm__ volatile("pushfq; popq %0" : "=r"(s->rflags));
	s->fs_base = rdmsr(MSR_IA32_FS_BASE);
}

struct diff_writer {
	char *buf;
	size_t size;
	size_t used;
};

static void note(struct diff_writer *w, bool differs, const char *what, uint64_t before,
		 uint64_t after)
{
	if (!differs)
		return;
	w->used += sc_snprintf(w->buf + w->used, w->used < w->size ? w->size - w->used : 0,
			       "%s%s %#llx -> %#llx", w->used ? ", " : "", what, ULL(before),
			       ULL(after));
}

#define RFLAGS_IF (1ull << 9)

bool sidecar_image_call(const struct sidecar_loaded_image *image, uint64_t params_pa,
			uint64_t output_pa, char *changed, size_t changed_size)
{
	bool (*entry)(uint64_t, uint64_t) =
		(bool (*)(uint64_t, uint64_t))(uintptr_t)image->entry_pa;
	struct cpu_snapshot before, after;
	struct diff_writer w = {changed, changed_size, 0};
	bool ok;

	changed[0] = '\0';
	snapshot(&before);
	ok = entry(params_pa, output_pa);
	snapshot(&after);

	note(&w, before.cr3 != after.cr3, "CR3", before.cr3, after.cr3);
	note(&w, before.gdtr.base != after.gdtr.base || before.gdtr.limit != after.gdtr.limit,
	     "GDTR base", before.gdtr.base, after.gdtr.base);
	note(&w, before.idtr.base != after.idtr.base || before.idtr.limit != after.idtr.limit,
	     "IDTR base", before.idtr.base, after.idtr.base);
	note(&w, before.cs != after.cs, "CS", before.cs, after.cs);
	note(&w, before.ds != after.ds, "DS", before.ds, after.ds);
	note(&w, before.es != after.es, "ES", before.es, after.es);
	note(&w, before.fs != after.fs, "FS", before.fs, after.fs);
	note(&w, before.gs != after.gs, "GS", before.gs, after.gs);
	note(&w, before.ss != after.ss, "SS", before.ss, after.ss);
	note(&w, (before.rflags ^ after.rflags) & RFLAGS_IF, "RFLAGS.IF",
	     (before.rflags & RFLAGS_IF) != 0, (after.rflags & RFLAGS_IF) != 0);
	note(&w, before.fs_base != after.fs_base, "FS base", before.fs_base, after.fs_base);
	return ok;
}
