// SPDX-License-Identifier: MIT
/*
 * 4-level paging with 2 MiB pages (SDM Vol. 3A 5.5): PML4[0] -> one PDPT,
 * each PDPT entry -> a page directory of 512 2-MiB entries (PS = 1).
 */
#include "paging.h"
#include "phys_alloc.h"
#include "x86.h"

#define PTE_P	      (1ull << 0)
#define PTE_RW	      (1ull << 1)
#define PTE_PWT	      (1ull << 3)
#define PTE_PCD	      (1ull << 4)
#define PTE_PS	      (1ull << 7)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define ONE_GIB	      (1ull << 30)
#define TWO_MIB	      (1ull << 21)

/* entry.asm's tables. */
extern uint64_t boot_pml4[512];
extern uint64_t boot_pdpt[512];
extern uint64_t boot_pd[4 * 512];

static uint64_t mapped_end = FOUR_GIB;

bool paging_extend(uint64_t end)
{
	if (end > PAGING_MAX_END)
		end = PAGING_MAX_END;
	while (mapped_end < end) {
		uint64_t gib = mapped_end / ONE_GIB;
		uint64_t pd_pa = phys_alloc(PAGE_SIZE, PAGE_SIZE, FOUR_GIB, "page directory");
		uint64_t *pd = (uint64_t *)(uintptr_t)pd_pa;

		if (!pd_pa)
			return false;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (mapped_end + i * TWO_MIB) | PTE_P | PTE_RW | PTE_PS;
		/* A not-present entry becoming present needs no TLB flush
		 * (SDM Vol. 3A 5.10.4.3). */
		boot_pdpt[gib] = pd_pa | PTE_P | PTE_RW;
		mapped_end += ONE_GIB;
	}
	return true;
}

uint64_t paging_mapped_end(void)
{
	return mapped_end;
}

bool paging_is_mapped(uint64_t start, uint64_t size)
{
	return start + size >= start && start + size <= mapped_end;
}

void paging_set_uncached(uint64_t pa)
{
	uint64_t *pd;

	if (!paging_is_mapped(pa, 1))
		return;
	pd = (uint64_t *)(uintptr_t)(boot_pdpt[pa / ONE_GIB] & PTE_ADDR_MASK);
	/* PCD | PWT with the PAT bit clear select PAT entry 3, which is UC
	 * at reset (SDM Vol. 3A 12.12.3). */
	pd[(pa % ONE_GIB) / TWO_MIB] |= PTE_PCD | PTE_PWT;
	invlpg(pa & ~(TWO_MIB - 1));
}
