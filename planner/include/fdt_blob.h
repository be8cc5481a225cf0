/* SPDX-License-Identifier: MIT */
/*
 * The check every flattened device tree passes before libfdt reads it.
 *
 * libfdt 1.6.1 (Debian 12's, and what the boot shim links) trusts parts of
 * a blob that come from outside: fdt_check_full() dereferences NULL on a
 * header version below 16, fdt_next_tag() overflows a signed offset on a
 * property length near 2^31, and a reserve map or structure block that is
 * not naturally aligned makes it load misaligned words. This check reads
 * the blob with byte loads only and accepts exactly the trees that the
 * readers after it can take: a version 17 header whose blocks lie inside
 * the blob, aligned and disjoint, a terminated reserve map, and a
 * structure block whose every token is in bounds.
 */
#ifndef SIDECAR_PLANNER_FDT_BLOB_H
#define SIDECAR_PLANNER_FDT_BLOB_H

#include <stdbool.h>
#include <stddef.h>

/* The size of a version 17 header (Devicetree Specification v0.4, 5.2). */
#define SIDECAR_FDT_HEADER_SIZE 40u

/* Byte offsets of the header's big-endian words (same section); the
 * magic is at 0. */
enum sidecar_fdt_header_field {
	SIDECAR_FDT_HDR_TOTALSIZE = 4,
	SIDECAR_FDT_HDR_OFF_STRUCT = 8,
	SIDECAR_FDT_HDR_OFF_STRINGS = 12,
	SIDECAR_FDT_HDR_OFF_RSVMAP = 16,
	SIDECAR_FDT_HDR_VERSION = 20,
	SIDECAR_FDT_HDR_LAST_COMP = 24,
	SIDECAR_FDT_HDR_SIZE_STRINGS = 32,
	SIDECAR_FDT_HDR_SIZE_STRUCT = 36,
};

/*
 * Checks `size` bytes at `blob`. Returns true, or false with a one-line
 * reason (no newline) in `why`.
 */
bool sidecar_fdt_blob_check(const void *blob, size_t size, char *why, size_t why_size);

#endif /* SIDECAR_PLANNER_FDT_BLOB_H */
