/* SPDX-License-Identifier: MIT */
/*
 * The handoff block (abi/include/sidecar/handoff.h): what the Linux driver
 * learns about the sidecar the shim started. Written after sidecar_entry()
 * returned, in pages the shim allocated before planning (so the planner
 * kept node memory away from them) and that the e820 map reserves.
 */
#ifndef SHIM_HANDOFF_H
#define SHIM_HANDOFF_H

#include <stdint.h>

#include <sidecar/handoff.h>

#include "shim.h"

/* Bytes of the block for `node_count` nodes and `vp_count` VPs. */
uint64_t handoff_size(uint32_t node_count, uint32_t vp_count);

struct handoff_ranges {
	uint64_t image_base, image_size;
	uint64_t guest_base, guest_size;
};

/* Fills the block at `h` (at least handoff_size() bytes) from the plan,
 * the kernel's output and the topology. */
void handoff_write(struct sidecar_handoff *h, const struct shim_boot *b,
		   const struct handoff_ranges *r);

/* One line per node and the totals, on COM1. */
void handoff_print(const struct sidecar_handoff *h, uint64_t pa);

#endif /* SHIM_HANDOFF_H */
