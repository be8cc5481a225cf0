/* SPDX-License-Identifier: MIT */
/*
 * The e820 memory map Linux gets: the firmware's map as the multiboot
 * loader passed it, with the ranges that must outlive the shim (sidecar
 * image, node memory, handoff block, guest memory) turned into
 * E820_TYPE_RESERVED so that Linux never allocates them. Everything else
 * keeps the firmware's type: the shim's own memory and the modules become
 * ordinary RAM again once Linux runs, and the firmware's reservations
 * (EBDA, BIOS area, ACPI tables) stay reserved.
 */
#ifndef SHIM_E820_H
#define SHIM_E820_H

#include <stdbool.h>
#include <stddef.h>

#include <sidecar/params.h>

#include "linux_bootparams.h"
#include "multiboot.h"

/* Reserved ranges the shim adds: image, handoff, guest memory, nodes. */
#define E820_MAX_RESERVE (SIDECAR_MAX_NODES + 8)
/* Each reserved range splits at most one entry in three. */
#define E820_MAX_ENTRIES (MB_MAX_MMAP + 2 * E820_MAX_RESERVE)

/*
 * Writes the sorted, non-overlapping map into out[0..max) and returns the
 * number of entries; 0 with a reason in `why` if it needs more than `max`
 * or a reserved range is not entirely RAM in the firmware's map.
 *
 * Where firmware entries overlap, a type other than RAM wins over RAM and
 * the larger type value wins among the others, so the result does not
 * depend on the entries' order. Touching entries of one type are merged.
 */
size_t e820_build(const struct mb_mmap_entry *mmap, size_t mmap_count,
		  const struct mb_range *reserve, size_t reserve_count,
		  struct linux_e820_entry *out, size_t max, char *why, size_t why_size);

const char *e820_type_name(uint32_t type);

#endif /* SHIM_E820_H */
