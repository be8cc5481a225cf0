// SPDX-License-Identifier: MIT
/*
 * The multiboot information is input from outside: every address is
 * checked to stay below 4 GiB (the identity map) before it is read, every
 * string is read with a bound, every count is limited, and every memory
 * map entry stays inside the map's declared length.
 */
#include <stdarg.h>

#include "multiboot.h"
#include "sc_format.h"
#include "sidecar_planner.h"

/* struct multiboot_info offsets and flags (Multiboot spec 3.3). */
#define MBI_FLAGS	     0
#define MBI_CMDLINE	     16
#define MBI_MODS_COUNT	     20
#define MBI_MODS_ADDR	     24
#define MBI_MMAP_LENGTH	     44
#define MBI_MMAP_ADDR	     48
#define MBI_BOOT_LOADER_NAME 64
/* Through the framebuffer fields: the largest the structure gets. */
#define MBI_SIZE 116

#define MBI_FLAG_CMDLINE     (1u << 2)
#define MBI_FLAG_MODS	     (1u << 3)
#define MBI_FLAG_MMAP	     (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

#define MOD_ENTRY_SIZE	16 /* mod_start, mod_end, string, reserved */
#define MMAP_ENTRY_MIN	20 /* base_addr, length, type after the size field */
#define MMAP_MAX_BYTES	(64u * 1024)
#define LOADER_NAME_MAX 256

#define FOUR_GIB (1ull << 32)

static bool fail(struct boot_info *bi, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct boot_info *bi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_vsnprintf(bi->error, sizeof(bi->error), fmt, ap);
	va_end(ap);
	return false;
}

static uint32_t read32(uint64_t pa)
{
	return *(const volatile uint32_t *)(uintptr_t)pa;
}

static uint64_t read64(uint64_t pa)
{
	return (uint64_t)read32(pa) | (uint64_t)read32(pa + 4) << 32;
}

static bool add_used(struct boot_info *bi, uint64_t start, uint64_t end, const char *what)
{
	if (bi->used_count == MB_MAX_USED)
		return fail(bi, "multiboot info: too many ranges in use");
	bi->used[bi->used_count++] = (struct mb_range){start, end, what};
	return true;
}

/* Copies the NUL-terminated string at `pa` (at most size - 1 bytes) and
 * records where it lies. */
static bool copy_string(struct boot_info *bi, uint32_t pa, char *out, size_t size, const char *what)
{
	size_t len = 0;

	if (pa == 0)
		return fail(bi, "multiboot info: %s at address 0", what);
	while (len < size) {
		if ((uint64_t)pa + len >= FOUR_GIB)
			return fail(bi, "multiboot info: %s at %#x runs past 4 GiB", what, pa);
		out[len] = *(const volatile char *)(uintptr_t)((uint64_t)pa + len);
		if (out[len] == '\0')
			return add_used(bi, pa, (uint64_t)pa + len + 1, what);
		len++;
	}
	return fail(bi, "multiboot info: %s at %#x is longer than %zu bytes", what, pa, size - 1);
}

static bool parse_modules(struct boot_info *bi, uint32_t mbi_pa)
{
	uint32_t count = read32(mbi_pa + MBI_MODS_COUNT);
	uint32_t addr = read32(mbi_pa + MBI_MODS_ADDR);

	if (count == 0)
		return true;
	if (count > MB_MAX_MODULES)
		return fail(bi, "multiboot info: %u modules, at most %u supported", count,
			    MB_MAX_MODULES);
	if (addr == 0 || (uint64_t)addr + (uint64_t)count * MOD_ENTRY_SIZE > FOUR_GIB)
		return fail(bi, "multiboot info: bad module list address %#x", addr);
	if (!add_used(bi, addr, (uint64_t)addr + (uint64_t)count * MOD_ENTRY_SIZE,
		      "multiboot module list"))
		return false;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t entry = (uint64_t)addr + (uint64_t)i * MOD_ENTRY_SIZE;
		struct mb_module *m = &bi->modules[i];
		uint32_t string = read32(entry + 8);

		m->start = read32(entry);
		m->end = read32(entry + 4);
		if (m->end <= m->start)
			return fail(bi,
				    "multiboot module %u: empty or inverted range [%#llx, %#llx)",
				    i, (unsigned long long)m->start, (unsigned long long)m->end);
		if (!copy_string(bi, string, m->string, sizeof(m->string),
				 "multiboot module string"))
			return false;
		if (!add_used(bi, m->start, m->end, "multiboot module"))
			return false;
		bi->module_count++;
	}
	return true;
}

