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
 * logging, sleeping) goes through struct sc_cmd_ops.
 *
 * Locking: every function named *_locked runs under the platform's node
 * lock (a spinlock in the kernel, a mutex in the fake), which serialises
 * all of it. The fields that waiters test without the lock are read with
 * sc_cmd_get() and written with sc_cmd_set().
 */
#ifndef SIDECAR_CMD_STATE_H
#define SIDECAR_CMD_STATE_H

#include <sidecar/control_ops.h>

/*
 * A single load or store the compiler may neither tear nor repeat nor
 * elide (the kernel's READ_ONCE/WRITE_ONCE), written with the compiler's
 * atomics so that both builds, and ThreadSanitizer, accept it.
 */
#define sc_cmd_get(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define sc_cmd_set(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/*
 * The errno values this file returns (negated), which it can take from
 * neither libc nor Linux; each user checks them against its <errno.h>.
 */
#define SC_CMD_ENOENT 2
#define SC_CMD_EIO 5
#define SC_CMD_EBUSY 16
#define SC_CMD_EINVAL 22

/* Who owns a CPU's command page (struct sc_cmd_cpu.state). */
enum sc_cmd_cpu_state {
	SC_CPU_FREE,	/* nobody: RUN or START may claim it */
	SC_CPU_SYNC,	/* a RUN ioctl of `owner` waits for it */
	SC_CPU_ASYNC,	/* started by `owner` (or by nobody: found running at load) */
	SC_CPU_DONE,	/* its START ended; `owner` has not read it yet */
};

/* Why a CPU is no longer in the sidecar (struct sc_cmd_cpu.gone). */
enum sc_cmd_gone {
	SC_GONE_NO,		/* in the sidecar */
	SC_GONE_LINUX,		/* the node's base CPU, or online in Linux at load */
	SC_GONE_NOT_STARTED,	/* REMOVED at load, without a crash record */
	SC_GONE_CONVERTED,	/* removed by the hotplug callback */
	SC_GONE_CRASHED,	/* reported REMOVED by itself, with a crash record */
	SC_GONE_VANISHED,	/* reported REMOVED by itself, no crash record */
	SC_GONE_LOST,		/* answered neither STOP nor the NMI after it */
};

/* How a CPU's last command ended (struct sc_cmd_cpu.result). */
enum sc_cmd_result {
	SC_RESULT_DONE,		/* the CPU went IDLE: the command page holds the response */
	SC_RESULT_GONE,		/* the CPU went REMOVED (crashed, or converted) */
	SC_RESULT_LOST,		/* the driver gave up on the CPU: no response */
};

/* Why the platform sends CPU i a request IPI. */
enum sc_cmd_request {
	SC_REQUEST_START,	/* IDLE -> RUN: a new command */
	SC_REQUEST_STOP,	/* RUN -> STOP: the STOP bound starts now */
	SC_REQUEST_REMOVE,	/* IDLE -> REMOVE: leave the sidecar */
};

struct sc_cmd_file;

/* What the state machine needs from its platform; `ctx` is sc_cmd_node.ctx. */
struct sc_cmd_ops {
	/*
	 * A request IPI to CPU i, after the transition `why` (a STOP also
	 * starts the platform's STOP bound). Under the node lock.
	 */
	void (*send_request)(void *ctx, unsigned int i, enum sc_cmd_request why);
	/* The node has a command in flight again (nactive went 0 -> 1). */
	void (*node_busy)(void *ctx);
	/* Wakes whoever waits for CPU i's command to end. */
	void (*wake_cpu)(void *ctx, unsigned int i);
	/* Wakes readers, pollers and closers of the node's files. */
	void (*wake_node)(void *ctx);
	/*
	 * CPU i reported REMOVED by itself (not a conversion): returns
	 * SC_GONE_CRASHED or SC_GONE_VANISHED, and may schedule a log.
	 */
	enum sc_cmd_gone (*vanished)(void *ctx, unsigned int i);
};

struct sc_cmd_cpu {
	struct sc_cmd_file *owner;	/* SYNC, ASYNC or DONE */
	unsigned char state;		/* enum sc_cmd_cpu_state */
	unsigned char gone;		/* enum sc_cmd_gone */
	unsigned char result;		/* enum sc_cmd_result of its last command */
	bool active;		/* moved IDLE->RUN (or found running) and not ended since */
	bool stopping;		/* moved RUN->STOP (or found in STOP) */
	bool converting;	/* the hotplug callback is taking it out */
	bool removing;		/* moved IDLE->REMOVE, REMOVED not seen yet */
};

