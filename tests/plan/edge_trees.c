// SPDX-License-Identifier: MIT
/*
 * The edge trees of edge_trees.h: a well-formed topology built with
 * libfdt's sequential-write API, then (for the malformed ones) one header
 * field, token or byte changed, each a case that libfdt 1.6.1 mishandles
 * or that the reader must refuse (docs/topology-dt.md).
 */
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_trees.h"
#include "fdt_blob.h"

static void check(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "edge_trees: %s: %s\n", what, fdt_strerror(rc));
		exit(1);
	}
}

static uint32_t get32(const char *b, size_t off)
{
	fdt32_t v;

	memcpy(&v, b + off, 4);
	return fdt32_to_cpu(v);
}

static void put32(char *b, size_t off, uint32_t value)
{
	fdt32_t v = cpu_to_fdt32(value);

	memcpy(b + off, &v, 4);
}

struct shape {
	unsigned cpus;
	unsigned vnodes;     /* CPUs split evenly; one RAM range each */
	unsigned addr_cells; /* root #address-cells = #size-cells */
	const char *bootargs;
	bool reserved; /* a /memreserve/ and a reserved-memory node */
	const char *cpu0_name;
	uint64_t ram_base; /* of vnode 0 */
	uint64_t ram_size; /* per vnode */
	/* /chosen/openhcl,sidecar-excluded-cpus, `excluded_len` bytes. */
	const void *excluded;
	int excluded_len;
};

static void reg_pair(fdt32_t *cells, unsigned n, uint64_t a, uint64_t s, unsigned *len)
{
	*len = 0;
	if (n == 2)
		cells[(*len)++] = cpu_to_fdt32((uint32_t)(a >> 32));
	cells[(*len)++] = cpu_to_fdt32((uint32_t)a);
	if (n == 2)
		cells[(*len)++] = cpu_to_fdt32((uint32_t)(s >> 32));
	cells[(*len)++] = cpu_to_fdt32((uint32_t)s);
}

static size_t build(void *buf, const struct shape *s)
{
	char name[32];
	fdt32_t reg[4];
	unsigned len;

	check(fdt_create(buf, EDGE_TREE_MAX_SIZE), "create");
	if (s->reserved)
		check(fdt_add_reservemap_entry(buf, 0x100000, 0x400000), "memreserve");
	check(fdt_finish_reservemap(buf), "reservemap");
	check(fdt_begin_node(buf, ""), "root");
	check(fdt_property_u32(buf, "#address-cells", s->addr_cells), "cells");
	check(fdt_property_u32(buf, "#size-cells", s->addr_cells), "cells");
	if (s->bootargs) {
		check(fdt_begin_node(buf, "chosen"), "chosen");
		check(fdt_property_string(buf, "bootargs", s->bootargs), "bootargs");
		if (s->excluded)
			check(fdt_property(buf, "openhcl,sidecar-excluded-cpus", s->excluded,
					   s->excluded_len),
			      "excluded");
		check(fdt_end_node(buf), "chosen");
	}
	check(fdt_begin_node(buf, "cpus"), "cpus");
	check(fdt_property_u32(buf, "#address-cells", 1), "cells");
	check(fdt_property_u32(buf, "#size-cells", 0), "cells");
	for (unsigned i = 0; i < s->cpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		check(fdt_begin_node(buf, i == 0 && s->cpu0_name ? s->cpu0_name : name), "cpu");
		check(fdt_property_string(buf, "device_type", "cpu"), "cpu");
		check(fdt_property_u32(buf, "reg", i), "cpu reg");
		check(fdt_property_u32(buf, "numa-node-id", i * s->vnodes / s->cpus), "cpu vnode");
		check(fdt_end_node(buf), "cpu");
	}
	check(fdt_end_node(buf), "cpus");
	for (unsigned v = 0; v < s->vnodes; v++) {
		uint64_t base = s->ram_base + v * s->ram_size;

		snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)base);
		check(fdt_begin_node(buf, name), "memory");
		check(fdt_property_string(buf, "device_type", "memory"), "memory");
		reg_pair(reg, s->addr_cells, base, s->ram_size, &len);
		check(fdt_property(buf, "reg", reg, (int)(len * 4)), "memory reg");
		check(fdt_property_u32(buf, "numa-node-id", v), "memory vnode");
		check(fdt_end_node(buf), "memory");
	}
	if (s->reserved) {
		check(fdt_begin_node(buf, "reserved-memory"), "reserved-memory");
		check(fdt_property_u32(buf, "#address-cells", s->addr_cells), "cells");
		check(fdt_property_u32(buf, "#size-cells", s->addr_cells), "cells");
		check(fdt_property(buf, "ranges", NULL, 0), "ranges");
		check(fdt_begin_node(buf, "firmware@0"), "firmware");
		reg_pair(reg, s->addr_cells, 0, 0x100000, &len);
		check(fdt_property(buf, "reg", reg, (int)(len * 4)), "firmware reg");
		check(fdt_end_node(buf), "firmware");
		check(fdt_end_node(buf), "reserved-memory");
	}
	check(fdt_end_node(buf), "root");
	check(fdt_finish(buf), "finish");
	return fdt_totalsize(buf);
}

