// SPDX-License-Identifier: MIT
/*
 * The kernel file is input from outside: every header field the shim
 * relies on is checked against the file and the protocol version that
 * defines it before a byte is copied (boot.rst, "The Real-Mode Kernel
 * Header" and "64-bit Boot Protocol").
 */
#include <string.h>

#include "bzimage.h"
#include "phys_alloc.h"
#include "sc_format.h"

#define ULL(x) ((unsigned long long)(x))

/* The zero page has room for the setup header up to edd_mbr_sig_buffer. */
#define ZERO_PAGE_HDR_END 0x290u
/* init_size is the last field the shim reads (protocol 2.10). */
#define HDR_NEEDED_END (LINUX_HDR_OFFSET(init_size) + 4u)
/* boot.rst: "If setup_sects is 0, the real value is 4." */
#define SETUP_SECTS_DEFAULT 4u
#define SECTOR_SIZE	    512u

/* boot.rst: kernel_version, if nonzero, points 0x200 bytes before a
 * NUL-terminated string in the setup code. */
static void read_version(struct bzimage *k)
{
	uint64_t at = (uint64_t)k->hdr.kernel_version + 0x200u;
	size_t i = 0;

	k->version[0] = '\0';
	if (k->hdr.kernel_version == 0 || at >= k->pm_offset)
		return;
	while (i + 1 < sizeof(k->version) && at + i < k->pm_offset && k->file[at + i] &&
	       k->file[at + i] >= 0x20 && k->file[at + i] < 0x7F) {
		k->version[i] = (char)k->file[at + i];
		i++;
	}
	k->version[i] = '\0';
}

bool bzimage_check(const void *file, uint64_t size, struct bzimage *k, char *why, size_t why_size)
{
	const uint8_t *f = file;
	uint32_t hdr_end, setup_sects;

	memset(k, 0, sizeof(*k));
	k->file = f;
	k->file_size = size;
	if (size < ZERO_PAGE_HDR_END)
		return sc_reason(why, why_size, "%llu bytes, too small for a bzImage", ULL(size));
	hdr_end = 0x202u + f[LINUX_SETUP_JUMP_OFFSET];
	if (hdr_end > ZERO_PAGE_HDR_END)
		hdr_end = ZERO_PAGE_HDR_END;
	memcpy(&k->hdr, f + LINUX_SETUP_HEADER_OFFSET, sizeof(k->hdr));
	if (k->hdr.boot_flag != LINUX_BOOT_FLAG)
		return sc_reason(why, why_size,
				 "boot_flag %#x at 0x1FE, expected 0xAA55: not a bzImage",
				 k->hdr.boot_flag);
	if (k->hdr.header != LINUX_HEADER_MAGIC)
		return sc_reason(why, why_size, "no \"HdrS\" at 0x202 (found %#x): not a bzImage",
				 k->hdr.header);
	if (k->hdr.version < LINUX_MIN_PROTOCOL)
		return sc_reason(why, why_size,
				 "boot protocol %u.%02u; the 64-bit entry needs 2.12 or later",
				 k->hdr.version >> 8, k->hdr.version & 0xFF);
	if (hdr_end < HDR_NEEDED_END)
		return sc_reason(why, why_size, "setup header ends at %#x, before init_size",
				 hdr_end);
	/* Fields beyond the header's own end are not the kernel's: zero them. */
	memset((uint8_t *)&k->hdr + (hdr_end - LINUX_SETUP_HEADER_OFFSET), 0,
	       sizeof(k->hdr) > hdr_end - LINUX_SETUP_HEADER_OFFSET
		       ? sizeof(k->hdr) - (hdr_end - LINUX_SETUP_HEADER_OFFSET)
		       : 0);
	k->hdr_size = hdr_end - LINUX_SETUP_HEADER_OFFSET;
	if (!(k->hdr.xloadflags & LINUX_XLF_KERNEL_64))
		return sc_reason(why, why_size,
				 "xloadflags %#x: no 64-bit entry point (XLF_KERNEL_64)",
				 k->hdr.xloadflags);
	if (!k->hdr.relocatable_kernel)
		return sc_reason(why, why_size,
				 "not relocatable (relocatable_kernel 0); the shim loads kernels "
				 "wherever free memory is");
	if (k->hdr.kernel_alignment == 0 ||
	    (k->hdr.kernel_alignment & (k->hdr.kernel_alignment - 1)))
		return sc_reason(why, why_size, "kernel_alignment %#x is not a power of two",
				 k->hdr.kernel_alignment);
	setup_sects = k->hdr.setup_sects ? k->hdr.setup_sects : SETUP_SECTS_DEFAULT;
	/* boot.rst: the protected-mode code starts after the boot sector and
	 * setup_sects sectors of setup code. */
	k->pm_offset = (uint64_t)(setup_sects + 1) * SECTOR_SIZE;
	if (k->pm_offset >= size)
		return sc_reason(why, why_size,
				 "setup_sects %u: the setup code fills the whole file",
				 setup_sects);
	k->pm_size = size - k->pm_offset;
	if (k->hdr.init_size < k->pm_size)
		return sc_reason(
			why, why_size,
			"init_size %#x is smaller than the protected-mode code (%#llx bytes)",
			k->hdr.init_size, ULL(k->pm_size));
	k->align = k->hdr.kernel_alignment < PAGE_SIZE ? PAGE_SIZE : k->hdr.kernel_alignment;
	read_version(k);
	return true;
}

bool bzimage_load(struct bzimage *k, char *why, size_t why_size)
{
	uint64_t size = ((uint64_t)k->hdr.init_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t pa = phys_alloc_range(size, k->align, BZIMAGE_MIN_LOAD, FOUR_GIB, "Linux kernel");

	if (!pa)
		return sc_reason(
			why, why_size,
			"no free memory for the Linux kernel: init_size %#llx bytes aligned to "
			"%#llx between 16 MiB and 4 GiB",
			ULL(size), ULL(k->align));
	/* The rest of init_size is the decompressor's: it clears its own bss
	 * and decompresses over the buffer, so nothing else is written. */
	memcpy((void *)(uintptr_t)pa, k->file + k->pm_offset, k->pm_size);
	k->load_pa = pa;
	k->load_size = size;
	return true;
}

void bzimage_init_boot_params(const struct bzimage *k, struct linux_boot_params *bp)
{
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, k->file + LINUX_SETUP_HEADER_OFFSET,
	       k->hdr_size < sizeof(bp->hdr) ? k->hdr_size : sizeof(bp->hdr));
	/* The header bytes past our struct (a newer protocol) go where the
	 * zero page keeps them. */
	if (k->hdr_size > sizeof(bp->hdr))
		memcpy((uint8_t *)bp + LINUX_SETUP_HEADER_OFFSET + sizeof(bp->hdr),
		       k->file + LINUX_SETUP_HEADER_OFFSET + sizeof(bp->hdr),
		       k->hdr_size - sizeof(bp->hdr));
}