struct sc_cmd_node {
	struct sidecar_control_page *cp;
	unsigned int base_cpu;
	unsigned int cpu_count;
	unsigned int nactive;		/* CPUs with `active` or `removing` set */
	const struct sc_cmd_ops *ops;
	void *ctx;
	struct sc_cmd_cpu *cpus;	/* cpu_count entries, zeroed */
};

/* An open file of the node. */
struct sc_cmd_file {
	struct sc_cmd_node *node;
	unsigned int nactive;	/* CPUs it started that have not ended */
	unsigned int head;	/* ring of ended CPUs (node indexes) */
	unsigned int count;
	unsigned int *ring;	/* cpu_count entries: a CPU is in it at most once */
};

void sc_cmd_node_init(struct sc_cmd_node *m, struct sidecar_control_page *cp,
		      unsigned int base_cpu, unsigned int cpu_count, struct sc_cmd_cpu *cpus,
		      const struct sc_cmd_ops *ops, void *ctx);
void sc_cmd_file_init(struct sc_cmd_file *f, struct sc_cmd_node *m, unsigned int *ring);

int sc_cmd_cpu_index(const struct sc_cmd_node *m, unsigned long arg, unsigned int *i);

/* The ioctls. Each returns 0 or a negative errno. */
int sc_cmd_start_locked(struct sc_cmd_node *m, struct sc_cmd_file *f, unsigned int i,
			bool async);
int sc_cmd_stop_locked(struct sc_cmd_node *m, struct sc_cmd_file *f, unsigned int i);
int sc_cmd_run_finish_locked(struct sc_cmd_node *m, unsigned int i);

/* RUN -> STOP and the request IPI if CPU i runs a command; whether it did. */
bool sc_cmd_cancel_locked(struct sc_cmd_node *m, unsigned int i);

/* Whether CPU i's command ended (a RUN waiter's condition; no lock). */
static inline bool sc_cmd_ended(struct sc_cmd_node *m, unsigned int i)
{
	return !sc_cmd_get(m->cpus[i].active);
}

/* read: peek at the head of the file's queue, consume it after the copy. */
bool sc_cmd_read_peek_locked(struct sc_cmd_file *f, unsigned int *i);
bool sc_cmd_read_consume_locked(struct sc_cmd_file *f, unsigned int i);

/* Whether the file has an ended START to read (poll; no lock). */
static inline bool sc_cmd_readable(struct sc_cmd_file *f)
{
	return sc_cmd_get(f->count) != 0;
}

/* Whether none of the file's STARTs is still running (close; no lock). */
static inline bool sc_cmd_file_quiet(struct sc_cmd_file *f)
{
	return sc_cmd_get(f->nactive) == 0;
}

/* close: stop the file's commands; after the wait, give up the stragglers; free. */
void sc_cmd_release_stop_locked(struct sc_cmd_node *m, struct sc_cmd_file *f);
bool sc_cmd_release_straggler_locked(struct sc_cmd_node *m, struct sc_cmd_file *f,
				     unsigned int i);
void sc_cmd_release_end_locked(struct sc_cmd_node *m, struct sc_cmd_file *f);

/* Completions: every status change of the node's CPUs, after the attention. */
void sc_cmd_scan_locked(struct sc_cmd_node *m);
/* Notices a REMOVED the scan has not seen; whether CPU i is gone. */
bool sc_cmd_gone_locked(struct sc_cmd_node *m, unsigned int i);
/* CPU i reported REMOVED. */
void sc_cmd_cpu_removed_locked(struct sc_cmd_node *m, unsigned int i);
/* CPU i is given up: its command ends with SC_RESULT_LOST, its ioctls with EIO. */
void sc_cmd_lose_locked(struct sc_cmd_node *m, unsigned int i);

/* Load: a CPU found in RUN or STOP (stopped, owned by nobody until IDLE). */
void sc_cmd_adopt_running_locked(struct sc_cmd_node *m, unsigned int i);
/* Load: a CPU found in REMOVE. */
void sc_cmd_adopt_removing_locked(struct sc_cmd_node *m, unsigned int i);

/*
 * Conversion (the hotplug callback). begin: 1 if the CPU already left,
 * 0 after marking it converting and stopping its command, or an errno.
 * request: once its command ended, IDLE -> REMOVE and the IPI (or again,
 * after an earlier attempt timed out); 0, 1 if it already left, or an
 * errno (then it is no longer converting).
 */
int sc_cmd_convert_begin_locked(struct sc_cmd_node *m, unsigned int i);
int sc_cmd_convert_request_locked(struct sc_cmd_node *m, unsigned int i);
void sc_cmd_convert_abort_locked(struct sc_cmd_node *m, unsigned int i);

#endif /* SIDECAR_CMD_STATE_H */
