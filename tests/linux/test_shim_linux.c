// SPDX-License-Identifier: MIT
/*
 * The boot shim's Linux loader, hosted: the e820 map it builds
 * (boot/e820.c) and its bzImage header checks (boot/bzimage.c), on the
 * firmware map QEMU gives and on headers broken one field at a time.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bzimage.h"
#include "e820.h"

#define MiB (1ull << 20)

/* QEMU q35 with 512 MiB under SeaBIOS, as the multiboot loader passes it. */
static const struct mb_mmap_entry qemu_map[] = {
	{0x0, 0x9fc00, 1},	  {0x9fc00, 0x400, 2},
	{0xf0000, 0x10000, 2},	  {0x100000, 0x1ffdf000 - 0x100000, 1},
	{0x1ffdf000, 0x21000, 2}, {0xb0000000, 0x10000000, 2},
	{0xfffc0000, 0x40000, 2},
};
#define QEMU_MAP_COUNT (sizeof(qemu_map) / sizeof(qemu_map[0]))

static struct linux_e820_entry out[E820_MAX_ENTRIES];
static char why[200];

static void expect(size_t i, uint64_t start, uint64_t end, uint32_t type)
{
	cr_expect_eq(out[i].addr, start, "entry %zu start %#llx, expected %#llx", i,
		     (unsigned long long)out[i].addr, (unsigned long long)start);
	cr_expect_eq(out[i].addr + out[i].size, end, "entry %zu end %#llx, expected %#llx", i,
		     (unsigned long long)(out[i].addr + out[i].size), (unsigned long long)end);
	cr_expect_eq(out[i].type, type, "entry %zu type %u, expected %u", i, out[i].type, type);
}

Test(e820, firmware_map_passes_through)
{
	size_t n = e820_build(qemu_map, QEMU_MAP_COUNT, NULL, 0, out, E820_MAX_ENTRIES, why,
			      sizeof(why));

	cr_assert_eq(n, QEMU_MAP_COUNT, "%zu entries: %s", n, why);
	for (size_t i = 0; i < n; i++)
		expect(i, qemu_map[i].base, qemu_map[i].base + qemu_map[i].length,
		       qemu_map[i].type);
}

Test(e820, reservations_split_ram_and_merge)
{
	const struct mb_range reserve[] = {
		{0x94c000, 0x9a1000, "image"},
		{0x5000000, 0x9000000, "guest"},
		/* Two nodes back to back, then the firmware's reservation. */
		{0x1fe30000, 0x1ff01000, "node 1"},
		{0x1ff01000, 0x1ffdf000, "node 0"},
	};
	size_t n = e820_build(qemu_map, QEMU_MAP_COUNT, reserve, 4, out, E820_MAX_ENTRIES, why,
			      sizeof(why));

	cr_assert_eq(n, 11, "%zu entries: %s", n, why);
	expect(0, 0x0, 0x9fc00, E820_TYPE_RAM);
	expect(3, 0x100000, 0x94c000, E820_TYPE_RAM);
	expect(4, 0x94c000, 0x9a1000, E820_TYPE_RESERVED);
	expect(5, 0x9a1000, 0x5000000, E820_TYPE_RAM);
	expect(6, 0x5000000, 0x9000000, E820_TYPE_RESERVED);
	expect(7, 0x9000000, 0x1fe30000, E820_TYPE_RAM);
	/* Nodes and the firmware's range merge into one entry. */
	expect(8, 0x1fe30000, 0x20000000, E820_TYPE_RESERVED);
	expect(9, 0xb0000000, 0xc0000000, E820_TYPE_RESERVED);
}

Test(e820, overlapping_firmware_entries_any_order)
{
	/* RAM overlapped by ACPI data and by reserved, listed RAM last. */
	const struct mb_mmap_entry map[] = {
		{0x2000, 0x1000, 3},
		{0x2800, 0x1000, 2},
		{0x0, 0x10000, 1},
	};
	size_t n = e820_build(map, 3, NULL, 0, out, E820_MAX_ENTRIES, why, sizeof(why));

	cr_assert_eq(n, 4, "%zu entries: %s", n, why);
	expect(0, 0x0, 0x2000, E820_TYPE_RAM);
	/* Where ACPI (3) and reserved (2) overlap, the larger type wins, and
	 * the piece merges with the rest of the ACPI entry. */
	expect(1, 0x2000, 0x3000, E820_TYPE_ACPI);
	expect(2, 0x3000, 0x3800, E820_TYPE_RESERVED);
	expect(3, 0x3800, 0x10000, E820_TYPE_RAM);
}

Test(e820, reservation_outside_ram_is_refused)
{
	const struct mb_range reserve[] = {{0x9f000, 0xa1000, "handoff block"}};
	size_t n = e820_build(qemu_map, QEMU_MAP_COUNT, reserve, 1, out, E820_MAX_ENTRIES, why,
			      sizeof(why));

	cr_assert_eq(n, 0);
	cr_expect(strstr(why, "handoff block at [0x9f000, 0xa1000) is not entirely RAM"), "%s",
		  why);
}

