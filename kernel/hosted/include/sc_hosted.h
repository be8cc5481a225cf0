/* SPDX-License-Identifier: MIT */
/*
 * The hosted platform: runs the sidecar core in user space, one thread per
 * sidecar CPU, so that Criterion can test the dispatch state machine and the
 * command handlers with real concurrency. Request IPIs become a latched
 * doorbell per CPU (like an IRR bit: a kick sent while the CPU is busy is
 * not lost); response IPIs ring one doorbell for the host.
 */
#ifndef SC_HOSTED_H
#define SC_HOSTED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sc_vp.h"

/* The emulated local registers of one CPU. */
#define SC_HOSTED_MSR_COUNT 32

struct sc_hosted_host {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t ipis; /* response IPIs received */
	uint32_t last_apic_id;
	uint8_t last_vector;
};

struct sc_hosted_cpu {
	struct sc_vp vp;
	struct sc_hosted_host *host;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t kicks; /* request IPIs not yet consumed */
	uint64_t waits; /* times the CPU halted */
	bool parked;
	struct {
		uint32_t index;
		uint64_t value;
	} msrs[SC_HOSTED_MSR_COUNT];
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
	bool (*on_wait)(struct sc_hosted_cpu *cpu);
	void (*on_access)(struct sc_hosted_cpu *cpu, bool write, bool ok, uint64_t value);
	void *hook_ctx;
};

/* Prepares a CPU over the given pages; does not start its thread. */
void sc_hosted_cpu_init(struct sc_hosted_cpu *cpu, struct sc_hosted_host *host,
			struct sidecar_control_page *control, struct sidecar_command_page *command,
			uint32_t node_cpu_index, uint32_t vp_index);
void sc_hosted_cpu_destroy(struct sc_hosted_cpu *cpu);

/* Starts the CPU's thread: announce (RUN -> IDLE), then the dispatch loop
 * until REMOVE; the thread ends parked. */
void sc_hosted_cpu_start(struct sc_hosted_cpu *cpu);
void sc_hosted_cpu_join(struct sc_hosted_cpu *cpu);

/* The host's request IPI to a CPU. */
void sc_hosted_kick(struct sc_hosted_cpu *cpu);

void sc_hosted_host_init(struct sc_hosted_host *host);
void sc_hosted_host_destroy(struct sc_hosted_host *host);
/* Waits until more than `seen` response IPIs arrived (or `timeout_ms`
 * passed); returns the count. */
uint64_t sc_hosted_host_wait(struct sc_hosted_host *host, uint64_t seen, unsigned int timeout_ms);
/* Destination and vector of the last response IPI (read under the lock). */
void sc_hosted_host_last_ipi(struct sc_hosted_host *host, uint32_t *apic_id, uint8_t *vector);

#endif /* SC_HOSTED_H */
