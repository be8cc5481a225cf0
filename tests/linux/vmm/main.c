// SPDX-License-Identifier: MIT
/*
 * sidecar-test-vmm [--sample edges|every=K] [PART...]: runs the parts of
 * the full-stack test (all of them, in order, without a PART) and ends with
 *
 *     SIDECAR-TEST-VMM: P passed, F failed
 *
 * Exit status 0 only if nothing failed. Parts: commands guests cancel
 * errors sigkill attacks convert (convert is one way: it comes last).
 *
 * Every part runs on the CPUs under test: every sidecar CPU, or with
 * --sample a subset that keeps a large machine's run short while still
 * reaching every node and its highest CPUs: "edges" is the first and the
 * last sidecar CPU of each node, "every=K" every K-th sidecar CPU from
 * the first, plus the last ("every=K" has no colon, which /init's
 * "NAME:A:B" would split). Either way the last sidecar CPU of the last
 * node, the machine's highest, is among them, and convert takes it. The
 * CPUs outside the sample must be idle at the start and still idle at the
 * end, untouched by what ran on the others.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_vmm.h"

/* How --sample picks the CPUs under test from the sidecar CPUs. */
struct sample {
	enum { SAMPLE_ALL, SAMPLE_EDGES, SAMPLE_EVERY } mode;
	uint32_t every;
};

/* --sample's argument; false (with a message) if it is not one. */
static bool parse_sample(const char *text, struct sample *s)
{
	char *end;
	unsigned long k;

	if (strcmp(text, "edges") == 0) {
		s->mode = SAMPLE_EDGES;
		return true;
	}
	if (strncmp(text, "every=", 6) == 0) {
		errno = 0;
		k = strtoul(text + 6, &end, 10);
		if (errno == 0 && end != text + 6 && *end == '\0' && k >= 1 && k <= UINT32_MAX) {
			s->mode = SAMPLE_EVERY;
			s->every = (uint32_t)k;
			return true;
		}
	}
	fprintf(stderr, "sidecar-test-vmm: --sample %s: expected edges or every=K (K >= 1)\n",
		text);
	return false;
}

/* Whether the sample takes sidecar CPU `c` of a node (1..count-1), the
 * k-th sidecar CPU of the machine (from 0); `last` says it is the last. */
static bool sampled(const struct sample *s, uint32_t c, uint32_t count, uint32_t k, bool last)
{
	switch (s->mode) {
	case SAMPLE_EDGES:
		return c == 1 || c == count - 1;
	case SAMPLE_EVERY:
		return k % s->every == 0 || last;
	default:
		return true;
	}
}

/* Finds the sidecar CPUs, checks that all are idle, acquires those under
 * test, maps guest memory. */
static bool setup(struct tv *t, const struct sample *s)
{
	char error[256];
	struct sidecar_vmm_options options = {.error = error, .error_size = sizeof(error)};
	unsigned int nodes;
	uint32_t k = 0, total = 0;
	int r;

	r = sidecar_vmm_open(&options, &t->vmm);
	tv_check(t, r == 0, "setup", "sidecar_vmm_open: %s", error);
	if (r)
		return false;
	t->cpu_count = sidecar_vmm_cpu_count(t->vmm);
	nodes = sidecar_vmm_node_count(t->vmm);
	t->cpus = calloc(t->cpu_count, sizeof(*t->cpus));
	t->others = calloc(t->cpu_count, sizeof(*t->others));
	t->vps = calloc(t->cpu_count, sizeof(*t->vps));
	if (!t->cpus || !t->others || !t->vps)
		return false;
	for (unsigned int n = 0; n < nodes; n++) {
		struct sidecar_vmm_node_info info;

		sidecar_vmm_node_info(t->vmm, n, &info);
		printf("node %u: %s, CPUs %u-%u\n", n, info.device, info.base_cpu,
		       info.base_cpu + info.cpu_count - 1);
		total += info.cpu_count - 1;
	}
	for (unsigned int n = 0; n < nodes; n++) {
		struct sidecar_vmm_node_info info;

		sidecar_vmm_node_info(t->vmm, n, &info);
		for (uint32_t c = 1; c < info.cpu_count; c++, k++) {
			uint32_t cpu = info.base_cpu + c;

			tv_check(t, tv_cpu_status(t, cpu) == SIDECAR_CPU_STATUS_IDLE, "setup",
				 "CPU %u is %s at the start, not idle", cpu,
				 sidecar_cpu_status_name(tv_cpu_status(t, cpu)));
			if (sampled(s, c, info.cpu_count, k, k == total - 1))
				t->cpus[t->count++] = cpu;
			else
				t->others[t->other_count++] = cpu;
		}
	}
	for (uint32_t i = 0; i < t->count; i++) {
		r = sidecar_vp_acquire(t->vmm, t->cpus[i], &t->vps[i]);
		tv_check(t, r == 0, "setup", "acquire CPU %u: %s", t->cpus[i], strerror(-r));
		if (r)
			return false;
	}
	r = sidecar_vmm_guest_memory(t->vmm, &t->guest, &t->guest_size);
	tv_check(t, r == 0, "setup", "no guest memory: %s", strerror(-r));
	t->leaf1 = tg_host_leaf1();
	printf("%u sidecar CPUs in %u node(s); under test: ", total, nodes);
	if (s->mode == SAMPLE_ALL) {
		printf("all\n");
	} else {
		for (uint32_t i = 0; i < t->count; i++)
			printf("%s%u", i ? "," : "", t->cpus[i]);
		if (s->mode == SAMPLE_EDGES)
			printf(" (%u; --sample edges)\n", t->count);
		else
			printf(" (%u; --sample every=%u)\n", t->count, s->every);
	}
	printf("guest memory %llu MiB at %p\n", (unsigned long long)(t->guest_size >> 20),
	       t->guest);
	fflush(stdout);
	return r == 0 && t->count > 0;
}