static const struct shape base_shape = {
	.cpus = 4,
	.vnodes = 1,
	.addr_cells = 2,
	.bootargs = "console=ttyS0",
	.reserved = true,
	.ram_size = 512ull << 20,
};

static size_t base(void *buf)
{
	return build(buf, &base_shape);
}

/* The byte offset of the first property of node `path`. */
static size_t prop_at(void *buf, const char *path)
{
	int node = fdt_path_offset(buf, path);
	int prop;

	check(node, path);
	prop = fdt_first_property_offset(buf, node);
	check(prop, path);
	return fdt_off_dt_struct(buf) + (size_t)prop;
}

/* ---- well-formed ---- */

static size_t good_base(void *buf)
{
	return base(buf);
}

static size_t good_two_vnodes(void *buf)
{
	struct shape s = base_shape;

	s.cpus = 12;
	s.vnodes = 2;
	s.bootargs = "console=ttyS0 SIDECAR_LOGGING=1";
	return build(buf, &s);
}

static size_t good_one_cell(void *buf)
{
	struct shape s = base_shape;

	s.addr_cells = 1;
	s.reserved = false;
	s.bootargs = NULL;
	return build(buf, &s);
}

static size_t good_many_cpus(void *buf)
{
	struct shape s = base_shape;

	s.cpus = 70;
	s.vnodes = 3;
	return build(buf, &s);
}

static size_t good_top_of_memory(void *buf)
{
	/* RAM that ends at the last byte of the 64-bit space. */
	struct shape s = base_shape;

	s.ram_size = 64ull << 20;
	s.ram_base = UINT64_MAX - s.ram_size;
	s.reserved = false;
	return build(buf, &s);
}

/* ---- malformed headers ---- */

static size_t bad_version_2(void *buf)
{
	/* The reproducer: fdt_check_full() of libfdt 1.6.1 gets NULL
	 * from fdt_get_name() on a version 2 root named "x" and uses it. */
	static const uint32_t words[16] = {
		0xd00dfeed, 0x40, 0x30,		  0x40,	      0x20,	    2,	    2, 0, 0, 0,
		0,	    0,	  FDT_BEGIN_NODE, 0x78000000, FDT_END_NODE, FDT_END};

	for (size_t i = 0; i < 16; i++)
		put32(buf, 4 * i, words[i]);
	return 64;
}

static size_t bad_version_16(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_VERSION, 16);
	return size;
}

static size_t bad_last_comp(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_LAST_COMP, 18);
	return size;
}

static size_t bad_totalsize(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_TOTALSIZE, (uint32_t)size + 64);
	return size;
}

static size_t bad_rsvmap_misaligned(void *buf)
{
	/* fdt_ro.c:195 of libfdt 1.6.1 loads the entries as uint64_t. */
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_OFF_RSVMAP, get32(buf, SIDECAR_FDT_HDR_OFF_RSVMAP) + 4);
	return size;
}

static size_t bad_rsvmap_unterminated(void *buf)
{
	size_t size = base(buf);
	uint32_t strings = get32(buf, SIDECAR_FDT_HDR_OFF_STRINGS);

	memset((char *)buf + strings, 0xff, size - strings);
	put32(buf, SIDECAR_FDT_HDR_OFF_RSVMAP, ((uint32_t)size & ~7u) - 16);
	return size;
}

static size_t bad_struct_misaligned(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_OFF_STRUCT, get32(buf, SIDECAR_FDT_HDR_OFF_STRUCT) + 2);
	return size;
}

static size_t bad_struct_wraps(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_OFF_STRUCT, 0xfffffff0);
	put32(buf, SIDECAR_FDT_HDR_SIZE_STRUCT, 0x20);
	return size;
}

static size_t bad_strings_outside(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_SIZE_STRINGS, get32(buf, SIDECAR_FDT_HDR_SIZE_STRINGS) + 1);
	return size;
}

static size_t bad_blocks_overlap(void *buf)
{
	size_t size = base(buf);

	put32(buf, SIDECAR_FDT_HDR_OFF_STRINGS, get32(buf, SIDECAR_FDT_HDR_OFF_STRUCT));
	return size;
}

/* ---- malformed structure blocks ---- */

static size_t bad_prop_length(void *buf)
{
	/* fdt.c:212 of libfdt 1.6.1: the offset after the value overflows. */
	size_t size = base(buf);

	put32(buf, prop_at(buf, "/cpus/cpu@1") + 4, 0x7ffffff0);
	return size;
}

static size_t bad_prop_name(void *buf)
{
	size_t size = base(buf);

	put32(buf, prop_at(buf, "/cpus/cpu@1") + 8, 0xfffffff0);
	return size;
}

