/* SPDX-License-Identifier: MIT */
/* The client's state (vmm.c, vp.c, run.c). */
#ifndef VMM_INTERNAL_H
#define VMM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sidecar_vmm.h"
#include "transport.h"

/* Where a VP is in the asynchronous run protocol (under node->lock). */
enum vmm_run_state {
	VMM_RUN_NONE,	  /* no run in progress: synchronous commands allowed */
	VMM_RUN_ACTIVE,	  /* started; the driver has not reported the stop yet */
	VMM_RUN_FINISHED, /* stop read from the driver; sidecar_vp_wait() not done */
};

struct vmm_node;

struct sidecar_vp {
	struct vmm_node *node;
	uint32_t cpu;
	uint32_t index; /* within the node */
	struct sidecar_command_page *page;
	void *register_page; /* NULL if per_cpu_shmem is one page */
	atomic_bool owned;
	/* Under node->lock. */
	enum vmm_run_state state;
	bool reported; /* the stop was reported by collect or wait */
	/* The owner's. */
	struct sidecar_vp_error error;
};

struct vmm_node {
	struct sidecar_vmm *vmm;
	unsigned int index;
	int fd;
	char device[32];
	uint32_t base_cpu;
	uint32_t cpu_count;
	uint32_t per_cpu_shmem;
	void *map;
	size_t map_size;
	struct sidecar_vp *vps;
	/*
	 * Stops are read from fd by whichever thread needs them; the lock
	 * covers the reads and every VP's state. At most one thread at a time
	 * sleeps in poll() on fd (the poller); the others wait on cond. A
	 * thread that reads a stop for the poller's VP wakes it via wake_fd.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	bool poller;
	int wake_fd;		   /* eventfd */
	uint64_t unexpected_stops; /* stops for VPs that were not running */
	bool lock_ready;
};

struct sidecar_vmm {
	struct vmm_transport transport;
	unsigned int node_count;
	uint32_t cpu_count;
	struct vmm_node *nodes;
	int epoll_fd;
	/* In the epoll set: a waiter read stops of VPs it does not own, which
	 * only sidecar_vmm_collect() reports. */
	int notify_fd;
	/* The guest memory device and its mapping (guest_memory.c); -1 and
	 * NULL when the sidecar has none. */
	int guest_fd;
	void *guest;
	uint64_t guest_size;
};

/* Maps /dev/sidecar_guest if it exists (no device is not an error);
 * writes a one-line reason into error on failure. */
int vmm_map_guest_memory(struct sidecar_vmm *vmm, char *error, size_t error_size);
void vmm_unmap_guest_memory(struct sidecar_vmm *vmm);

/* Transport shorthand. */
#define VMM_CALL(vmm, op, ...) ((vmm)->transport.ops->op((vmm)->transport.ctx, __VA_ARGS__))

#endif /* VMM_INTERNAL_H */