static bool parse_mmap(struct boot_info *bi, uint32_t mbi_pa)
{
	uint32_t length = read32(mbi_pa + MBI_MMAP_LENGTH);
	uint32_t addr = read32(mbi_pa + MBI_MMAP_ADDR);
	uint64_t off = 0;

	if (length == 0 || length > MMAP_MAX_BYTES)
		return fail(bi, "multiboot memory map: length %u out of range (1..%u)", length,
			    MMAP_MAX_BYTES);
	if (addr == 0 || (uint64_t)addr + length > FOUR_GIB)
		return fail(bi, "multiboot memory map: bad address %#x", addr);
	if (!add_used(bi, addr, (uint64_t)addr + length, "multiboot memory map"))
		return false;
	/* Each entry: u32 size (of the rest of the entry), u64 base_addr,
	 * u64 length, u32 type; the next entry starts size + 4 bytes later. */
	while (off < length) {
		uint64_t entry = (uint64_t)addr + off;
		uint32_t size;
		struct mb_mmap_entry *e;

		if (length - off < 4 + MMAP_ENTRY_MIN)
			return fail(bi, "multiboot memory map: truncated entry at offset %llu",
				    (unsigned long long)off);
		size = read32(entry);
		if (size < MMAP_ENTRY_MIN || size > length - off - 4)
			return fail(bi, "multiboot memory map: entry at offset %llu has size %u",
				    (unsigned long long)off, size);
		if (bi->mmap_count == MB_MAX_MMAP)
			return fail(bi, "multiboot memory map: more than %u entries", MB_MAX_MMAP);
		e = &bi->mmap[bi->mmap_count];
		e->base = read64(entry + 4);
		e->length = read64(entry + 12);
		e->type = read32(entry + 20);
		if (e->base + e->length < e->base)
			return fail(bi, "multiboot memory map: entry %u [%#llx +%#llx) wraps",
				    bi->mmap_count, (unsigned long long)e->base,
				    (unsigned long long)e->length);
		if (e->length)
			bi->mmap_count++;
		off += 4 + (uint64_t)size;
	}
	if (bi->mmap_count == 0)
		return fail(bi, "multiboot memory map: no entries");
	return true;
}

bool multiboot_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi)
{
	uint32_t flags;

	bi->module_count = bi->mmap_count = bi->used_count = 0;
	bi->cmdline[0] = '\0';
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		return fail(bi, "not started by a Multiboot loader (EAX %#x, expected %#x)", magic,
			    MULTIBOOT_BOOTLOADER_MAGIC);
	if (mbi_pa == 0 || (uint64_t)mbi_pa + MBI_SIZE > FOUR_GIB)
		return fail(bi, "multiboot info at bad address %#x", mbi_pa);
	if (!add_used(bi, mbi_pa, (uint64_t)mbi_pa + MBI_SIZE, "multiboot info"))
		return false;
	flags = read32(mbi_pa + MBI_FLAGS);

	if (flags & MBI_FLAG_CMDLINE) {
		if (!copy_string(bi, read32(mbi_pa + MBI_CMDLINE), bi->cmdline, sizeof(bi->cmdline),
				 "command line"))
			return false;
	}
	if (flags & MBI_FLAG_LOADER_NAME) {
		char name[LOADER_NAME_MAX];

		if (!copy_string(bi, read32(mbi_pa + MBI_BOOT_LOADER_NAME), name, sizeof(name),
				 "boot loader name"))
			return false;
	}
	if (!(flags & MBI_FLAG_MMAP))
		return fail(bi, "multiboot info has no memory map (flags %#x, bit 6 clear)", flags);
	if (!parse_mmap(bi, mbi_pa))
		return false;
	if (!(flags & MBI_FLAG_MODS))
		return fail(bi,
			    "multiboot info has no modules (flags %#x, bit 3 clear); "
			    "need a \"dtb\" and a \"sidecar\" module",
			    flags);
	return parse_modules(bi, mbi_pa);
}

const struct mb_module *multiboot_find_module(struct boot_info *bi, const char *word)
{
	const struct mb_module *found = NULL;

	for (uint32_t i = 0; i < bi->module_count; i++) {
		if (!sidecar_cmdline_has_token(bi->modules[i].string, word))
			continue;
		if (found) {
			fail(bi, "two modules are marked \"%s\": \"%s\" and \"%s\"", word,
			     found->string, bi->modules[i].string);
			return NULL;
		}
		found = &bi->modules[i];
	}
	if (!found)
		fail(bi, "no module marked \"%s\" (give it as -initrd \"FILE %s\")", word, word);
	return found;
}

uint32_t multiboot_count_modules(const struct boot_info *bi, const char *word)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < bi->module_count; i++)
		count += sidecar_cmdline_has_token(bi->modules[i].string, word);
	return count;
}
