// SPDX-License-Identifier: MIT
/*
 * sidecar-test-vmm [PART...]: runs the parts of the full-stack test (all of
 * them, in order, without arguments) and ends with
 *
 *     SIDECAR-TEST-VMM: P passed, F failed
 *
 * Exit status 0 only if nothing failed. Parts: commands guests cancel
 * errors sigkill convert (convert is one way: it comes last).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_vmm.h"

void tv_check(struct tv *t, bool ok, const char *part, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		t->passed++;
		return;
	}
	t->failed++;
	printf("FAIL: %s: ", part);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void tv_part_done(struct tv *t, const char *part, unsigned int failed_before, const char *fmt, ...)
{
	va_list ap;

	if (t->failed != failed_before) {
		printf("part %s: %u check(s) failed\n", part, t->failed - failed_before);
		fflush(stdout);
		return;
	}
	printf("PASS: %s (", part);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	puts(")");
	fflush(stdout);
}

uint8_t tv_cpu_status(struct tv *t, uint32_t cpu)
{
	int status = sidecar_vmm_cpu_status_of(t->vmm, cpu);

	return status < 0 ? SIDECAR_VMM_CPU_STATUS_UNKNOWN : (uint8_t)status;
}

bool tv_wait_all_status(struct tv *t, uint8_t status, unsigned int timeout_ms)
{
	uint64_t end = test_now_ms() + timeout_ms;

	for (;;) {
		bool all = true;

		for (uint32_t i = 0; i < t->count && all; i++)
			all = tv_cpu_status(t, t->cpus[i]) == status;
		if (all)
			return true;
		if (test_now_ms() > end)
			return false;
		usleep(10000);
	}
}

/* Finds the sidecar CPUs, acquires them, maps guest memory. */
static bool setup(struct tv *t)
{
	char error[256];
	struct sidecar_vmm_options options = {.error = error, .error_size = sizeof(error)};
	int r;

	r = sidecar_vmm_open(&options, &t->vmm);
	tv_check(t, r == 0, "setup", "sidecar_vmm_open: %s", error);
	if (r)
		return false;
	t->cpu_count = sidecar_vmm_cpu_count(t->vmm);
	t->cpus = calloc(t->cpu_count, sizeof(*t->cpus));
	t->vps = calloc(t->cpu_count, sizeof(*t->vps));
	if (!t->cpus || !t->vps)
		return false;
	for (unsigned int n = 0; n < sidecar_vmm_node_count(t->vmm); n++) {
		struct sidecar_vmm_node_info info;

		sidecar_vmm_node_info(t->vmm, n, &info);
		printf("node %u: %s, CPUs %u-%u\n", n, info.device, info.base_cpu,
		       info.base_cpu + info.cpu_count - 1);
		for (uint32_t c = 1; c < info.cpu_count; c++)
			t->cpus[t->count++] = info.base_cpu + c;
	}
	for (uint32_t i = 0; i < t->count; i++) {
		r = sidecar_vp_acquire(t->vmm, t->cpus[i], &t->vps[i]);
		tv_check(t, r == 0, "setup", "acquire CPU %u: %s", t->cpus[i], strerror(-r));
		if (r)
			return false;
		tv_check(t, tv_cpu_status(t, t->cpus[i]) == SIDECAR_CPU_STATUS_IDLE, "setup",
			 "CPU %u is %s at the start, not idle", t->cpus[i],
			 sidecar_cpu_status_name(tv_cpu_status(t, t->cpus[i])));
	}
	r = sidecar_vmm_guest_memory(t->vmm, &t->guest, &t->guest_size);
	tv_check(t, r == 0, "setup", "no guest memory: %s", strerror(-r));
	t->leaf1 = tg_host_leaf1();
	printf("%u sidecar CPUs; guest memory %llu MiB at %p\n", t->count,
	       (unsigned long long)(t->guest_size >> 20), t->guest);
	fflush(stdout);
	return r == 0 && t->count > 0;
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
	const size_t nparts = sizeof(parts) / sizeof(parts[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int a = 1; a < argc; a++) {
		size_t p;

		for (p = 0; p < nparts && strcmp(argv[a], parts[p].name); p++)
			;
		if (p == nparts) {
			fprintf(stderr, "sidecar-test-vmm: no part \"%s\"\n", argv[a]);
			return 2;
		}
	}
	if (setup(&t)) {
		for (size_t p = 0; p < nparts; p++) {
			bool wanted = argc == 1;

			for (int a = 1; a < argc; a++)
				wanted |= strcmp(argv[a], parts[p].name) == 0;
			if (!wanted)
				continue;
			/* A hang then shows where it is in the console log. */
			printf("part %s: running\n", parts[p].name);
			parts[p].run(&t);
		}
	}
	for (uint32_t i = 0; i < t.count; i++)
		if (t.vps[i])
			sidecar_vp_release(t.vps[i]);
	sidecar_vmm_close(t.vmm);
	printf("SIDECAR-TEST-VMM: %u passed, %u failed\n", t.passed, t.failed);
	return t.failed ? 1 : 0;
}
