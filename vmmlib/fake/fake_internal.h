/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the unit tests' driver share: the emulated driver,
 * which runs sidecar.ko's own command state machine (driver/cmd_state.c)
 * on the platform of fake_node.c, is set up and steered by the tests
 * through fake_driver.c and answers the library through the transport of
 * fake_transport.c; the fake VP backend (fake_backend.c) is what the
 * hosted sidecar core runs guests on.
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

/* The fake's stand-in for sidecar_stop_bound(): the hosted core answers a
 * STOP at once, so only a broken test gets near it. */
#define STOP_BOUND_MS 10000

struct fake_driver {
	struct fake_config config;
	struct fake_node nodes[FAKE_MAX_NODES];
	pthread_mutex_t lock; /* fds, injections */
	struct {
		int fd;
		unsigned int node, file;
	} fds[FAKE_MAX_NODES * FAKE_MAX_FILES];
	struct {
		bool armed;
		int err;
		unsigned int skip;
	} inject[FAKE_OP_COUNT];
	bool online_is_noop; /* fake_set_online_converts(false) */
	/* The guest memory: a memfd, the driver's own mapping of it, and what
	 * the client has open and mapped. */
	int guest_memfd;
	uint8_t *guest_view;
	int guest_fd;
	void *guest_map;
};

/*
 * fake_node.c: the state machine's platform. Unless said otherwise, each
 * is called with node->lock held.
 */
extern const struct scmd_ops fake_cmd_ops;
/* CPU i's status word (no lock needed). */
uint8_t fake_status_of(struct fake_node *node, uint32_t i);
/* Signals each file's eventfd whose readability changed. */
void fake_sync_readable(struct fake_node *node);
/* Waits on node->cond for up to a slice. */
void fake_wait_scan(struct fake_node *node);
/* CLOCK_MONOTONIC in milliseconds (no lock needed). */
uint64_t fake_now_ms(void);
/* Waits until CPU i's command ended or STOP_BOUND_MS passed. */
bool fake_wait_ended(struct fake_node *node, uint32_t i);
/* Gives CPU i up as the watchdog would. */
void fake_expire(struct fake_node *node, uint32_t i);
/* The node's "interrupt thread" (pthread_create()), and its wake-up. */
void *fake_irq_thread(void *arg);
void fake_wake_irq_thread(struct fake_node *node);
/* The CPU numbered `cpu`, NULL if no node has it (no lock needed). */
struct fake_vp *fake_find_cpu(struct fake_driver *fake, uint32_t cpu);

/* fake_backend.c */
extern const struct sk_vp_backend fake_vp_backend;
void fake_vp_backend_init(struct fake_vp *c);

#endif /* SIDECAR_VMM_FAKE_INTERNAL_H */
