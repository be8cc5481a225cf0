// SPDX-License-Identifier: MIT
/*
 * The guest memory the shim reserves for the sidecar's VP backend: one
 * region, 2 MiB aligned, below 4 GiB, that guest-physical 0 maps to. The
 * kernel learns it from the params extension, Linux (and the driver) from
 * the e820 map and the handoff block.
 */
#include <sidecar/boot_ext.h>
#include <string.h>

#include "exit.h"
#include "guest_memory.h"
#include "phys_alloc.h"
#include "serial.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	switch (*s) {
	case 'K':
	case 'k':
		shift = 10;
		s++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		s++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		s++;
		break;
	default:
		break;
	}
	if ((*s && !is_space(*s)) || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

bool guest_memory_option(const char *cmdline, uint64_t *size, char *why, size_t why_size)
{
	static const char key[] = "guest_mem=";
	const char *p = cmdline;

	*size = GUEST_MEMORY_DEFAULT;
	while (*p) {
		const char *word;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		if ((size_t)(p - word) < sizeof(key) - 1 || memcmp(word, key, sizeof(key) - 1))
			continue;
		if (!parse_size(word + sizeof(key) - 1, size) ||
		    *size % SIDECAR_EXT_GUEST_MEMORY_ALIGN ||
		    *size > SIDECAR_EXT_MAX_GUEST_MEMORY) {
			sc_snprintf(
				why, why_size,
				"\"%.*s\": expected a multiple of 2 MiB up to 4 GiB, in bytes or "
				"with K, M, G",
				(int)(p - word), word);
			return false;
		}
	}
	return true;
}

void guest_memory_reserve(struct guest_memory *g, uint64_t size)
{
	g->base = 0;
	g->size = size;
	if (!size)
		return;
	g->base = phys_alloc_range(size, SIDECAR_EXT_GUEST_MEMORY_ALIGN, 0, 1ull << 32,
				   "guest memory");
	if (!g->base)
		shim_boot_error("no %llu MiB of free memory below 4 GiB for the guest memory "
				"(guest_mem=)",
				(unsigned long long)(size >> 20));
	/* Guests start from zeroed memory, not from what the shim left. */
	memset((void *)(uintptr_t)g->base, 0, size);
	shim_print("guest memory: [%#llx, %#llx), %llu MiB\n", (unsigned long long)g->base,
		   (unsigned long long)(g->base + size), (unsigned long long)(size >> 20));
}
