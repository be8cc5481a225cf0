// SPDX-License-Identifier: MIT
/*
 * The first C code of sidecar_entry(), called from entry.asm while still
 * running at the load address under the loader's page tables.
 *
 * Rules for this file: it runs before relocation is complete and before the
 * image is mapped at SK_IMAGE_VA, so it may only use its arguments, locals
 * and RIP-relative addresses of symbols (which are physical here). It must
 * not follow a pointer stored in data (those hold SK_IMAGE_VA addresses
 * once relocated) nor call into other files.
 */
#include <stdint.h>

#include "kernel.h"

#define R_X86_64_RELATIVE 8

struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t r_addend;
};

/* Linker-script symbols (sidecar.ld). */
extern const struct elf64_rela __rela_start[], __rela_end[];
extern char __image_start[], __text_start[], __rodata_start[], __data_start[], __image_end[];

/* The boot page tables, in .bss: used by the BSP during sidecar_entry()
 * and by APs on their way from the trampoline to their own tables. */
static uint64_t boot_pml4[512] __attribute__((aligned(4096)));
static uint64_t boot_pdpt[512] __attribute__((aligned(4096)));
static uint64_t boot_pd[512] __attribute__((aligned(4096)));
static uint64_t image_pt[512] __attribute__((aligned(4096)));
static uint64_t bsp_pt[512] __attribute__((aligned(4096)));
static uint64_t ident_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ident_pd[4][512] __attribute__((aligned(4096)));
/* The BSP's globals page and stack (its own are in the loader's hands). */
static char bsp_globals[SIDECAR_PAGE_SIZE] __attribute__((aligned(4096)));
static char bsp_stack[SIDECAR_STACK_PAGES][SIDECAR_PAGE_SIZE] __attribute__((aligned(4096)));

static void zero_page(uint64_t *page)
{
	for (int i = 0; i < 512; i++)
		page[i] = 0;
}

/*
 * Applies the image's relocations for SK_IMAGE_VA and builds the boot page
 * tables. Returns the physical address of the boot PML4, or 0 if the image
 * holds a relocation it cannot apply (the build checks there is none).
 */
uint64_t early_setup(uint64_t image_pa);

uint64_t early_setup(uint64_t image_pa)
{
	uint64_t text = (uint64_t)(__text_start - __image_start);
	uint64_t rodata = (uint64_t)(__rodata_start - __image_start);
	uint64_t data = (uint64_t)(__data_start - __image_start);
	uint64_t size = (uint64_t)(__image_end - __image_start);

	/* Static-PIE linked at 0: every absolute address in the image is a
	 * RELATIVE relocation whose value is base + addend. Writing (not
	 * adding) keeps this idempotent. */
	for (const struct elf64_rela *r = __rela_start; r < __rela_end; r++) {
		if ((r->r_info & 0xFFFFFFFF) != R_X86_64_RELATIVE)
			return 0;
		*(uint64_t *)(image_pa + r->r_offset) = SK_IMAGE_VA + (uint64_t)r->r_addend;
	}

	zero_page(boot_pml4);
	zero_page(boot_pdpt);
	zero_page(boot_pd);
	zero_page(image_pt);
	zero_page(bsp_pt);
	zero_page(ident_pdpt);

	/* The image, page by page, with the permissions of its sections:
	 * text read-only executable, rodata read-only, data and bss
	 * writable, never executable (W^X). */
	for (uint64_t off = 0; off < size; off += SIDECAR_PAGE_SIZE) {
		uint64_t pte = (image_pa + off) | PTE_P;

		if (off >= rodata || off < text)
			pte |= PTE_NX;
		if (off >= data)
			pte |= PTE_RW;
		image_pt[off / SIDECAR_PAGE_SIZE] = pte;
	}

	/* The BSP's window: its page table at slot 0, globals, stack. */
	bsp_pt[SLOT_PT_SELF] = (uint64_t)(uintptr_t)bsp_pt | PTE_P | PTE_RW | PTE_NX;
	bsp_pt[SLOT_GLOBALS] = (uint64_t)(uintptr_t)bsp_globals | PTE_P | PTE_RW | PTE_NX;
	for (int i = 0; i < SIDECAR_STACK_PAGES; i++)
		bsp_pt[SLOT_STACK + i] =
			(uint64_t)(uintptr_t)bsp_stack[i] | PTE_P | PTE_RW | PTE_NX;

	boot_pd[0] = (uint64_t)(uintptr_t)image_pt | PTE_P | PTE_RW;
	boot_pd[1] = (uint64_t)(uintptr_t)bsp_pt | PTE_P | PTE_RW;
	boot_pdpt[0] = (uint64_t)(uintptr_t)boot_pd | PTE_P | PTE_RW;
	boot_pml4[511] = (uint64_t)(uintptr_t)boot_pdpt | PTE_P | PTE_RW;

	/* The low 4 GiB identity-mapped with 2 MiB pages, executable: the
	 * entry and return paths run at the load address, and APs come
	 * through the trampoline page, both below 4 GiB. */
	for (int g = 0; g < 4; g++) {
		for (int i = 0; i < 512; i++)
			ident_pd[g][i] = (((uint64_t)g << 30) + ((uint64_t)i << 21)) | PTE_P |
					 PTE_RW | PTE_PS;
		ident_pdpt[g] = (uint64_t)(uintptr_t)ident_pd[g] | PTE_P | PTE_RW;
	}
	boot_pml4[0] = (uint64_t)(uintptr_t)ident_pdpt | PTE_P | PTE_RW;

	/* Physical addresses the BSP needs later, when symbols resolve to
	 * SK_IMAGE_VA addresses. (Storing to data is fine here: it is the
	 * same memory under both mappings.) */
	sk_boot.image_pa = image_pa;
	sk_boot.image_pt_pa = (uint64_t)(uintptr_t)image_pt;
	sk_boot.boot_pml4_pa = (uint64_t)(uintptr_t)boot_pml4;
	return (uint64_t)(uintptr_t)boot_pml4;
}
