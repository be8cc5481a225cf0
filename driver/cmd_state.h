/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The per-CPU command state machine of a sidecar node (docs/driver.md,
 * "The user-space interface"): who owns a CPU's command page, the start
 * (IDLE -> RUN), the stop (RUN -> STOP), the scan that turns control-page
 * changes into completions, each open file's queue of ended STARTs, and
 * what close undoes.
 *
 * Written once, without Linux: sidecar.ko (dev.c, node.c) and the
 * user-space driver of the library's unit tests (vmmlib/fake) compile this
 * same source. The control page is reached only through the ABI's
 * control_ops.h; everything else a platform does (IPIs, wake-ups, timers,
 * logging, sleeping) goes through struct scmd_ops.
 *
 * Locking: every function named *_locked runs under the platform's node
 * lock (a spinlock in the kernel, a mutex in the fake), which serialises
 * all of it. The fields that waiters test without the lock are read with
 * scmd_get() and written with scmd_set().
 */
#ifndef SIDECAR_CMD_STATE_H
#define SIDECAR_CMD_STATE_H

#include <sidecar/control_ops.h>

/*
 * A single load or store the compiler may neither tear nor repeat nor
 * elide (the kernel's READ_ONCE/WRITE_ONCE), written with the compiler's
 * atomics so that both builds, and ThreadSanitizer, accept it.
 */
#define scmd_get(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define scmd_set(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/*
 * The errno values this file returns (negated), which it can take from
 * neither libc nor Linux; each user checks them against its <errno.h>.
 */
#define SCMD_ENOENT 2
#define SCMD_EIO 5
#define SCMD_EBUSY 16
#define SCMD_EINVAL 22

/* Who owns a CPU's command page (struct scmd_vp.state). */
enum scmd_vp_state {
	SCMD_VP_FREE,	/* nobody: RUN or START may claim it */
	SCMD_VP_SYNC,	/* a RUN ioctl of `owner` waits for it */
	SCMD_VP_ASYNC,	/* started by `owner` (or by nobody: found running at load) */
	SCMD_VP_DONE,	/* its START ended; `owner` has not read it yet */
};

/* Why a CPU is no longer in the sidecar (struct scmd_vp.gone). */
enum scmd_gone {
	SCMD_GONE_NO,		/* in the sidecar */
	SCMD_GONE_LINUX,		/* the node's base CPU, or online in Linux at load */
	SCMD_GONE_NOT_STARTED,	/* REMOVED at load, without a crash record */
	SCMD_GONE_CONVERTED,	/* removed by the hotplug callback */
	SCMD_GONE_CRASHED,	/* reported REMOVED by itself, with a crash record */
	SCMD_GONE_VANISHED,	/* reported REMOVED by itself, no crash record */
	SCMD_GONE_LOST,		/* answered neither STOP nor the NMI after it */
};

/* How a CPU's last command ended (struct scmd_vp.result). */
enum scmd_result {
	SCMD_RESULT_DONE,		/* the CPU went IDLE: the command page holds the response */
	SCMD_RESULT_GONE,		/* the CPU went REMOVED (crashed, or converted) */
	SCMD_RESULT_LOST,		/* the driver gave up on the CPU: no response */
};

/* Why the platform sends CPU i a request IPI. */
enum scmd_request {
	SCMD_REQUEST_START,	/* IDLE -> RUN: a new command */
	SCMD_REQUEST_STOP,	/* RUN -> STOP: the STOP bound starts now */
	SCMD_REQUEST_REMOVE,	/* IDLE -> REMOVE: leave the sidecar */
};

struct scmd_file;

/* What the state machine needs from its platform; `ctx` is scmd_node.ctx. */
struct scmd_ops {
	/*
	 * A request IPI to CPU i, after the transition `why` (a STOP also
	 * starts the platform's STOP bound). Under the node lock.
	 */
	void (*send_request)(void *ctx, unsigned int i, enum scmd_request why);
	/* The node has a command in flight again (nactive went 0 -> 1). */
	void (*node_busy)(void *ctx);
	/* Wakes whoever waits for CPU i's command to end. */
	void (*wake_cpu)(void *ctx, unsigned int i);
	/* Wakes readers, pollers and closers of the node's files. */
	void (*wake_node)(void *ctx);
	/*
	 * CPU i reported REMOVED by itself (not a conversion): returns
	 * SCMD_GONE_CRASHED or SCMD_GONE_VANISHED, and may schedule a log.
	 */
	enum scmd_gone (*vanished)(void *ctx, unsigned int i);
};

