// SPDX-License-Identifier: MIT
/*
 * The flattened device tree check that runs before any libfdt call
 * (fdt_blob.h says why). The layout is the Devicetree Specification's
 * (v0.4, chapter 5): a header (5.2), a memory reservation block of
 * 16-byte (address, size) entries ended by a zero size (5.3), a structure
 * block of 4-byte aligned tokens (5.4) and a strings block (5.5).
 *
 * Every value is read with byte loads from inside the blob, and every sum
 * is done in 64 bits on 32-bit operands, so nothing here can overflow or
 * read out of bounds whatever the bytes say.
 */
#include <stdint.h>

#include "fdt_blob.h"
#include "sc_format.h"

#define FDT_MAGIC 0xd00dfeedu
/* libfdt 1.6.1 reads versions 16 and 17 (FDT_LAST_SUPPORTED_VERSION 0x11);
 * only 17 has size_dt_struct, without which the structure block has no
 * end to check against. */
#define FDT_VERSION 17u

#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP	       4u
#define FDT_END	       9u

#define RSV_ENTRY_SIZE 16u

/* libfdt keeps offsets in an int and refuses a totalsize of INT32_MAX. */
#define FDT_MAX_TOTALSIZE 0x7ffffffeu

struct blob {
	const unsigned char *p;
	uint32_t totalsize;
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	char *why;
	size_t why_size;
};

/* Big-endian (5.1), byte by byte: the blob gives no alignment guarantee
 * until the checks below have passed. */
static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Node and property names: the specification's characters (2.2.1,
 * 2.2.4) are all printable ASCII; anything else (a newline in a name
 * that ends up in an error message, say) is refused. */
