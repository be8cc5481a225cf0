/* SPDX-License-Identifier: MIT */
/*
 * The full-stack test VMM (docs/linux-boot.md, "The linux suite"): a VMM
 * process in Linux that drives every sidecar CPU (or a sample of them)
 * through libsidecar-vmm only, the way a real VMM would, plus the raw
 * driver calls whose errors the library cannot provoke. Each part is a
 * function that reports its checks; main.c runs them in order.
 */
#ifndef TEST_VMM_H
#define TEST_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../check_report.h"
#include "../monotonic.h"

#include <sidecar_vmm.h>

#include "test_guest_vmm.h"

/* Everything the parts share. */
struct tv {
	struct sidecar_vmm *vmm;
	uint32_t cpu_count; /* CPUs the nodes cover */
	/* The sidecar CPUs under test (every CPU of a node but its base, or
	 * main.c's --sample of them), in order. */
	uint32_t *cpus;
	uint32_t count;
	uint32_t *others; /* the sidecar CPUs outside the sample */
	uint32_t other_count;
	struct sidecar_vp **vps; /* acquired, by index in cpus[] */
	void *guest;		 /* guest memory, or NULL */
	uint64_t guest_size;
	struct tg_cpuid leaf1; /* CPUID 1 of this (Linux) CPU */
	unsigned int passed, failed;
};

/* One check: prints "FAIL: part: reason" for a failure (the first such
 * line is the verdict's reason), counts both. */
void tv_check(struct tv *t, bool ok, const char *part, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "PASS: part (what)" for a part whose checks all passed. */
void tv_part_done(struct tv *t, const char *part, unsigned int failed_before, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The status of `cpu` as the driver's sysfs reports it. */
uint8_t tv_cpu_status(struct tv *t, uint32_t cpu);
/* Waits up to timeout_ms until every sidecar CPU in cpus[] has `status`. */
bool tv_wait_all_status(struct tv *t, uint8_t status, unsigned int timeout_ms);

/* The parts, in the order main.c runs them. */
void part_commands(struct tv *t); /* every command on every CPU */
void part_guests(struct tv *t);	  /* the test guest everywhere at once */
void part_cancel(struct tv *t);	  /* spinning guests stopped by cancel */
void part_errors(struct tv *t);	  /* error paths of library and driver */
void part_sigkill(struct tv *t);  /* a VMM killed while its guests spin */
void part_attacks(struct tv *t);  /* guests that attack their CPU */
void part_convert(struct tv *t);  /* one CPU converted to Linux */

#endif /* TEST_VMM_H */
