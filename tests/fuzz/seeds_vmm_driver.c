// SPDX-License-Identifier: MIT
/*
 * Seeds for fuzz_vmm_driver: byte scripts that a well-behaved driver would
 * answer, in the order the harness's transport consumes them (see its
 * h_* functions), so the fuzzer starts past open() and into the calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "seed_writer.h"

struct script {
	uint8_t b[512];
	size_t n;
};

static void put(struct script *s, const uint8_t *bytes, size_t n)
{
	memcpy(s->b + s->n, bytes, n);
	s->n += n;
}

#define PUT(s, ...)                                                                                \
	do {                                                                                       \
		const uint8_t bytes_[] = {__VA_ARGS__};                                            \
		put(s, bytes_, sizeof(bytes_));                                                    \
	} while (0)

/* open -> fd; INFO (plausible form): base, count, pages per CPU; mmap ok,
 * no scribbling. */
static void node(struct script *s, uint32_t base, uint8_t count, uint8_t pages)
{
	PUT(s, 2);
	PUT(s, 2, (uint8_t)base, (uint8_t)(base >> 8), (uint8_t)(base >> 16), (uint8_t)(base >> 24),
	    count, pages);
	PUT(s, 1, 0);
}

/* A VMM session on an open handle, on CPU `off` of node `node`: acquire,
 * NONE, GET of two registers, a run that stops, collect, cpu_status,
 * release. Each action is (what, node, CPU offset, ...). */
static void session(struct script *s, uint8_t node, uint8_t off, uint8_t cpu)
{
	PUT(s, 0, node, off);
	PUT(s, 2, node, off, 0, 1);
	PUT(s, 3, node, off, 2, 0x00, 0x00, 0x02, 0x00, 0x17, 0x00, 0x02, 0x00, 0, 1);
	PUT(s, 6, node, off, 0, 1);
	PUT(s, 8, node, off, 0, 2, cpu, 1, 0);
	PUT(s, 9, node, off, 1, 4, 0);
	PUT(s, 10, node, off, 0, 24);
	put(s, (const uint8_t *)"0 removed\n1 idle\n2 run\n ", 24);
	PUT(s, 1, node, off);
}

int main(int argc, char **argv)
{
	struct script s;

	seed_args(argc, argv);

	/* One node of 4 CPUs, two shared pages each; no guest memory. */
	s.n = 0;
	node(&s, 0, 4, 2);
	PUT(&s, 0, 0);
	session(&s, 0, 1, 1);
	seed_write(argv[1], "one-node", s.b, s.n);

	/* Two nodes (OpenHCL's device names), guest memory of 2 pages. */
	s.n = 0;
	PUT(&s, 0); /* sidecar0 missing: mshv_vtl_sidecar0 is tried */
	node(&s, 0, 3, 2);
	node(&s, 3, 5, 1);
	PUT(&s, 0);
	PUT(&s, 2, 2, 2, 1, 0);
	session(&s, 1, 1, 4);
	seed_write(argv[1], "two-nodes-guest", s.b, s.n);
	return 0;
}
