// SPDX-License-Identifier: MIT
/*
 * sidecar-plan: prints the sidecar boot plan for a topology device tree,
 * computed by the same planner the boot shim runs.
 *
 *   sidecar-plan [--cmdline TEXT] [--exclude-cpus LIST] [--params FILE] TOPOLOGY.dtb
 *
 * Exit status: 0 planned, 3 declined (the reason is printed), 1 on bad
 * usage or an unreadable or malformed device tree, 2 on a write error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar_topology.h"

#define EXIT_DECLINED 3
#define MAX_DTB_SIZE  (16u << 20)

static void emit_stdout(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, ctx);
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "sidecar-plan: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_DTB_SIZE);
	if (!buf) {
		fprintf(stderr, "sidecar-plan: out of memory\n");
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_DTB_SIZE, f);
	if (ferror(f) || (n == MAX_DTB_SIZE && fgetc(f) != EOF)) {
		fprintf(stderr, "sidecar-plan: %s: %s\n", path,
			ferror(f) ? strerror(errno) : "larger than 16 MiB");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

static int write_params(const char *path, const struct sidecar_plan *plan)
{
	static struct sidecar_params params;
	FILE *f = fopen(path, "wb");

	if (!f) {
		fprintf(stderr, "sidecar-plan: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(&params, 0, sizeof(params));
	sidecar_plan_to_params(plan, &params);
	if (fwrite(&params, sizeof(params), 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "sidecar-plan: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sidecar-plan [--cmdline TEXT] [--exclude-cpus LIST] [--params FILE] "
		"TOPOLOGY.dtb\n"
		"  --cmdline TEXT       use TEXT instead of /chosen/bootargs\n"
		"  --exclude-cpus LIST  the CPUs the main kernel must start, comma-separated VP\n"
		"                       indexes (\"\" for none), instead of\n"
		"                       /chosen/" SIDECAR_TOPOLOGY_EXCLUDED_PROP "\n"
		"  --params FILE        also write the sidecar_params page to FILE\n");
}

/* "2,5,17" into topo->excluded, with the tree's rule: each a CPU of it. */
static bool parse_excluded(const char *list, struct sidecar_topology *topo)
{
	const char *p = list;
	bool ok = true;

	topo->excluded_count = 0;
	while (ok && *p) {
		char *end;
		unsigned long vp;

		errno = 0;
		vp = strtoul(p, &end, 10);
		ok = *p >= '0' && *p <= '9' && !errno && vp < topo->cpu_count &&
		     topo->excluded_count < SIDECAR_PLAN_MAX_CPUS &&
		     (!*end || (*end == ',' && end[1]));
		if (ok)
			topo->excluded[topo->excluded_count++] = (uint32_t)vp;
		p = *end ? end + 1 : end;
	}
	if (!ok)
		fprintf(stderr,
			"sidecar-plan: --exclude-cpus '%s': expected comma-separated VP indexes "
			"below %zu\n",
			list, topo->cpu_count);
	return ok;
}

int main(int argc, char **argv)
{
	static struct sidecar_topology topo;
	static struct sidecar_plan plan;
	const char *params_path = NULL, *cmdline = NULL, *dtb_path = NULL, *excluded = NULL;
	struct sidecar_plan_input input;
	size_t size = 0;
	void *fdt;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--params") && i + 1 < argc) {
			params_path = argv[++i];
		} else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc) {
			cmdline = argv[++i];
		} else if (!strcmp(argv[i], "--exclude-cpus") && i + 1 < argc) {
			excluded = argv[++i];
		} else if (argv[i][0] != '-' && !dtb_path) {
			dtb_path = argv[i];
		} else {
			fprintf(stderr, "sidecar-plan: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 1;
		}
	}
	if (!dtb_path) {
		usage(stderr);
		return 1;
	}

	fdt = read_file(dtb_path, &size);
	if (!fdt)
		return 1;
	if (sidecar_topology_from_fdt(fdt, size, &topo)) {
		fprintf(stderr, "sidecar-plan: %s: %s\n", dtb_path, topo.error);
		free(fdt);
		return 1;
	}
	free(fdt);
	if (excluded && !parse_excluded(excluded, &topo))
		return 1;

	input = sidecar_topology_plan_input(&topo);
	if (cmdline)
		input.cmdline = cmdline;
	sidecar_plan_compute(&input, &plan);
	sidecar_plan_print(&plan, emit_stdout, stdout);

	if (params_path && plan.result == SIDECAR_PLAN_PLANNED && write_params(params_path, &plan))
		return 2;
	if (fflush(stdout) != 0)
		return 2;
	return plan.result == SIDECAR_PLAN_PLANNED ? 0 : EXIT_DECLINED;
}
