// SPDX-License-Identifier: MIT
/*
 * The TRANSLATE_GVA page walker on synthetic guest page tables: every
 * paging mode, large pages at each level, reserved bits, access checks
 * (write protection, user/supervisor, NX, SMEP, SMAP), accessed/dirty
 * updates, unmapped guest-physical pages, boundary addresses, and the page
 * fault reported for each failure. Other vCPUs of the guest change its page
 * tables while the walker runs: a deterministic hook changes an entry right
 * after the walker read it, and a real thread races the walker.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sk_gva.h"

#define MEM_SIZE (32u << 20)
#define P	 0x1ull
#define RW	 0x2ull
#define US	 0x4ull
#define A	 0x20ull
#define D	 0x40ull
#define PS	 0x80ull
#define XD	 (1ull << 63)

#define CR0_PG	 (1ull << 31)
#define CR0_WP	 (1ull << 16)
#define CR4_PSE	 (1ull << 4)
#define CR4_PAE	 (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define R HV_TRANSLATE_GVA_VALIDATE_READ
#define W HV_TRANSLATE_GVA_VALIDATE_WRITE
#define X HV_TRANSLATE_GVA_VALIDATE_EXECUTE

static uint8_t *ram;
static uint64_t hole = UINT64_MAX; /* one guest page that is not backed */
static uint64_t next_table;
static struct sk_gva_regs regs;
static struct hv_translate_virtual_address_ex_output_x64 out;

static bool backed(uint64_t gpa, uint32_t size)
{
	return gpa + size <= MEM_SIZE && !(gpa < hole + 4096 && gpa + size > hole);
}

/* A test's stand-in for another vCPU: runs right after the walker read
 * guest memory, to change an entry between the walker's read and its
 * accessed/dirty update. */
static void (*after_read)(uint64_t gpa);
/* The racing vCPU of the deterministic tests: when the walker has read the
 * entry at race_gpa, the "other vCPU" stores race_value there (race_times
 * times, flipping race_toggle bits each time). */
static uint64_t race_gpa, race_value, race_toggle;
static int race_times, race_reads;

static bool mem_read(void *ctx, uint64_t gpa, void *buf, uint32_t size)
{
	(void)ctx;
	if (!backed(gpa, size))
		return false;
	/* Entries are read as the CPU reads them, atomically (a racing
	 * thread writes them; see race_with_a_vcpu_thread). */
	if (size == 8 && !(gpa & 7)) {
		uint64_t v = __atomic_load_n((uint64_t *)(ram + gpa), __ATOMIC_SEQ_CST);

		memcpy(buf, &v, 8);
	} else if (size == 4 && !(gpa & 3)) {
		uint32_t v = __atomic_load_n((uint32_t *)(ram + gpa), __ATOMIC_SEQ_CST);

		memcpy(buf, &v, 4);
	} else {
		memcpy(buf, ram + gpa, size);
	}
	if (after_read)
		after_read(gpa);
	return true;
}

