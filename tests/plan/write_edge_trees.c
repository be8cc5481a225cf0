// SPDX-License-Identifier: MIT
/*
 * write_edge_trees DIR: writes the malformed edge trees (edge_trees.h) as
 * DIR/NAME.dtb for check_plan_refuses.sh, at build time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "edge_trees.h"

int main(int argc, char **argv)
{
	static _Alignas(8) char buf[EDGE_TREE_MAX_SIZE];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	if (mkdir(argv[1], 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < edge_tree_count(); i++) {
		char path[4096];
		size_t size;
		struct edge_tree t = edge_tree_build(i, buf, &size);
		FILE *f;

		if (!t.malformed)
			continue;
		snprintf(path, sizeof(path), "%s/%s.dtb", argv[1], t.name);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	return 0;
}