Test(e820, too_many_entries_is_refused)
{
	size_t n = e820_build(qemu_map, QEMU_MAP_COUNT, NULL, 0, out, 3, why, sizeof(why));

	cr_assert_eq(n, 0);
	cr_expect(strstr(why, "more than 3 entries"), "%s", why);
}

Test(e820, many_scattered_nodes_exceed_the_zero_page)
{
	static struct mb_range reserve[E820_MAX_RESERVE];
	size_t count = 0, n;

	/* 128 nodes with a free page between each: 257 entries after the
	 * first megabyte, more than the zero page's 128. */
	for (size_t i = 0; i < SIDECAR_MAX_NODES; i++, count++)
		reserve[count] = (struct mb_range){0x1000000 + i * 0x2000,
						   0x1000000 + i * 0x2000 + 0x1000, "node"};
	n = e820_build(qemu_map, QEMU_MAP_COUNT, reserve, count, out, E820_MAX_ENTRIES, why,
		       sizeof(why));
	cr_assert_gt(n, LINUX_E820_MAX_ZEROPAGE, "%zu entries: %s", n, why);
	cr_expect_leq(n, E820_MAX_ENTRIES);
}

/* A minimal bzImage: boot sector + 1 setup sector, then 4 KiB of "code". */
static uint8_t image[3 * 512 + 4096];

static void make_bzimage(void)
{
	struct linux_setup_header h = {0};

	memset(image, 0, sizeof(image));
	h.setup_sects = 2;
	h.boot_flag = LINUX_BOOT_FLAG;
	h.header = LINUX_HEADER_MAGIC;
	h.version = 0x020F;
	h.kernel_version = 0x300; /* file offset 0x500 */
	h.loadflags = LINUX_LOADED_HIGH;
	h.initrd_addr_max = 0x7FFFFFFF;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = 1;
	h.xloadflags = LINUX_XLF_KERNEL_64 | LINUX_XLF_CAN_BE_LOADED_ABOVE_4G;
	h.cmdline_size = 2047;
	h.init_size = 0x10000;
	memcpy(image + LINUX_SETUP_HEADER_OFFSET, &h, sizeof(h));
	/* The jump at 0x200 covers the header up to 0x26C. */
	image[0x200] = 0xEB;
	image[LINUX_SETUP_JUMP_OFFSET] = 0x26C - 0x202;
	strcpy((char *)image + 0x500, "6.99.0-test (builder) #1");
}

static struct bzimage k;

Test(bzimage, accepts_a_64bit_relocatable_kernel)
{
	make_bzimage();
	cr_assert(bzimage_check(image, sizeof(image), &k, why, sizeof(why)), "%s", why);
	cr_expect_eq(k.pm_offset, 3 * 512);
	cr_expect_eq(k.pm_size, 4096);
	cr_expect_eq(k.align, 0x200000);
	cr_expect_eq(k.hdr_size, 0x26C - LINUX_SETUP_HEADER_OFFSET);
	cr_expect_str_eq(k.version, "6.99.0-test (builder) #1");
}

Test(bzimage, zero_page_gets_the_header)
{
	static struct linux_boot_params bp;

	make_bzimage();
	cr_assert(bzimage_check(image, sizeof(image), &k, why, sizeof(why)), "%s", why);
	memset(&bp, 0xAA, sizeof(bp));
	bzimage_init_boot_params(&k, &bp);
	cr_expect_eq(bp.hdr.boot_flag, LINUX_BOOT_FLAG);
	cr_expect_eq(bp.hdr.init_size, 0x10000);
	cr_expect_eq(bp.sentinel, 0);
	cr_expect_eq(bp.e820_entries, 0);
	cr_expect_eq(bp.acpi_rsdp_addr, 0);
}

static void refuse(const char *want)
{
	cr_expect_not(bzimage_check(image, sizeof(image), &k, why, sizeof(why)), "accepted");
	cr_expect(strstr(why, want), "\"%s\" does not say \"%s\"", why, want);
}

#define HDR(field)                                                                                 \
	(*(__typeof__(((struct linux_setup_header *)0)->field) *)(image + LINUX_HDR_OFFSET(field)))

Test(bzimage, refuses_broken_headers)
{
	make_bzimage();
	HDR(boot_flag) = 0x1234;
	refuse("boot_flag 0x1234");

	make_bzimage();
	HDR(header) = 0;
	refuse("no \"HdrS\"");

	make_bzimage();
	HDR(version) = 0x020B;
	refuse("boot protocol 2.11");

	make_bzimage();
	HDR(xloadflags) = 0;
	refuse("no 64-bit entry point");

	make_bzimage();
	HDR(relocatable_kernel) = 0;
	refuse("not relocatable");

	make_bzimage();
	HDR(kernel_alignment) = 0x300000;
	refuse("kernel_alignment 0x300000");

	make_bzimage();
	HDR(setup_sects) = 100;
	refuse("setup_sects 100");

	make_bzimage();
	HDR(init_size) = 0x100;
	refuse("init_size 0x100");

	make_bzimage();
	image[LINUX_SETUP_JUMP_OFFSET] = 0x10;
	refuse("before init_size");

	make_bzimage();
	cr_expect_not(bzimage_check(image, 0x200, &k, why, sizeof(why)));
	cr_expect(strstr(why, "too small"), "%s", why);
}
