// SPDX-License-Identifier: MIT
#include <string.h>

#include "handoff.h"
#include "serial.h"

#define ULL(x) ((unsigned long long)(x))

/* handoff.h: nodes at an 8-aligned offset, APIC IDs at a 4-aligned one;
 * the header's 72 bytes and the 48-byte node records keep both 8-aligned. */
#define NODES_OFFSET ((uint32_t)sizeof(struct sidecar_handoff))
_Static_assert(sizeof(struct sidecar_handoff) % 8 == 0, "nodes_offset must be 8-aligned");
_Static_assert(sizeof(struct sidecar_handoff_node) % 8 == 0, "apic_ids_offset alignment");

uint64_t handoff_size(uint32_t node_count, uint32_t vp_count)
{
	return NODES_OFFSET + (uint64_t)node_count * sizeof(struct sidecar_handoff_node) +
	       (uint64_t)vp_count * sizeof(uint32_t);
}

void handoff_write(struct sidecar_handoff *h, const struct shim_boot *b,
		   const struct handoff_ranges *r)
{
	uint32_t node_count = b->plan->node_count;
	uint32_t vp_count = (uint32_t)b->topo->cpu_count;
	struct sidecar_handoff_node *nodes;
	uint32_t *apic_ids;

	memset(h, 0, handoff_size(node_count, vp_count));
	h->magic = SIDECAR_HANDOFF_MAGIC;
	h->version = SIDECAR_HANDOFF_VERSION;
	h->size = (uint32_t)handoff_size(node_count, vp_count);
	h->node_count = node_count;
	h->vp_count = vp_count;
	h->nodes_offset = NODES_OFFSET;
	h->apic_ids_offset = NODES_OFFSET + node_count * (uint32_t)sizeof(*nodes);
	h->image_base = r->image_base;
	h->image_size = r->image_size;
	h->guest_memory_base = r->guest_base;
	h->guest_memory_size = r->guest_size;
	h->flags = 0;

	nodes = (struct sidecar_handoff_node *)((char *)h + h->nodes_offset);
	for (uint32_t i = 0; i < node_count; i++) {
		nodes[i] = (struct sidecar_handoff_node){
			.memory_base = b->params->nodes[i].memory_base,
			.memory_size = b->params->nodes[i].memory_size,
			.control_page = b->output->nodes[i].control_page,
			.shmem_pages_base = b->output->nodes[i].shmem_pages_base,
			.shmem_pages_size = b->output->nodes[i].shmem_pages_size,
			.base_vp = b->params->nodes[i].base_vp,
			.vp_count = b->params->nodes[i].vp_count,
		};
	}
	apic_ids = (uint32_t *)((char *)h + h->apic_ids_offset);
	for (uint32_t vp = 0; vp < vp_count; vp++)
		apic_ids[vp] = b->topo->cpus[vp].apic_id;
}

void handoff_print(const struct sidecar_handoff *h, uint64_t pa)
{
	const struct sidecar_handoff_node *nodes =
		(const struct sidecar_handoff_node *)((const char *)h + h->nodes_offset);

	shim_print("handoff block at %#llx: %u bytes, version %u, %u nodes, %u VPs\n", ULL(pa),
		   h->size, h->version, h->node_count, h->vp_count);
	shim_print("  image [%#llx, %#llx), guest memory [%#llx, %#llx)\n", ULL(h->image_base),
		   ULL(h->image_base + h->image_size), ULL(h->guest_memory_base),
		   ULL(h->guest_memory_base + h->guest_memory_size));
	for (uint32_t i = 0; i < h->node_count; i++)
		shim_print("  node %u: VPs %u..%u, memory [%#llx, %#llx), control page %#llx, "
			   "shared pages [%#llx, %#llx)\n",
			   i, nodes[i].base_vp, nodes[i].base_vp + nodes[i].vp_count - 1,
			   ULL(nodes[i].memory_base),
			   ULL(nodes[i].memory_base + nodes[i].memory_size),
			   ULL(nodes[i].control_page), ULL(nodes[i].shmem_pages_base),
			   ULL(nodes[i].shmem_pages_base + nodes[i].shmem_pages_size));
}
