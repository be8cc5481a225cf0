/* SPDX-License-Identifier: MIT */
/*
 * The hosted platform: runs the sidecar core in user space, one thread per
 * sidecar CPU, so that Criterion can test the dispatch state machine and the
 * command handlers with real concurrency. Request IPIs become a latched
 * doorbell per CPU (like an IRR bit: a kick sent while the CPU is busy is
 * not lost); response IPIs ring one doorbell for the host.
 */
#ifndef SK_HOSTED_H
#define SK_HOSTED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sk_vp.h"

/* The emulated local registers of one CPU. */
#define SK_HOSTED_MSR_COUNT 32

struct sk_hosted_host {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t ipis; /* response IPIs received */
	uint32_t last_apic_id;
	uint8_t last_vector;
};

struct sk_hosted_cpu {
	struct sk_vp vp;
	struct sk_hosted_host *host;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t kicks; /* request IPIs not yet consumed */
	uint64_t waits; /* times the CPU halted */
	bool parked;
	struct {
		uint32_t index;
		uint64_t value;
	} msrs[SK_HOSTED_MSR_COUNT];
	uint64_t dr[8];
	uint64_t msr_faults;
	uint64_t log_lines;
	char last_log[256];
	/*
	 * Hooks for tests that play the host or the VMM in the CPU's own
	 * thread (the fuzz harnesses), NULL otherwise. on_wait runs where the
	 * CPU would halt for a request; returning true means "woken": the CPU
	 * does not block (a spurious wake-up is allowed). on_access runs after
	 * every MSR or debug-register access of a command, with its outcome:
	 * the point where a VMM may change the command page mid-command.
	 */
	bool (*on_wait)(struct sk_hosted_cpu *cpu);
	void (*on_access)(struct sk_hosted_cpu *cpu, bool write, bool ok, uint64_t value);
	void *hook_ctx;
};

/* Prepares a CPU over the given pages; does not start its thread. */
void sk_hosted_cpu_init(struct sk_hosted_cpu *cpu, struct sk_hosted_host *host,
			struct sidecar_control_page *control, struct sidecar_command_page *command,
			uint32_t index_in_node, uint32_t vp_index);
void sk_hosted_cpu_destroy(struct sk_hosted_cpu *cpu);

/* Starts the CPU's thread (cpu_thread.c): announce (RUN -> IDLE), then the
 * dispatch loop until REMOVE; the thread ends parked. */
void sk_hosted_cpu_start(struct sk_hosted_cpu *cpu);
void sk_hosted_cpu_join(struct sk_hosted_cpu *cpu);

/* The host's request IPI to a CPU. */
void sk_hosted_kick(struct sk_hosted_cpu *cpu);

void sk_hosted_host_init(struct sk_hosted_host *host);
void sk_hosted_host_destroy(struct sk_hosted_host *host);
/* Waits until more than `seen` response IPIs arrived (or `timeout_ms`
 * passed); returns the count. */
uint64_t sk_hosted_host_wait(struct sk_hosted_host *host, uint64_t seen, unsigned int timeout_ms);
/* Destination and vector of the last response IPI (read under the lock). */
void sk_hosted_host_last_ipi(struct sk_hosted_host *host, uint32_t *apic_id, uint8_t *vector);

#endif /* SK_HOSTED_H */
