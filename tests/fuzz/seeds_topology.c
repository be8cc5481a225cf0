// SPDX-License-Identifier: MIT
/*
 * Seeds for fuzz_topology: the edge trees of tests/plan/edge_trees.c (good
 * and malformed), and planner inputs in the harness's raw layout at the
 * top of the address space (issue 10, finding 2). The example dtbs of
 * tests/dts come in as seed_targets.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "edge_trees.h"
#include "seed_writer.h"

/* fuzz_topology's raw layout: CPU count / 4, RAM count, used count, a
 * vnode byte per CPU, (start, length, vnode) per RAM range, (start,
 * length) per used range, then a command-line selector byte, an
 * excluded-CPU count and 2-byte excluded VP indexes. */
static void raw_excluded(const char *dir, const char *name, uint8_t cpus4, uint8_t vnode_split,
			 uint64_t ram_start, uint64_t ram_len, uint64_t used_start,
			 uint64_t used_len, uint8_t cmdline, const uint16_t *excluded,
			 uint8_t excluded_count)
{
	uint8_t buf[2048];
	size_t n = 0;
	uint8_t vnode = 0;

	buf[n++] = cpus4;
	buf[n++] = 1;
	buf[n++] = used_len ? 1 : 0;
	for (unsigned i = 0; i < cpus4 * 4u; i++)
		buf[n++] = vnode_split && i >= vnode_split ? 1 : 0;
	memcpy(buf + n, &ram_start, 8), n += 8;
	memcpy(buf + n, &ram_len, 8), n += 8;
	buf[n++] = vnode;
	if (used_len) {
		memcpy(buf + n, &used_start, 8), n += 8;
		memcpy(buf + n, &used_len, 8), n += 8;
	}
	buf[n++] = cmdline;
	if (excluded_count) {
		buf[n++] = excluded_count;
		memcpy(buf + n, excluded, 2u * excluded_count), n += 2u * excluded_count;
	}
	seed_write(dir, name, buf, n);
}

static void raw(const char *dir, const char *name, uint8_t cpus4, uint64_t ram_start,
		uint64_t ram_len, uint64_t used_start, uint64_t used_len)
{
	raw_excluded(dir, name, cpus4, 0, ram_start, ram_len, used_start, used_len, 1, NULL, 0);
}

int main(int argc, char **argv)
{
	static _Alignas(8) char buf[EDGE_TREE_MAX_SIZE];

	seed_args(argc, argv);
	for (size_t i = 0; i < edge_tree_count(); i++) {
		char name[96];
		size_t size;
		struct edge_tree t = edge_tree_build(i, buf, &size);

		snprintf(name, sizeof(name), "tree-%s", t.name);
		seed_write(argv[1], name, buf, size);
	}
	raw(argv[1], "raw-last-page", 1, UINT64_MAX - 0xffe, 0xffe, 0, 0);
	raw(argv[1], "raw-top", 2, UINT64_MAX - (64ull << 20), 64ull << 20, 0, 0);
	raw(argv[1], "raw-used-top", 1, 1ull << 30, UINT64_MAX - (1ull << 30), (1ull << 30) + 4096,
	    UINT64_MAX - (1ull << 30) - 8192);
	raw(argv[1], "raw-plain", 4, 0, 1ull << 30, 0, 1ull << 20);
	/* Per-CPU overrides and OPENHCL_SIDECAR= (issue 11). */
	{
		static const uint16_t two_five[] = {2, 5}, skip[] = {1, 2, 3, 3};
		static const uint16_t all_aps[] = {1, 2, 3, 5, 6, 7}, far[] = {399, 400};
		static const uint16_t past[] = {350};

		raw_excluded(argv[1], "raw-overrides", 2, 4, 0, 1ull << 30, 0, 1ull << 20, 0,
			     two_five, 2);
		raw_excluded(argv[1], "raw-skip-node", 2, 4, 0, 1ull << 30, 0, 1ull << 20, 2, skip,
			     4);
		raw_excluded(argv[1], "raw-all-skipped", 2, 4, 0, 1ull << 30, 0, 1ull << 20, 4,
			     all_aps, 6);
		raw_excluded(argv[1], "raw-past-400", 100, 0, 0, 1ull << 30, 0, 1ull << 20, 6, far,
			     2);
		raw_excluded(argv[1], "raw-past-cpus", 2, 4, 0, 1ull << 30, 0, 1ull << 20, 5, past,
			     1);
		raw_excluded(argv[1], "raw-off", 2, 4, 0, 1ull << 30, 0, 1ull << 20, 3, two_five,
			     2);
		raw_excluded(argv[1], "raw-mixed", 2, 7, 0, 1ull << 30, 0, 1ull << 20, 7, NULL, 0);
	}
	return 0;
}
