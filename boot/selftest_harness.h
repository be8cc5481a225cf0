/* SPDX-License-Identifier: MIT */
/*
 * The self-test's harness (selftest_harness.c), which its cases use
 * (selftest.c: commands and boot state; selftest_guest.c: guests on the VP
 * backend): the CPUs under test, check groups, and one request to every
 * active CPU at once with its answers verified (run_group).
 */
#ifndef SHIM_SELFTEST_HARNESS_H
#define SHIM_SELFTEST_HARNESS_H

#include <sidecar_defs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim.h"

struct selftest_vp {
	struct sidecar_control_page *control;
	struct sidecar_command_page *command;
	uint32_t node;
	uint32_t index; /* in the node: its cpu_status index */
	uint32_t vp;
	uint32_t apic_id;
	bool active;  /* answers requests; takes part in the next group */
	bool pending; /* has a request outstanding in the current group */
	bool removed; /* removed by the REMOVE group */
};

struct group {
	const char *name;
	uint32_t ok;
	uint32_t bad;
	/* run_group() does not end it: several rounds count as one group,
	 * ended by the caller. */
	bool accumulate;
	char first[240]; /* the first failure, repeated in the FAIL line */
};

typedef void (*prepare_fn)(struct selftest_vp *c);
/* Returns true if the answer is right; otherwise describes it in `detail`. */
typedef bool (*verify_fn)(struct selftest_vp *c, char *detail, size_t size);
/* Runs right after the request IPI (RUN_VP's STOP). */
typedef void (*post_send_fn)(struct group *g, struct selftest_vp *c);

#define ULL(x) ((unsigned long long)(x))

/* TCG with many vCPUs on few host cores can take a while to schedule a
 * vCPU; a correct CPU answers in microseconds on hardware. */
#define ANSWER_TIMEOUT_US 10000000u

extern struct shim_boot *boot;
extern struct selftest_vp cpus[SIDECAR_PLAN_MAX_CPUS];
extern uint32_t cpu_count;
extern volatile uint64_t responses; /* response IPIs received */

/* has_error as the shim writes it: a CPU that takes a command clears it. */
#define NOT_TAKEN_MARK 1u

void check_pass(struct group *g);
void check_fail(struct group *g, const struct selftest_vp *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void group_end(struct group *g);

/* Waits with STI;HLT until done(ctx) or the timeout; returns done(ctx). */
bool wait_until(bool (*done)(void *), void *ctx, uint64_t timeout_us);
/* A done() for wait_until() that never is: a plain delay. */
bool never_done(void *ctx);
uint8_t status_of(const struct selftest_vp *c);
bool send_wakeup(struct group *g, struct selftest_vp *c);

/* Sends prepare()'s request to every active CPU, waits for all answers and
 * verifies each; post() runs right after each request IPI. */
void run_group(struct group *g, prepare_fn prepare, verify_fn verify, post_send_fn post);
/* After a group's answers (`responses` was responses_before when it
 * started): the response IPI and each involved node's needs_attention. */
void check_aftermath(struct group *g, uint64_t responses_before);

void prepare_command(struct selftest_vp *c, uint32_t command);
struct sidecar_get_set_vp_register_request *prepare_registers(struct selftest_vp *c,
							      uint32_t command, uint16_t count);
int error_len(const struct sidecar_command_page *p);
const char *error_text(const struct sidecar_command_page *p);
bool verify_no_error(struct selftest_vp *c, char *detail, size_t size);
bool verify_status_success(struct selftest_vp *c, char *detail, size_t size);
bool verify_error_is(struct selftest_vp *c, char *detail, size_t size, const char *want,
		     bool prefix);
/* RUN -> STOP and another IPI, for a post_send_fn. */
void stop_run_vp(struct group *g, struct selftest_vp *c);

/* The kernel reported a VP backend (output extension). */
bool has_vp_backend(void);

/* Installs the shim's handlers, points every node's response interrupt at
 * the BSP and starts the tick. */
void selftest_setup_interrupts(void);
/* Ends the groups every other group feeds and the stray-interrupt check,
 * prints the totals and stops the tick; true if every check passed. */
bool selftest_finish(void);

#endif /* SHIM_SELFTEST_HARNESS_H */