struct scmd_vp {
	struct scmd_file *owner;	/* SYNC, ASYNC or DONE */
	unsigned char state;		/* enum scmd_vp_state */
	unsigned char gone;		/* enum scmd_gone */
	unsigned char result;		/* enum scmd_result of its last command */
	bool active;		/* moved IDLE->RUN (or found running) and not ended since */
	bool stopping;		/* moved RUN->STOP (or found in STOP) */
	bool converting;	/* the hotplug callback is taking it out */
	bool removing;		/* moved IDLE->REMOVE, REMOVED not seen yet */
};

struct scmd_node {
	struct sidecar_control_page *cp;
	unsigned int base_cpu;
	unsigned int cpu_count;
	unsigned int nactive;		/* CPUs with `active` or `removing` set */
	const struct scmd_ops *ops;
	void *ctx;
	struct scmd_vp *vps;	/* cpu_count entries, zeroed */
};

/* An open file of the node. */
struct scmd_file {
	struct scmd_node *node;
	unsigned int nactive;	/* CPUs it started that have not ended */
	unsigned int head;	/* ring of ended CPUs (node indexes) */
	unsigned int count;
	unsigned int *ring;	/* cpu_count entries: a CPU is in it at most once */
};

void scmd_node_init(struct scmd_node *m, struct sidecar_control_page *cp,
		    unsigned int base_cpu, unsigned int cpu_count, struct scmd_vp *vps,
		    const struct scmd_ops *ops, void *ctx);
void scmd_file_init(struct scmd_file *f, struct scmd_node *m, unsigned int *ring);

int scmd_vp_index(const struct scmd_node *m, unsigned long arg, unsigned int *i);

/* The ioctls. Each returns 0 or a negative errno. */
int scmd_start_locked(struct scmd_node *m, struct scmd_file *f, unsigned int i,
		      bool async);
int scmd_stop_locked(struct scmd_node *m, struct scmd_file *f, unsigned int i);
int scmd_run_finish_locked(struct scmd_node *m, unsigned int i);

/* RUN -> STOP and the request IPI if CPU i runs a command; whether it did. */
bool scmd_cancel_locked(struct scmd_node *m, unsigned int i);

/* Whether CPU i's command ended (a RUN waiter's condition; no lock). */
static inline bool scmd_ended(struct scmd_node *m, unsigned int i)
{
	return !scmd_get(m->vps[i].active);
}

/* read: peek at the head of the file's queue, consume it after the copy. */
bool scmd_read_peek_locked(struct scmd_file *f, unsigned int *i);
bool scmd_read_consume_locked(struct scmd_file *f, unsigned int i);

/* Whether the file has an ended START to read (poll; no lock). */
static inline bool scmd_readable(struct scmd_file *f)
{
	return scmd_get(f->count) != 0;
}

/* Whether none of the file's STARTs is still running (close; no lock). */
static inline bool scmd_file_quiet(struct scmd_file *f)
{
	return scmd_get(f->nactive) == 0;
}

/* close: stop the file's commands; after the wait, give up the stragglers; free. */
void scmd_release_stop_locked(struct scmd_node *m, struct scmd_file *f);
bool scmd_release_straggler_locked(struct scmd_node *m, struct scmd_file *f,
				   unsigned int i);
void scmd_release_end_locked(struct scmd_node *m, struct scmd_file *f);

/* Completions: every status change of the node's CPUs, after the attention. */
void scmd_scan_locked(struct scmd_node *m);
/* Notices a REMOVED the scan has not seen; whether CPU i is gone. */
bool scmd_gone_locked(struct scmd_node *m, unsigned int i);
/* CPU i reported REMOVED. */
void scmd_vp_removed_locked(struct scmd_node *m, unsigned int i);
/* CPU i is given up: its command ends with SCMD_RESULT_LOST, its ioctls with EIO. */
void scmd_lose_locked(struct scmd_node *m, unsigned int i);

/* Load: a CPU found in RUN or STOP (stopped, owned by nobody until IDLE). */
void scmd_adopt_running_locked(struct scmd_node *m, unsigned int i);
/* Load: a CPU found in REMOVE. */
void scmd_adopt_removing_locked(struct scmd_node *m, unsigned int i);

/*
 * Conversion (the hotplug callback). begin: 1 if the CPU already left,
 * 0 after marking it converting and stopping its command, or an errno.
 * request: once its command ended, IDLE -> REMOVE and the IPI (or again,
 * after an earlier attempt timed out); 0, 1 if it already left, or an
 * errno (then it is no longer converting).
 */
int scmd_convert_begin_locked(struct scmd_node *m, unsigned int i);
int scmd_convert_request_locked(struct scmd_node *m, unsigned int i);
void scmd_convert_abort_locked(struct scmd_node *m, unsigned int i);

#endif /* SIDECAR_CMD_STATE_H */