static size_t bad_nop_after_root(void *buf)
{
	size_t size = base(buf);
	uint32_t end =
		get32(buf, SIDECAR_FDT_HDR_OFF_STRUCT) + get32(buf, SIDECAR_FDT_HDR_SIZE_STRUCT);

	put32(buf, end - 4, FDT_NOP);
	return size;
}

static size_t bad_unknown_token(void *buf)
{
	size_t size = base(buf);

	put32(buf, prop_at(buf, "/cpus/cpu@1"), 7);
	return size;
}

static size_t bad_named_root(void *buf)
{
	size_t size = base(buf);

	/* The root's empty name is the 4 bytes after its tag. */
	memcpy((char *)buf + get32(buf, SIDECAR_FDT_HDR_OFF_STRUCT) + 4, "x\0\0", 4);
	return size;
}

static size_t bad_name_newline(void *buf)
{
	struct shape s = base_shape;

	s.cpu0_name = "cpu@0\nsidecar-plan: fake line";
	return build(buf, &s);
}

static size_t bad_truncated(void *buf)
{
	return base(buf) / 2;
}

static size_t bad_empty(void *buf)
{
	(void)buf;
	return 0;
}

static size_t bad_text(void *buf)
{
	static const char text[] = "/dts-v1/;\n/ { cpus { cpu@0 { reg = <0>; }; }; };\n";

	memcpy(buf, text, sizeof(text) - 1);
	return sizeof(text) - 1;
}

/* ---- well-formed trees the reader refuses ---- */

static size_t bad_no_cpus(void *buf)
{
	struct shape s = base_shape;

	s.cpus = 0;
	s.vnodes = 0;
	return build(buf, &s);
}

static size_t bad_wrapping_memory(void *buf)
{
	struct shape s = base_shape;

	s.ram_base = UINT64_MAX - 0xfff;
	s.ram_size = 0x2000;
	return build(buf, &s);
}

/* The per-CPU overrides (docs/topology-dt.md): CPUs 1 and 4 of 4, and a
 * property that is not whole cells. */
static const uint8_t excluded_1_4[] = {0, 0, 0, 1, 0, 0, 0, 4}; /* big-endian cells */

static size_t good_excluded(void *buf)
{
	struct shape s = base_shape;

	s.excluded = excluded_1_4;
	s.excluded_len = 4;
	return build(buf, &s);
}

static size_t bad_excluded_unknown_cpu(void *buf)
{
	struct shape s = base_shape;

	s.excluded = excluded_1_4;
	s.excluded_len = sizeof(excluded_1_4);
	return build(buf, &s);
}

static size_t bad_excluded_partial_cell(void *buf)
{
	struct shape s = base_shape;

	s.excluded = excluded_1_4;
	s.excluded_len = 6;
	return build(buf, &s);
}

static const struct {
	struct edge_tree tree;
	size_t (*build)(void *buf);
} trees[] = {
	{{"good-base", false}, good_base},
	{{"good-two-vnodes", false}, good_two_vnodes},
	{{"good-one-cell", false}, good_one_cell},
	{{"good-many-cpus", false}, good_many_cpus},
	{{"good-top-of-memory", false}, good_top_of_memory},
	{{"version-2-reproducer", true}, bad_version_2},
	{{"version-16", true}, bad_version_16},
	{{"last-comp-version-18", true}, bad_last_comp},
	{{"totalsize-beyond-file", true}, bad_totalsize},
	{{"rsvmap-misaligned", true}, bad_rsvmap_misaligned},
	{{"rsvmap-unterminated", true}, bad_rsvmap_unterminated},
	{{"struct-misaligned", true}, bad_struct_misaligned},
	{{"struct-wraps", true}, bad_struct_wraps},
	{{"strings-outside", true}, bad_strings_outside},
	{{"blocks-overlap", true}, bad_blocks_overlap},
	{{"prop-length-2g", true}, bad_prop_length},
	{{"prop-name-outside", true}, bad_prop_name},
	{{"nop-after-root", true}, bad_nop_after_root},
	{{"unknown-token", true}, bad_unknown_token},
	{{"named-root", true}, bad_named_root},
	{{"name-with-newline", true}, bad_name_newline},
	{{"truncated", true}, bad_truncated},
	{{"empty", true}, bad_empty},
	{{"text", true}, bad_text},
	{{"no-cpus", true}, bad_no_cpus},
	{{"wrapping-memory", true}, bad_wrapping_memory},
	{{"good-excluded-cpus", false}, good_excluded},
	{{"excluded-cpus-unknown-cpu", true}, bad_excluded_unknown_cpu},
	{{"excluded-cpus-partial-cell", true}, bad_excluded_partial_cell},
};

size_t edge_tree_count(void)
{
	return sizeof(trees) / sizeof(trees[0]);
}

struct edge_tree edge_tree_build(size_t i, void *buf, size_t *size)
{
	if (i >= edge_tree_count()) {
		fprintf(stderr, "edge_trees: no tree %zu\n", i);
		exit(1);
	}
	memset(buf, 0, EDGE_TREE_MAX_SIZE);
	*size = trees[i].build(buf);
	return trees[i].tree;
}
