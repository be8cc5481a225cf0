// SPDX-License-Identifier: MIT
/*
 * Seeds for fuzz_gva_walk: a small page-table tree for every paging mode
 * (off, 32-bit, 32-bit with a 4 MiB page, PAE, 4-level with 4 KiB, 2 MiB
 * and 1 GiB pages, 5-level), each mapping GVA 0x5000 into the 64 KiB of
 * guest memory, in the harness's format: its header, then memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_gva_walk_input.h"
#include "sk_gva.h"
#include "sc_x86_regs.h"
#include "seed_writer.h"

#define P  0x1ull
#define RW 0x2ull
#define US 0x4ull
#define PS 0x80ull

static uint8_t seed_buf[sizeof(struct fuzz_gva_header) + 0xA000];
static struct fuzz_gva_header h;
static uint8_t *mem = seed_buf + sizeof(struct fuzz_gva_header);

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static void begin(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	memset(seed_buf, 0, sizeof(seed_buf));
	h = (struct fuzz_gva_header){.cr0 = cr0 | 1,
				     .cr3 = 0x1000,
				     .cr4 = cr4,
				     .efer = efer,
				     .gva = 0x5000,
				     .maxphyaddr = 40,
				     .race = 3,
				     .hole = 0xFF,
				     .seed = 1};
}

static void emit(const char *dir, const char *name, uint64_t flags)
{
	h.flags = flags;
	memcpy(seed_buf, &h, sizeof(h));
	seed_write(dir, name, seed_buf, sizeof(seed_buf));
}

int main(int argc, char **argv)
{
	const uint64_t set = HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS;
	const uint64_t r = HV_TRANSLATE_GVA_VALIDATE_READ, w = HV_TRANSLATE_GVA_VALIDATE_WRITE;
	const char *dir = seed_args(argc, argv);

	begin(0, 0, 0);
	emit(dir, "paging-off", r | set);

	begin(CR0_PG | CR0_WP, 0, 0);
	put32(0x1000, 0x2000 | P | RW | US);
	put32(0x2000 + 5 * 4, 0x9000 | P | RW | US);
	emit(dir, "32bit", w | set);

	begin(CR0_PG, CR4_PSE, 0);
	put32(0x1000, 0x0 | P | RW | PS);
	emit(dir, "32bit-pse", w | set);

	begin(CR0_PG, CR4_PAE, EFER_NXE);
	put64(0x1000, 0x2000 | P);
	put64(0x2000, 0x3000 | P | RW | US);
	put64(0x3000 + 5 * 8, 0x9000 | P | RW | US);
	emit(dir, "pae", r | w | set);

	begin(CR0_PG | CR0_WP, CR4_PAE, EFER_LMA | EFER_NXE);
	put64(0x1000, 0x2000 | P | RW | US);
	put64(0x2000, 0x3000 | P | RW | US);
	put64(0x3000, 0x4000 | P | RW | US);
	put64(0x4000 + 5 * 8, 0x9000 | P | RW | US);
	emit(dir, "long4-4k", w | set);
	h.race = 2 | 4; /* the guest rewrites the entry at every exchange */
	emit(dir, "long4-4k-racer-always", w | set);
	h.race = 3;
	h.race = 0;
	emit(dir, "long4-4k-no-race", r);
	h.hole = 4; /* the page table itself */
	emit(dir, "long4-4k-hole", r | set);

	begin(CR0_PG, CR4_PAE, EFER_LMA);
	put64(0x1000, 0x2000 | P | RW);
	put64(0x2000, 0x3000 | P | RW);
	put64(0x3000, 0x0 | P | RW | PS);
	emit(dir, "long4-2m", w | set);

	begin(CR0_PG, CR4_PAE, EFER_LMA);
	put64(0x1000, 0x2000 | P | RW);
	put64(0x2000, 0x0 | P | RW | PS);
	emit(dir, "long4-1g", r | set);

	begin(CR0_PG, CR4_PAE | CR4_LA57, EFER_LMA);
	put64(0x1000, 0x2000 | P | RW);
	put64(0x2000, 0x3000 | P | RW);
	put64(0x3000, 0x4000 | P | RW);
	put64(0x4000, 0x6000 | P | RW);
	put64(0x6000 + 5 * 8, 0x9000 | P | RW);
	emit(dir, "long5", w | set);
	return 0;
}