/* The sidecar CPUs outside the sample: still idle, nobody ran them. */
static void others_untouched(struct tv *t)
{
	unsigned int failed = t->failed;

	if (t->other_count == 0)
		return;
	for (uint32_t i = 0; i < t->other_count; i++)
		tv_check(t, tv_cpu_status(t, t->others[i]) == SIDECAR_CPU_STATUS_IDLE, "sample",
			 "CPU %u, outside the sample, is %s at the end, not idle", t->others[i],
			 sidecar_cpu_status_name(tv_cpu_status(t, t->others[i])));
	tv_part_done(t, "sample", failed, "the %u sidecar CPUs outside the sample still idle",
		     t->other_count);
}

static const struct {
	const char *name;
	void (*run)(struct tv *t);
} parts[] = {
	{"commands", part_commands}, {"guests", part_guests},	{"cancel", part_cancel},
	{"errors", part_errors},     {"sigkill", part_sigkill}, {"attacks", part_attacks},
	{"convert", part_convert},
};

int main(int argc, char **argv)
{
	struct tv t = {0};
	struct sample sample = {.mode = SAMPLE_ALL};
	const size_t nparts = sizeof(parts) / sizeof(parts[0]);
	bool wanted[sizeof(parts) / sizeof(parts[0])] = {false}, any = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int a = 1; a < argc; a++) {
		size_t p;

		if (strcmp(argv[a], "--sample") == 0) {
			if (a + 1 == argc) {
				fprintf(stderr, "sidecar-test-vmm: --sample needs an argument\n");
				return 2;
			}
			if (!parse_sample(argv[++a], &sample))
				return 2;
			continue;
		}
		if (strncmp(argv[a], "--sample=", 9) == 0) {
			if (!parse_sample(argv[a] + 9, &sample))
				return 2;
			continue;
		}
		for (p = 0; p < nparts && strcmp(argv[a], parts[p].name); p++)
			;
		if (p == nparts) {
			fprintf(stderr, "sidecar-test-vmm: no part \"%s\"\n", argv[a]);
			return 2;
		}
		wanted[p] = any = true;
	}
	if (setup(&t, &sample)) {
		for (size_t p = 0; p < nparts; p++) {
			if (any && !wanted[p])
				continue;
			/* A hang then shows where it is in the console log. */
			printf("part %s: running\n", parts[p].name);
			parts[p].run(&t);
		}
		others_untouched(&t);
	}
	for (uint32_t i = 0; i < t.count; i++)
		if (t.vps[i])
			sidecar_vp_release(t.vps[i]);
	sidecar_vmm_close(t.vmm);
	printf("SIDECAR-TEST-VMM: %u passed, %u failed\n", t.passed, t.failed);
	return t.failed ? 1 : 0;
}
