/* SPDX-License-Identifier: MIT */
/*
 * What the two halves of the unit tests' driver share: the emulated
 * driver and transport (fake_driver.c), which runs sidecar.ko's own
 * command state machine (driver/cmd_state.c), and the fake VP backend
 * (fake_backend.c) that the hosted sidecar core runs guests on.
 */
#ifndef SIDECAR_VMM_FAKE_INTERNAL_H
#define SIDECAR_VMM_FAKE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "cmd_state.h"
#include "fake_driver.h"
#include "sk_vp.h"
#include "sk_hosted.h"

#define FAKE_REGS_PER_CPU 128
#define FAKE_STRAY_MAX	  8

struct fake_node;

struct fake_vp {
	struct sk_hosted_cpu hc;
	struct fake_node *node;
	uint32_t index;
	bool started;
	/* Under node->lock. */
	struct fake_log_entry log[FAKE_LOG_SIZE];
	unsigned int log_count;
	bool signal_next_run; /* fake_signal_next_run() */
	/* The guest, touched only by the CPU's thread while it runs a command. */
	struct {
		hv_register_name_t name;
		union hv_register_value value;
	} regs[FAKE_REGS_PER_CPU];
	unsigned int nregs;
	uint64_t last_command;
	unsigned int attempts;
	/* Set by the test. */
	atomic_int mode;
	atomic_uint after;
	atomic_uint_fast64_t runs;
};

struct fake_file {
	bool open;
	int efd;
	bool readable; /* efd signalled: the file has something to read */
	struct scmd_file cmd;
	unsigned int ring[FAKE_MAX_CPUS];
	/* fake_queue_stray_stop(): reports the driver never made, read first. */
	uint32_t stray[FAKE_STRAY_MAX];
	unsigned int nstray;
};

struct fake_node {
	struct fake_driver *fake;
	unsigned int index;
	uint32_t base_cpu, cpu_count, per_cpu_shmem;
	struct sidecar_control_page *control;
	uint8_t *shmem;
	struct sk_hosted_host host;
	struct fake_vp cpus[FAKE_MAX_CPUS];
	pthread_t irq_thread;
	atomic_bool stopping;
	pthread_mutex_t lock; /* the state machine's node lock */
	pthread_cond_t cond;  /* the machine woke somebody: statuses may have changed */
	struct scmd_node cmd;
	struct scmd_vp cmd_vps[FAKE_MAX_CPUS];
	struct scmd_file other; /* the "other process" of fake_set_busy() */
	struct fake_file files[FAKE_MAX_FILES];
	char *status_text;
};

/* fake_driver.c: the CPU numbered `cpu`, NULL if no node has it. */
struct fake_vp *fake_find_cpu(struct fake_driver *fake, uint32_t cpu);

/* fake_backend.c */
extern const struct sk_vp_backend fake_vp_backend;
void fake_vp_backend_init(struct fake_vp *c);

#endif /* SIDECAR_VMM_FAKE_INTERNAL_H */
