// SPDX-License-Identifier: MIT
/*
 * What every part of the test VMM uses (test_vmm.h): checks and their
 * report, a part's summary line, the CPUs' status. Apart from main.c,
 * which calls the parts, so that the parts never call back into it.
 */
#include <stdarg.h>
#include <stdio.h>
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
	va_start(ap, fmt);
	test_report_failure(part, fmt, ap);
	va_end(ap);
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