static enum sk_cmpxchg_result mem_cmpxchg(void *ctx, uint64_t gpa, uint32_t size,
					  uint64_t *expected, uint64_t desired)
{
	(void)ctx;
	if ((size != 4 && size != 8) || (gpa & (size - 1)) || !backed(gpa, size))
		return SK_CMPXCHG_UNMAPPED;
	if (size == 8)
		return __atomic_compare_exchange_n((uint64_t *)(ram + gpa), expected, desired,
						   false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
			       ? SK_CMPXCHG_DONE
			       : SK_CMPXCHG_CHANGED;
	uint32_t old = (uint32_t)*expected;
	bool done = __atomic_compare_exchange_n((uint32_t *)(ram + gpa), &old, (uint32_t)desired,
						false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);

	*expected = old;
	return done ? SK_CMPXCHG_DONE : SK_CMPXCHG_CHANGED;
}

static const struct sk_guest_memory mem = {mem_read, mem_cmpxchg, NULL};

static void setup(void)
{
	ram = calloc(1, MEM_SIZE);
	cr_assert_not_null(ram);
	hole = UINT64_MAX;
	after_read = NULL;
	race_toggle = 0;
	race_reads = 0;
	next_table = 0x100000;
	regs = (struct sk_gva_regs){.maxphyaddr = 40};
}

static void teardown(void)
{
	free(ram);
}

TestSuite(gva, .init = setup, .fini = teardown);

static uint64_t new_table(void)
{
	uint64_t t = next_table;

	next_table += 4096;
	return t;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

/*
 * Maps `gva` in 4- or 5-level tables rooted at `root`, ending at `leaf_level`
 * (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) with `leaf` (address | flags); the
 * intermediate entries get `mid` flags. Returns the leaf entry's GPA.
 */
static uint64_t map_long(uint64_t root, int levels, uint64_t gva, int leaf_level, uint64_t leaf,
			 uint64_t mid)
{
	uint64_t table = root;

	for (int level = levels; level > leaf_level; level--) {
		uint64_t slot = table + ((gva >> (12 + 9 * (level - 1))) & 511) * 8;
		uint64_t e = get64(slot);

		if (!(e & P)) {
			e = new_table() | mid;
			put64(slot, e);
		}
		table = e & 0xFFFFFFFFFF000ull;
	}
	put64(table + ((gva >> (12 + 9 * (leaf_level - 1))) & 511) * 8, leaf);
	return table + ((gva >> (12 + 9 * (leaf_level - 1))) & 511) * 8;
}

static void long_mode(uint64_t root, bool la57)
{
	regs.cr0 = CR0_PG | CR0_WP | 1;
	regs.cr4 = CR4_PAE | (la57 ? CR4_LA57 : 0);
	regs.efer = EFER_LMA | EFER_NXE;
	regs.cr3 = root;
}

static hv_status_t translate(uint64_t gva, uint64_t flags)
{
	return sk_translate_gva(&regs, gva, flags, &mem, &out);
}

static uint32_t result(void)
{
	return (uint32_t)out.translation_result.result;
}

static void expect_page(uint64_t gva, uint64_t flags, uint64_t gpa_page)
{
	cr_assert_eq(translate(gva, flags), HV_STATUS_SUCCESS);
	cr_expect_eq(result(), HV_TRANSLATE_GVA_SUCCESS, "gva %#llx: result %u",
		     (unsigned long long)gva, result());
	cr_expect_eq(out.gpa_page, gpa_page, "gva %#llx -> page %#llx", (unsigned long long)gva,
		     (unsigned long long)out.gpa_page);
	cr_expect_eq(out.translation_result.result >> 32, HV_CACHE_TYPE_WRITE_BACK);
}

static void expect_result(uint64_t gva, uint64_t flags, uint32_t code)
{
	cr_assert_eq(translate(gva, flags), HV_STATUS_SUCCESS);
	cr_expect_eq(result(), code, "gva %#llx flags %#llx: result %u, expected %u",
		     (unsigned long long)gva, (unsigned long long)flags, result(), code);
}

/* The #PF the guest would take: error code and CR2 in event_info. */
static void expect_fault(uint32_t error_code, uint64_t cr2)
{
	uint64_t low = out.translation_result.event_info.reg_0.low;

	cr_expect_eq(low & 1, 1, "event pending");
	cr_expect_eq((low >> 8) & 1, 1, "error code delivered");
	cr_expect_eq((low >> 16) & 0xFFFF, 14, "vector #PF");
	cr_expect_eq(low >> 32, error_code, "error code %#llx", (unsigned long long)(low >> 32));
	cr_expect_eq(out.translation_result.event_info.reg_0.high, cr2);
}

Test(gva, paging_off_is_identity)
{
	regs.cr0 = 1;
	expect_page(0x1234000, R | W | X, 0x1234);
	expect_result(0x1234000 + 0, R, HV_TRANSLATE_GVA_SUCCESS);
	hole = 0x1234000;
	expect_result(0x1234000, R, HV_TRANSLATE_GVA_GPA_UNMAPPED);
	cr_expect_eq(translate(0x100000000ull, R), HV_STATUS_INVALID_PARAMETER, "beyond 32 bits");
}

Test(gva, four_level_4k_2m_1g)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x401000, 1, 0x7000 | P | RW, P | RW);
	map_long(root, 4, 0x40000000, 2, 0x600000 | P | RW | PS, P | RW);
	map_long(root, 4, 0x8000000000ull, 3, 0x0 | P | RW | PS, P | RW);
	expect_page(0x401000, R | W, 0x7);
	expect_page(0x40000000 + 0x1F5000, R, 0x600 + 0x1F5);
	expect_page(0x8000000000ull + 0x1234000, R, 0x1234);
	expect_result(0x402000, R, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	expect_fault(0, 0x402000);
}

Test(gva, canonical_boundaries)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x00007FFFFFFFF000ull, 1, 0x9000 | P, P);
	map_long(root, 4, 0xFFFF800000000000ull, 1, 0xA000 | P, P);
	map_long(root, 4, 0xFFFFFFFFFFFFF000ull, 1, 0xB000 | P, P);
	expect_page(0x00007FFFFFFFF000ull, R, 0x9);
	expect_page(0xFFFF800000000000ull, R, 0xA);
	expect_page(0xFFFFFFFFFFFFF000ull, R, 0xB);
	cr_expect_eq(translate(0x0000800000000000ull, R), HV_STATUS_INVALID_PARAMETER);
	cr_expect_eq(translate(0xFFFF7FFFFFFFF000ull, R), HV_STATUS_INVALID_PARAMETER);
}

