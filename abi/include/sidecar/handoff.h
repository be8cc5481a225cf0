/* SPDX-License-Identifier: MIT */
/*
 * The handoff block: what the boot loader tells the Linux driver about the
 * sidecar it started (ours; versioned like the boot extensions). The loader
 * places it in memory the e820 map marks reserved, page aligned, and passes
 * its physical address on the kernel command line as
 *
 *     sidecar.handoff=0x<address>
 *
 * (modprobe hands that to sidecar.ko as its `handoff` parameter; with
 * insmod, pass handoff=0x<address> yourself).
 *
 * Layout: the header, then node_count struct sidecar_handoff_node at
 * nodes_offset, then vp_count APIC IDs (uint32_t) at apic_ids_offset, all
 * within `size` bytes. Every address it names (node memory, the sidecar
 * image, guest memory, the block itself) is reserved in the e820 map.
 */
#ifndef SIDECAR_HANDOFF_H
#define SIDECAR_HANDOFF_H

#include "abi_base.h"
#include "params.h"

SIDECAR_EXTERN_C_BEGIN

/* "SCHANDF1" as little-endian bytes. */
#define SIDECAR_HANDOFF_MAGIC	0x3146444E41484353ull
#define SIDECAR_HANDOFF_VERSION 1u

struct sidecar_handoff_node {
	/* The node's reserved memory (sidecar_params.nodes[i]). */
	uint64_t memory_base;
	uint64_t memory_size;
	/* sidecar_output.nodes[i]. */
	uint64_t control_page;
	uint64_t shmem_pages_base;
	uint64_t shmem_pages_size;
	uint32_t base_vp;
	uint32_t vp_count;
};
SIDECAR_ASSERT_SIZE(struct sidecar_handoff_node, 48);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff_node, control_page, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff_node, base_vp, 40);

struct sidecar_handoff {
	uint64_t magic;		  /* SIDECAR_HANDOFF_MAGIC */
	uint32_t version;	  /* SIDECAR_HANDOFF_VERSION */
	uint32_t size;		  /* bytes of the whole block */
	uint32_t node_count;	  /* 1..SIDECAR_MAX_NODES */
	uint32_t vp_count;	  /* entries in the APIC ID list, indexed by VP */
	uint32_t nodes_offset;	  /* from the start of the block, 8-aligned */
	uint32_t apic_ids_offset; /* from the start of the block, 4-aligned */
	/* The loaded sidecar image (informational; reserved). */
	uint64_t image_base;
	uint64_t image_size;
	/* Guest RAM for the VP backend: guest-physical 0..size maps to
	 * [base, base + size); 0 when there is none. */
	uint64_t guest_memory_base;
	uint64_t guest_memory_size;
	uint64_t flags; /* none defined: must be 0 */
};
SIDECAR_ASSERT_SIZE(struct sidecar_handoff, 72);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff, node_count, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff, nodes_offset, 24);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff, image_base, 32);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff, guest_memory_base, 48);
SIDECAR_ASSERT_OFFSET(struct sidecar_handoff, flags, 64);

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_HANDOFF_H */
