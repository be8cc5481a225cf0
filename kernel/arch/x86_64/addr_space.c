// SPDX-License-Identifier: MIT
/*
 * Per-CPU address spaces (layout in kernel.h) and the temporary mappings a
 * CPU uses to reach physical memory it does not map permanently: the
 * loader's params and output, other nodes' control pages, and the pages of
 * CPUs it is about to start.
 */
#include <string.h>

#include "cpu.h"
#include "kernel.h"

static uint64_t *this_pt(void)
{
	return slot_va(SLOT_PT_SELF);
}

void map_slot(unsigned int slot, uint64_t pa, uint64_t flags)
{
	this_pt()[slot] = pa ? (pa & PTE_ADDR_MASK) | flags : 0;
	invlpg((uintptr_t)slot_va(slot));
}

/*
 * Maps [pa, pa + size) at temporary slots index.. (as many as it spans)
 * and returns the address of pa. Temporary slots are this CPU's own, so no
 * lock is needed; callers use distinct indexes for simultaneous mappings.
 */
void *temp_map(unsigned int index, uint64_t pa, uint64_t size)
{
	uint64_t first = pa & PTE_ADDR_MASK;
	uint64_t pages = (pa + size - first + SIDECAR_PAGE_SIZE - 1) / SIDECAR_PAGE_SIZE;

	if (size == 0 || index + pages > SLOT_TEMP_COUNT)
		return NULL;
	for (uint64_t i = 0; i < pages; i++)
		map_slot(SLOT_TEMP + index + (unsigned int)i, first + i * SIDECAR_PAGE_SIZE,
			 PTE_P | PTE_RW | PTE_NX);
	return (char *)slot_va(SLOT_TEMP + index) + (pa - first);
}

void temp_unmap(unsigned int index, uint64_t pa, uint64_t size)
{
	uint64_t first = pa & PTE_ADDR_MASK;
	uint64_t pages = (pa + size - first + SIDECAR_PAGE_SIZE - 1) / SIDECAR_PAGE_SIZE;

	for (uint64_t i = 0; i < pages && index + i < SLOT_TEMP_COUNT; i++)
		map_slot(SLOT_TEMP + index + (unsigned int)i, 0, 0);
}

/* The TEMP_BUILD slots, while building another CPU's tables. */
enum {
	TEMP_PML4 = TEMP_BUILD,
	TEMP_PDPT,
	TEMP_PD,
	TEMP_PT,
	TEMP_GLOBALS,
};

/*
 * Builds the page tables and globals of CPU `cpu` of node `node` in that
 * CPU's private pages (vp_pages.h) and returns its CR3. The tables map what
 * kernel.h's layout lists and nothing else; data is never executable.
 */
bool build_cpu_tables(uint32_t node, uint32_t cpu, uint64_t *cr3)
{
	const struct node_state *n = &sk_boot.nodes[node];
	const uint64_t data = PTE_P | PTE_RW | PTE_NX;
	uint64_t page[SIDECAR_PER_VP_PAGES];
	uint64_t command = n->memory_base + sidecar_command_page_offset(cpu);
	uint64_t *pml4, *pdpt, *pd, *pt;
	struct percpu *g;

	for (uint32_t i = 0; i < SIDECAR_PER_VP_PAGES; i++)
		page[i] = n->memory_base + sidecar_vp_page_offset(n->vp_count, cpu, i);

	pml4 = temp_map(TEMP_PML4, page[SIDECAR_VP_PAGE_PML4], SIDECAR_PAGE_SIZE);
	pdpt = temp_map(TEMP_PDPT, page[SIDECAR_VP_PAGE_PDPT], SIDECAR_PAGE_SIZE);
	pd = temp_map(TEMP_PD, page[SIDECAR_VP_PAGE_PD], SIDECAR_PAGE_SIZE);
	pt = temp_map(TEMP_PT, page[SIDECAR_VP_PAGE_PT], SIDECAR_PAGE_SIZE);
	g = temp_map(TEMP_GLOBALS, page[SIDECAR_VP_PAGE_GLOBALS], SIDECAR_PAGE_SIZE);
	if (!pml4 || !pdpt || !pd || !pt || !g)
		return false;

	memset(pml4, 0, SIDECAR_PAGE_SIZE);
	memset(pdpt, 0, SIDECAR_PAGE_SIZE);
	memset(pd, 0, SIDECAR_PAGE_SIZE);
	memset(pt, 0, SIDECAR_PAGE_SIZE);
	memset(g, 0, SIDECAR_PAGE_SIZE);

	pml4[511] = page[SIDECAR_VP_PAGE_PDPT] | PTE_P | PTE_RW;
	pdpt[0] = page[SIDECAR_VP_PAGE_PD] | PTE_P | PTE_RW;
	pd[0] = sk_boot.image_pt_pa | PTE_P | PTE_RW;
	pd[1] = page[SIDECAR_VP_PAGE_PT] | PTE_P | PTE_RW;

	pt[SLOT_PT_SELF] = page[SIDECAR_VP_PAGE_PT] | data;
	pt[SLOT_GLOBALS] = page[SIDECAR_VP_PAGE_GLOBALS] | data;
	pt[SLOT_COMMAND] = command | data;
	pt[SLOT_REGISTER] = (command + SIDECAR_PAGE_SIZE) | data;
	pt[SLOT_CONTROL] = n->memory_base | data;
	if (!sk_boot.x2apic)
		pt[SLOT_APIC] = sk_boot.apic_base_pa | data | PTE_PCD | PTE_PWT;
	for (uint32_t i = 0; i < SK_VP_BACKEND_PAGES; i++)
		pt[SLOT_BACKEND + i] = page[SIDECAR_VP_PAGE_BACKEND + i] | data;
	for (uint32_t i = 0; i < SIDECAR_STACK_PAGES; i++)
		pt[SLOT_STACK + i] = page[SIDECAR_VP_PAGE_STACK + i] | data;

	g->vp_index = n->base_vp + cpu;
	g->node = node;
	g->index_in_node = cpu;
	g->ap = n->first_ap + cpu;
	g->apic_id = sk_boot.apic_ids[g->vp_index];
	g->x2apic = sk_boot.x2apic;
	for (uint32_t i = 0; i < SK_VP_BACKEND_PAGES; i++)
		g->backend_pages.pa[i] = page[SIDECAR_VP_PAGE_BACKEND + i];
	g->backend_pages.va = slot_va(SLOT_BACKEND);

	for (unsigned int i = TEMP_PML4; i <= TEMP_GLOBALS; i++)
		map_slot(SLOT_TEMP + i, 0, 0);
	*cr3 = page[SIDECAR_VP_PAGE_PML4];
	return true;
}