Test(gva, five_level)
{
	uint64_t root = new_table();

	long_mode(root, true);
	map_long(root, 5, 0x00FF000000001000ull, 1, 0xC000 | P | RW, P | RW);
	map_long(root, 5, 0xFF00000000000000ull, 1, 0xD000 | P, P);
	expect_page(0x00FF000000001000ull, R | W, 0xC);
	expect_page(0xFF00000000000000ull, R, 0xD);
	cr_expect_eq(translate(0x0100000000000000ull, R), HV_STATUS_INVALID_PARAMETER,
		     "bit 56 must be copied above");
	/* A 4-level walk of the same tables would take another path. */
	regs.cr4 &= ~CR4_LA57;
	cr_expect_eq(translate(0x00FF000000001000ull, R), HV_STATUS_INVALID_PARAMETER);
}

Test(gva, reserved_bits)
{
	uint64_t root = new_table();
	uint64_t pml4e;

	long_mode(root, false);
	map_long(root, 4, 0x1000, 1, 0x7000 | P, P);
	pml4e = root;
	put64(pml4e, get64(pml4e) | PS);
	expect_result(0x1000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	expect_fault(0x9, 0x1000); /* P | RSVD */
	put64(pml4e, get64(pml4e) & ~PS);

	/* Address bits at or above MAXPHYADDR (40). */
	map_long(root, 4, 0x2000, 1, (1ull << 45) | 0x7000 | P, P);
	expect_result(0x2000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	regs.maxphyaddr = 46;
	hole = UINT64_MAX;
	expect_result(0x2000, R, HV_TRANSLATE_GVA_GPA_UNMAPPED);

	/* XD without EFER.NXE. */
	map_long(root, 4, 0x3000, 1, XD | 0x7000 | P, P);
	regs.efer &= ~EFER_NXE;
	expect_result(0x3000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);

	/* A 2 MiB page with bits 20:13 set. */
	regs.efer |= EFER_NXE;
	map_long(root, 4, 0x40000000, 2, 0x600000 | (1ull << 13) | P | PS, P);
	expect_result(0x40000000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	/* Bit 12 of a large page is PAT, not an address bit. */
	map_long(root, 4, 0x40000000, 2, 0x600000 | (1ull << 12) | P | PS, P);
	expect_page(0x40003000, R, 0x603);
}

Test(gva, write_protection)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x5000, 1, 0x7000 | P | US, P | RW | US);
	regs.cpl = 0;
	expect_result(0x5000, W, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_fault(0x3, 0x5000); /* P | W */
	regs.cr0 &= ~CR0_WP;
	expect_page(0x5000, W, 0x7); /* supervisor writes ignore R/W without WP */
	regs.cpl = 3;
	expect_result(0x5000, W, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_fault(0x7, 0x5000); /* P | W | U */
	/* Read-only at an upper level is read-only too. */
	map_long(root, 4, 0x200000, 1, 0x8000 | P | RW | US, P | US);
	expect_result(0x200000, W, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_page(0x200000, R, 0x8);
}

Test(gva, user_supervisor_and_overrides)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x5000, 1, 0x7000 | P | RW, P | RW | US); /* supervisor page */
	regs.cpl = 3;
	expect_result(0x5000, R, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_fault(0x5, 0x5000); /* P | U */
	expect_page(0x5000, R | HV_TRANSLATE_GVA_SUPERVISOR_ACCESS, 0x7);
	expect_page(0x5000, R | W | HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT, 0x7);
	regs.cpl = 0;
	expect_page(0x5000, R, 0x7);
	expect_result(0x5000, R | HV_TRANSLATE_GVA_USER_ACCESS,
		      HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	cr_expect_eq(translate(0x5000, R | HV_TRANSLATE_GVA_USER_ACCESS |
					       HV_TRANSLATE_GVA_SUPERVISOR_ACCESS),
		     HV_STATUS_INVALID_PARAMETER);
}

Test(gva, execute_nx_and_smep)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x5000, 1, XD | 0x7000 | P | US, P | RW | US);
	map_long(root, 4, 0x6000, 1, 0x8000 | P | US, P | RW | US);
	expect_result(0x5000, X, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_fault(0x11, 0x5000); /* P | I */
	expect_page(0x5000, R, 0x7);
	expect_page(0x6000, X, 0x8);
	regs.cr4 |= CR4_SMEP;
	expect_result(0x6000, X, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_page(0x6000, X | HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT, 0x8);
	regs.cpl = 3;
	expect_page(0x6000, X, 0x8);
	/* NX at a higher level applies below it. */
	map_long(root, 4, 0x8000000000ull, 1, 0x9000 | P, P | XD);
	expect_result(0x8000000000ull, X, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
}

Test(gva, smap)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x6000, 1, 0x8000 | P | RW | US, P | RW | US);
	regs.cr4 |= CR4_SMAP;
	expect_result(0x6000, R, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	regs.rflags = 1ull << 18; /* AC */
	expect_page(0x6000, R | W, 0x8);
	expect_result(0x6000, R | HV_TRANSLATE_GVA_ENFORCE_SMAP,
		      HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	regs.rflags = 0;
	expect_page(0x6000, R | HV_TRANSLATE_GVA_OVERRIDE_SMAP, 0x8);
	expect_page(0x6000, 0, 0x8); /* no access asked: no check */
	expect_page(0x6000, R | HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT, 0x8);
}

Test(gva, accessed_and_dirty)
{
	uint64_t root = new_table();
	uint64_t leaf;

	long_mode(root, false);
	leaf = map_long(root, 4, 0x7000, 1, 0x9000 | P | RW, P | RW);
	expect_page(0x7000, R | W, 0x9);
	cr_expect_eq(get64(leaf) & (A | D), 0, "bits set only when asked");
	expect_page(0x7000, R | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS, 0x9);
	cr_expect_eq(get64(leaf) & (A | D), A, "read: accessed, not dirty");
	cr_expect_eq(get64(root) & A, A, "every level accessed");
	expect_page(0x7000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS, 0x9);
	cr_expect_eq(get64(leaf) & (A | D), A | D);
	/* Nothing is set on a failed check. */
	leaf = map_long(root, 4, 0x8000, 1, 0xA000 | P, P | RW);
	expect_result(0x8000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS,
		      HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	cr_expect_eq(get64(leaf) & A, 0);
}

Test(gva, unmapped_guest_physical)
{
	uint64_t root = new_table();

	long_mode(root, false);
	map_long(root, 4, 0x7000, 1, 0x9000 | P, P);
	hole = root;
	expect_result(0x7000, R, HV_TRANSLATE_GVA_GPA_UNMAPPED);
	cr_expect_eq(out.translation_result.event_info.reg_0.low, 0, "an intercept, not a #PF");
	hole = 0x9000;
	expect_result(0x7000, R, HV_TRANSLATE_GVA_GPA_UNMAPPED);
	map_long(root, 4, 0x8000, 1, 0x40000000ull | P, P);
	expect_result(0x8000, R, HV_TRANSLATE_GVA_GPA_UNMAPPED);
}

Test(gva, pae)
{
	uint64_t pdpt = new_table(), pd = new_table(), pt = new_table();

	regs.cr0 = CR0_PG | 1;
	regs.cr4 = CR4_PAE;
	regs.efer = EFER_NXE;
	regs.cr3 = pdpt;
	put64(pdpt + 3 * 8, pd | P);
	put64(pd + 0 * 8, pt | P | RW | US);
	put64(pt + 5 * 8, XD | 0x123000 | P | RW);
	put64(pd + 1 * 8, 0xA00000 | P | PS | US);
	expect_page(0xC0005000, R | W, 0x123);
	expect_result(0xC0005000, X, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	expect_page(0xC0200000 + 0x4000, R, 0xA04);
	expect_result(0x00005000, R, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	/* PDPTE bits 2:1 are reserved (no R/W or U/S at that level). */
	put64(pdpt + 3 * 8, pd | P | RW);
	expect_result(0xC0005000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	cr_expect_eq(translate(0x100000000ull, R), HV_STATUS_INVALID_PARAMETER);
}

Test(gva, legacy_32bit_and_pse)
{
	uint64_t pd = new_table(), pt = new_table();

	regs.cr0 = CR0_PG | CR0_WP | 1;
	regs.cr3 = pd;
	put32(pd + 1 * 4, (uint32_t)(pt | P | RW));
	put32(pt + 2 * 4, 0x345000 | P | RW);
	put32(pd + 2 * 4, 0x800000 | P | PS);
	expect_page(0x402000, R | W, 0x345);
	/* Without CR4.PSE, PS means nothing: the PDE points to a table. */
	expect_result(0x800000, R, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	regs.cr4 = CR4_PSE;
	expect_page(0x800000 + 0x3F000, R, 0x83F);
	expect_result(0x800000, W, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	/* PSE-36: PDE bits 20:13 are address bits 39:32. */
	put32(pd + 3 * 4, 0x000000 | (1u << 13) | P | PS);
	regs.maxphyaddr = 36;
	expect_result(0xC00000, R, HV_TRANSLATE_GVA_GPA_UNMAPPED); /* 4 GiB: not RAM here */
	put32(pd + 3 * 4, (1u << 17) | P | PS); /* address bit 36 >= MAXPHYADDR */
	expect_result(0xC00000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	put32(pd + 3 * 4, (1u << 21) | P | PS); /* bit 21 is always reserved */
	expect_result(0xC00000, R, HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
}

Test(gva, invalid_requests)
{
	uint64_t root = new_table();

	long_mode(root, false);
	cr_expect_eq(translate(0x1000, HV_TRANSLATE_GVA_SHADOW_STACK), HV_STATUS_INVALID_PARAMETER);
	cr_expect_eq(translate(0x1000, 1ull << 20), HV_STATUS_INVALID_PARAMETER, "reserved bit");
	regs.maxphyaddr = 60;
	cr_expect_eq(translate(0x1000, R), HV_STATUS_INVALID_PARAMETER);
}

static void race_store(uint64_t gpa)
{
	if (gpa != race_gpa)
		return;
	race_reads++;
	if (race_times > 0) {
		race_times--;
		put64(race_gpa, race_value);
		race_value ^= race_toggle;
	}
}

static void race_store32(uint64_t gpa)
{
	if (gpa != race_gpa || race_times <= 0)
		return;
	race_times--;
	put32(race_gpa, (uint32_t)race_value);
}

/* A guest unmapping a page while the VMM translates an address in it: the
 * A/D update must not bring the mapping back (it did with a plain store of
 * the whole entry), and the translation sees the unmapping. */
Test(gva, race_unmap_is_not_reverted)
{
	uint64_t root = new_table();

	long_mode(root, false);
	race_gpa = map_long(root, 4, 0x7000, 1, 0x9000 | P | RW, P | RW);
	race_value = 0;
	race_times = 1;
	after_read = race_store;
	expect_result(0x7000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS,
		      HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	cr_expect_eq(get64(race_gpa), 0, "unmapped entry resurrected: %#llx",
		     (unsigned long long)get64(race_gpa));
}

/* A remap in the window: the translation is of the new entry, and A/D land
 * on the new entry, not on a copy of the old one. */
Test(gva, race_remap_translates_the_new_entry)
{
	uint64_t root = new_table();

	long_mode(root, false);
	race_gpa = map_long(root, 4, 0x7000, 1, 0x9000 | P | RW, P | RW);
	race_value = 0xB000 | P | RW;
	race_times = 1;
	after_read = race_store;
	expect_page(0x7000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS, 0xB);
	cr_expect_eq(get64(race_gpa), 0xB000 | P | RW | A | D);
}

/* A change one level up (the page table itself replaced by a not-present
 * entry) between the read and the update. */
Test(gva, race_on_an_upper_level)
{
	uint64_t root = new_table();
	uint64_t pml4e;

	long_mode(root, false);
	map_long(root, 4, 0x7000, 1, 0x9000 | P | RW, P | RW);
	pml4e = get64(root);
	race_gpa = root;
	race_value = pml4e & ~P;
	race_times = 1;
	after_read = race_store;
	expect_result(0x7000, R | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS,
		      HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	cr_expect_eq(get64(root), pml4e & ~P, "PML4E restored: %#llx",
		     (unsigned long long)get64(root));
}

/* Another CPU setting A (or the guest clearing A/D) in the window changes no
 * translation: the update is redone on the new value, nothing is lost. */
Test(gva, race_on_accessed_dirty_only)
{
	uint64_t root = new_table();

	long_mode(root, false);
	race_gpa = map_long(root, 4, 0x7000, 1, 0x9000 | P | RW | 0x600, P | RW);
	race_value = 0x9000 | P | RW | 0x600 | A;
	race_times = 1;
	after_read = race_store;
	expect_page(0x7000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS, 0x9);
	cr_expect_eq(get64(race_gpa), 0x9000 | P | RW | 0x600 | A | D);
}

/* 32-bit paging: 4-byte entries, the same rule. */
Test(gva, race_unmap_32bit)
{
	uint64_t pd = new_table(), pt = new_table();

	regs.cr0 = CR0_PG | 1;
	regs.cr3 = pd;
	put32(pd, (uint32_t)(pt | P | RW));
	put32(pt + 5 * 4, 0x123000 | P | RW);
	race_gpa = pt + 5 * 4;
	race_value = 0;
	race_times = 1;
	after_read = race_store32;
	expect_result(0x5000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS,
		      HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	cr_expect_eq(get64(pt + 5 * 4) & 0xFFFFFFFF, 0);
	cr_expect_eq(get64(pd) & 0xFFFFFFFF, pt | P | RW | A, "the PDE was accessed");
}

/* A guest that rewrites the entry after every read cannot keep the walker
 * busy: after a bounded number of walks the call fails with
 * HV_STATUS_OPERATION_DENIED and has written nothing but A bits. */
Test(gva, race_forever_is_bounded)
{
	uint64_t root = new_table();

	long_mode(root, false);
	race_gpa = map_long(root, 4, 0x7000, 1, 0x9000 | P | RW, P | RW);
	race_value = 0xB000 | P | RW;
	race_toggle = 0x2000; /* 0xB000, 0x9000, 0xB000, ... */
	race_times = 1000;
	after_read = race_store;
	cr_expect_eq(translate(0x7000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS),
		     HV_STATUS_OPERATION_DENIED);
	cr_expect_lt(race_reads, 40, "%d walks", race_reads);
	cr_expect_eq(get64(race_gpa) & ~0x2000ull, 0x9000 | P | RW, "%#llx",
		     (unsigned long long)get64(race_gpa));
	cr_expect_eq(out.gpa_page, 0);
}

/*
 * Real threads: a "vCPU" thread keeps unmapping and remapping the page with
 * atomic exchanges while the walker translates it with SET_PAGE_TABLE_BITS.
 * Every exchange must find what the thread stored last, plus at most A and
 * D: anything else is an entry the walker wrote back from a stale read.
 */
struct racer {
	uint64_t *entry;
	atomic_bool stop;
	atomic_ulong swaps;
	unsigned long stale;
};

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	const uint64_t values[2] = {0, 0x9000 | P | RW};
	uint64_t last = 0x9000 | P | RW;

	for (unsigned long n = 0; !atomic_load(&r->stop); n++) {
		uint64_t next = values[n & 1];
		uint64_t found = __atomic_exchange_n(r->entry, next, __ATOMIC_SEQ_CST);

		if ((found & ~(A | D)) != last)
			r->stale++;
		last = next;
		atomic_store(&r->swaps, n + 1);
	}
	return NULL;
}

Test(gva, race_with_a_vcpu_thread)
{
	uint64_t root = new_table();
	struct racer r = {0};
	pthread_t thread;
	unsigned long ok = 0, absent = 0, denied = 0;

	long_mode(root, false);
	r.entry = (uint64_t *)(ram + map_long(root, 4, 0x7000, 1, 0x9000 | P | RW, P | RW));
	cr_assert_eq(pthread_create(&thread, NULL, racer_thread, &r), 0);
	/* Until both sides have done plenty: the thread may start late. */
	for (int i = 0; i < 20000 || atomic_load(&r.swaps) < 100000; i++) {
		hv_status_t status = translate(0x7000, W | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS);

		if (status == HV_STATUS_OPERATION_DENIED) {
			denied++;
			continue;
		}
		cr_assert_eq(status, HV_STATUS_SUCCESS);
		if (result() == HV_TRANSLATE_GVA_SUCCESS) {
			cr_assert_eq(out.gpa_page, 0x9);
			ok++;
		} else {
			cr_assert_eq(result(), HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
			absent++;
		}
	}
	atomic_store(&r.stop, true);
	pthread_join(thread, NULL);
	cr_expect_eq(r.stale, 0, "%lu of %lu exchanges found a reverted entry (%lu/%lu/%lu)",
		     r.stale, (unsigned long)r.swaps, ok, absent, denied);
}