static bool printable(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* A NUL-terminated printable name at p[0..limit); its length, or -1. */
static int64_t name_length(const unsigned char *p, uint32_t limit)
{
	for (uint32_t i = 0; i < limit; i++) {
		if (p[i] == '\0')
			return i;
		if (!printable(p[i]))
			return -1;
	}
	return -1;
}

static bool check_header(struct blob *b, size_t size, uint32_t *off_rsv)
{
	const unsigned char *h = b->p;
	uint32_t version, last_comp;

	if (size < SIDECAR_FDT_HEADER_SIZE)
		return sc_reason(b->why, b->why_size, "device tree too small (%zu bytes)", size);
	/* 5.1: the blob starts at an 8-byte aligned address; libfdt's loads
	 * of the reserve map rely on it. */
	if ((uintptr_t)h & 7)
		return sc_reason(b->why, b->why_size, "device tree at %p is not 8-byte aligned",
				 (const void *)h);
	if (be32(h) != FDT_MAGIC)
		return sc_reason(b->why, b->why_size, "not a device tree: magic %#x, not %#x",
				 be32(h), FDT_MAGIC);
	b->totalsize = be32(h + SIDECAR_FDT_HDR_TOTALSIZE);
	b->off_struct = be32(h + SIDECAR_FDT_HDR_OFF_STRUCT);
	b->off_strings = be32(h + SIDECAR_FDT_HDR_OFF_STRINGS);
	*off_rsv = be32(h + SIDECAR_FDT_HDR_OFF_RSVMAP);
	version = be32(h + SIDECAR_FDT_HDR_VERSION);
	last_comp = be32(h + SIDECAR_FDT_HDR_LAST_COMP);
	b->size_strings = be32(h + SIDECAR_FDT_HDR_SIZE_STRINGS);
	b->size_struct = be32(h + SIDECAR_FDT_HDR_SIZE_STRUCT);

	if (version < FDT_VERSION)
		return sc_reason(b->why, b->why_size,
				 "device tree version %u, at least %u is supported", version,
				 FDT_VERSION);
	if (last_comp > FDT_VERSION || last_comp > version)
		return sc_reason(b->why, b->why_size,
				 "device tree version %u needs a reader of version %u "
				 "(last_comp_version), %u is supported",
				 version, last_comp, FDT_VERSION);
	if (b->totalsize < SIDECAR_FDT_HEADER_SIZE)
		return sc_reason(b->why, b->why_size,
				 "device tree totalsize %u is smaller than its header",
				 b->totalsize);
	if (b->totalsize > size)
		return sc_reason(b->why, b->why_size,
				 "device tree claims %u bytes, only %zu available", b->totalsize,
				 size);
	if (b->totalsize > FDT_MAX_TOTALSIZE)
		return sc_reason(b->why, b->why_size,
				 "device tree of %u bytes, at most %u supported", b->totalsize,
				 FDT_MAX_TOTALSIZE);
	return true;
}

/* [off, off + len) lies after the header and inside totalsize. */
static bool inside(const struct blob *b, uint32_t off, uint64_t len)
{
	return off >= SIDECAR_FDT_HEADER_SIZE && (uint64_t)off + len <= b->totalsize;
}

static bool overlap(uint64_t a, uint64_t a_len, uint64_t c, uint64_t c_len)
{
	return a_len && c_len && a < c + c_len && c < a + a_len;
}

static bool check_blocks(struct blob *b, uint32_t off_rsv)
{
	uint64_t rsv_len = 0;

	/* 5.3: 8-byte aligned; libfdt 1.6.1 loads its entries as uint64_t. */
	if (off_rsv % 8)
		return sc_reason(
			b->why, b->why_size,
			"malformed device tree: reserve map offset %#x is not 8-byte aligned",
			off_rsv);
	for (;;) {
		if (!inside(b, off_rsv, rsv_len + RSV_ENTRY_SIZE))
			return sc_reason(
				b->why, b->why_size,
				"malformed device tree: reserve map at %#x has no end entry "
				"inside the tree",
				off_rsv);
		rsv_len += RSV_ENTRY_SIZE;
		/* libfdt ends the map at the first zero size, whatever the
		 * address says. */
		if (be64(b->p + off_rsv + rsv_len - 8) == 0)
			break;
	}
	/* 5.4: tokens are 4-byte aligned from the block's start, and libfdt
	 * loads them as uint32_t. */
	if (b->off_struct % 4 || b->size_struct % 4)
		return sc_reason(b->why, b->why_size,
				 "malformed device tree: structure block at %#x, %u bytes, is not "
				 "4-byte aligned",
				 b->off_struct, b->size_struct);
	if (!inside(b, b->off_struct, b->size_struct))
		return sc_reason(
			b->why, b->why_size,
			"malformed device tree: structure block [%#x, +%#x) outside the %u "
			"bytes of the tree",
			b->off_struct, b->size_struct, b->totalsize);
	if (!inside(b, b->off_strings, b->size_strings))
		return sc_reason(b->why, b->why_size,
				 "malformed device tree: strings block [%#x, +%#x) outside the %u "
				 "bytes of the tree",
				 b->off_strings, b->size_strings, b->totalsize);
	if (overlap(off_rsv, rsv_len, b->off_struct, b->size_struct) ||
	    overlap(off_rsv, rsv_len, b->off_strings, b->size_strings) ||
	    overlap(b->off_struct, b->size_struct, b->off_strings, b->size_strings))
		return sc_reason(b->why, b->why_size,
				 "malformed device tree: its reserve map, structure and strings "
				 "blocks overlap");
	return true;
}

/* A property name: a printable NUL-terminated string that starts inside
 * the strings block and ends there (5.5). */
static bool check_prop_name(struct blob *b, uint32_t at, uint32_t nameoff)
{
	if (nameoff >= b->size_strings ||
	    name_length(b->p + b->off_strings + nameoff, b->size_strings - nameoff) <= 0)
		return sc_reason(
			b->why, b->why_size,
			"malformed device tree: property at structure offset %#x has a bad "
			"name (string offset %#x)",
			at, nameoff);
	return true;
}

/*
 * Walks every token of the structure block (5.4). Accepts what libfdt
 * 1.6.1's fdt_check_full() accepts and nothing it could mishandle: one
 * root node with an empty name, properties only inside nodes with their
 * value inside the block, balanced nodes, FDT_END as the block's last
 * token right after the root node ends.
 */
static bool check_structure(struct blob *b)
{
	const unsigned char *s = b->p + b->off_struct;
	uint32_t off = 0, depth = 0;
	bool root_seen = false, root_done = false;

	while (off < b->size_struct) {
		uint32_t at = off, tag = be32(s + off), left;

		off += 4;
		left = b->size_struct - off;
		if (root_done && tag != FDT_END)
			return sc_reason(b->why, b->why_size,
					 "malformed device tree: token %#x at structure offset %#x "
					 "after the root node",
					 tag, at);
		switch (tag) {
		case FDT_BEGIN_NODE: {
			int64_t len = name_length(s + off, left);

			if (len < 0)
				return sc_reason(
					b->why, b->why_size,
					"malformed device tree: node at structure offset %#x "
					"has an unterminated or unprintable name",
					at);
			if (depth == 0 && (root_seen || len != 0))
				return sc_reason(b->why, b->why_size,
						 "malformed device tree: a second root node or a "
						 "named root at structure offset %#x",
						 at);
			root_seen = true;
			depth++;
			/* len + 1 <= left, so this stays inside the block. */
			off += ((uint32_t)len + 1 + 3) & ~3u;
			break;
		}
		case FDT_PROP: {
			uint32_t len, nameoff;

			if (depth == 0 || left < 8)
				return sc_reason(
					b->why, b->why_size,
					"malformed device tree: property at structure offset "
					"%#x outside a node or truncated",
					at);
			len = be32(s + off);
			nameoff = be32(s + off + 4);
			off += 8;
			if (len > b->size_struct - off)
				return sc_reason(
					b->why, b->why_size,
					"malformed device tree: property at structure offset "
					"%#x claims %u bytes, the block has %u left",
					at, len, b->size_struct - off);
			if (!check_prop_name(b, at, nameoff))
				return false;
			/* size_struct is a multiple of 4: aligning up stays inside. */
			off += (len + 3) & ~3u;
			break;
		}
		case FDT_END_NODE:
			if (depth == 0)
				return sc_reason(b->why, b->why_size,
						 "malformed device tree: unmatched end of node at "
						 "structure offset %#x",
						 at);
			if (--depth == 0)
				root_done = true;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			if (!root_done || off != b->size_struct)
				return sc_reason(
					b->why, b->why_size,
					"malformed device tree: end token at structure offset "
					"%#x %s",
					at,
					root_done ? "is not the block's last"
						  : "inside an unfinished tree");
			return true;
		default:
			return sc_reason(b->why, b->why_size,
					 "malformed device tree: unknown token %#x at structure "
					 "offset %#x",
					 tag, at);
		}
	}
	return sc_reason(b->why, b->why_size,
			 "malformed device tree: the structure block ends without an end token");
}

bool sidecar_fdt_blob_check(const void *blob, size_t size, char *why, size_t why_size)
{
	struct blob b = {.p = blob, .why = why, .why_size = why_size};
	uint32_t off_rsv = 0;

	if (why_size)
		why[0] = '\0';
	return check_header(&b, size, &off_rsv) && check_blocks(&b, off_rsv) && check_structure(&b);
}
