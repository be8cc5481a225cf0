/* SPDX-License-Identifier: MIT */
/*
 * A user-space stand-in for sidecar.ko, for the library's unit tests. It
 * runs the driver's own per-CPU command state machine (driver/cmd_state.c,
 * compiled here as in the module: the same rules and errno values) on a
 * real control page and real command pages, against the real sidecar core
 * (kernel/core, built hosted: one thread per sidecar CPU, sk_hosted.h). It
 * supplies what node.c and dev.c supply in the kernel: the request IPIs,
 * an "interrupt thread" per node that takes the response IPIs and scans,
 * the sleeping, and poll readiness (fake_node.c, fake_transport.c).
 *
 * A fake VP backend gives the guest a register file and a run loop whose
 * behaviour the test chooses (fake_set_run_mode(), fake_backend_controls.c).
 */
#ifndef SIDECAR_VMM_FAKE_DRIVER_H
#define SIDECAR_VMM_FAKE_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

#define FAKE_MAX_NODES 4
#define FAKE_MAX_CPUS  16 /* per node */
#define FAKE_MAX_FILES 4  /* open files per node */
#define FAKE_LOG_SIZE  64

struct fake_config {
	unsigned int node_count;       /* 0 .. FAKE_MAX_NODES (0: no devices) */
	uint32_t cpus[FAKE_MAX_NODES]; /* CPUs per node, base CPU included */
	/* 0: 2 pages per CPU. */
	uint32_t per_cpu_shmem;
	/* Device names of OpenHCL's driver (mshv_vtl_sidecarN). */
	bool mshv_names;
	/* Add this to base_cpu in INFO for node `skew_node` (to test the
	 * contiguity checks); 0 for none. */
	int32_t base_skew;
	unsigned int skew_node;
	/* Leave the sysfs cpu_status file out (read_attr gives ENOENT). */
	bool no_sysfs;
	/* Bytes of guest memory behind the sidecar_guest device (a memfd);
	 * 0: no such device. */
	uint64_t guest_memory_size;
	/* The size GUEST_INFO reports, if not 0 (to test the checks). */
	uint64_t guest_info_size;
};

/* What the test can make the guest of a CPU do on RUN_VP. */
enum fake_run_mode {
	FAKE_RUN_SPIN, /* run until stopped */
	FAKE_RUN_IO,   /* after `after` runs, an I/O port intercept (port 0xE9, AL = RAX) */
	FAKE_RUN_HALT, /* after `after` runs, a halt intercept */
	FAKE_RUN_FAIL, /* fail: "guest state invalid on VP <n>" */
};

/* Operations whose next call can be made to fail. */
enum fake_op {
	FAKE_OP_OPEN,
	FAKE_OP_INFO,
	FAKE_OP_MMAP,
	FAKE_OP_RUN,
	FAKE_OP_START,
	FAKE_OP_STOP,
	FAKE_OP_READ,
	FAKE_OP_GUEST_INFO,
	FAKE_OP_ONLINE, /* the transport's online_cpu (CPU hotplug) */
	FAKE_OP_COUNT
};

/* One command the driver was asked to run, as it found the page. */
struct fake_log_entry {
	uint32_t command;
	uint16_t count; /* GET/SET: registers in the request */
	bool async;
};

struct fake_driver;

/* Creates the nodes and starts their CPUs (every CPU but each node's first,
 * which is left to "Linux" as the real sidecar does). NULL on failure. */
struct fake_driver *fake_create(const struct fake_config *config);
/* Stops everything; the client must have been closed. */
void fake_destroy(struct fake_driver *fake);
/* The driver's own view of the guest memory (a second mapping of the same
 * memfd), NULL without guest memory. */
uint8_t *fake_guest_memory(struct fake_driver *fake);
/* Whether the client still has the guest memory device open or mapped. */
bool fake_guest_memory_in_use(struct fake_driver *fake);

/* A transport over the fake (its destroy hook does nothing). */
struct vmm_transport fake_transport(struct fake_driver *fake);

/* The next call of `op` after `skip` successful ones fails with -err. */
void fake_inject(struct fake_driver *fake, enum fake_op op, int err, unsigned int skip);

void fake_set_run_mode(struct fake_driver *fake, uint32_t cpu, enum fake_run_mode mode,
		       unsigned int after);
/* Takes the VP backend away from `cpu` (commands that need one then fail
 * with the core's "no VP backend" error), or gives it back. Only while
 * the CPU is idle. */
void fake_set_backend(struct fake_driver *fake, uint32_t cpu, bool present);

/* RUN_VP attempts the backend made on `cpu` so far. */
uint64_t fake_runs(struct fake_driver *fake, uint32_t cpu);

/* Converts `cpu` to "Linux" as the driver's CPU hotplug callback does:
 * stops its command, IDLE->REMOVE, waits for REMOVED. 0 (also for a CPU
 * that already left) or a negative errno. */
int fake_remove_cpu(struct fake_driver *fake, uint32_t cpu);

/* Whether onlining a CPU (the transport's online_cpu) converts it with
 * fake_remove_cpu() (the default) or succeeds without touching the sidecar,
 * like a driver whose hotplug callback is missing. */
void fake_set_online_converts(struct fake_driver *fake, bool converts);

/* Marks `cpu` as used by another file (the driver's EBUSY), or frees it. */
void fake_set_busy(struct fake_driver *fake, uint32_t cpu, bool busy);

/* The next RUN of `cpu` is interrupted by a "signal" right after its
 * start, as a signal to the thread in the RUN ioctl would: the driver
 * stops the command and waits for the CPU to be IDLE. */
void fake_signal_next_run(struct fake_driver *fake, uint32_t cpu);

/* The control page status of `cpu`. */
uint8_t fake_vp_status(struct fake_driver *fake, uint32_t cpu);

/* Copies up to `max` log entries of `cpu` (oldest first); returns the
 * total logged. fake_clear_log() empties it. */
unsigned int fake_log(struct fake_driver *fake, uint32_t cpu, struct fake_log_entry *out,
		      unsigned int max);
void fake_clear_log(struct fake_driver *fake, uint32_t cpu);

/* Replaces node `node`'s cpu_status file with `text` (NULL: generate it). */
void fake_set_status_text(struct fake_driver *fake, unsigned int node, const char *text);

/* Stops read for `cpu` that the driver never started (a stray report). */
void fake_queue_stray_stop(struct fake_driver *fake, unsigned int node, uint32_t cpu);

#endif /* SIDECAR_VMM_FAKE_DRIVER_H */
