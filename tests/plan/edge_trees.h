/* SPDX-License-Identifier: MIT */
/*
 * Device trees at the edges of what the topology reader takes, built in
 * memory (no binary blob sits in git): malformed ones that sidecar-plan and
 * the shim must refuse, and well-formed ones that seed the topology fuzz
 * harness. Shared by tests/plan (write_edge_trees) and tests/fuzz
 * (seeds_topology).
 */
#ifndef EDGE_TREES_H
#define EDGE_TREES_H

#include <stdbool.h>
#include <stddef.h>

#define EDGE_TREE_MAX_SIZE 16384

struct edge_tree {
	const char *name;
	/* True if the topology reader must refuse it (sidecar-plan exit 1). */
	bool malformed;
};

/* The number of edge trees. */
size_t edge_tree_count(void);

/*
 * Builds tree `i` into `buf` (EDGE_TREE_MAX_SIZE bytes, 8-byte aligned);
 * returns its description and its size in *size. Exits with a message if
 * the tree cannot be built (a bug in this file).
 */
struct edge_tree edge_tree_build(size_t i, void *buf, size_t *size);

#endif /* EDGE_TREES_H */
