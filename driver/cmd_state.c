// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The per-CPU command state machine (cmd_state.h), shared by sidecar.ko and
 * the library's user-space test driver. Each rule says what OpenHCL's
 * driver (mshv_vtl_sidecar.c) does where ours differs; docs/driver.md has
 * the same list.
 */
#include "cmd_state.h"

void scmd_node_init(struct scmd_node *m, struct sidecar_control_page *cp,
		    unsigned int base_cpu, unsigned int cpu_count, struct scmd_vp *vps,
		    const struct scmd_ops *ops, void *ctx)
{
	m->cp = cp;
	m->base_cpu = base_cpu;
	m->cpu_count = cpu_count;
	m->nactive = 0;
	m->ops = ops;
	m->ctx = ctx;
	m->vps = vps;
}

void scmd_file_init(struct scmd_file *f, struct scmd_node *m, unsigned int *ring)
{
	f->node = m;
	f->nactive = 0;
	f->head = 0;
	f->count = 0;
	f->ring = ring;
}

/*
 * The node index of CPU `arg`, which must be one of the node's. The
 * argument is an int in OpenHCL's user space: only its low 32 bits count.
 */
int scmd_vp_index(const struct scmd_node *m, unsigned long arg, unsigned int *i)
{
	unsigned int cpu = (unsigned int)arg;

	if (cpu < m->base_cpu || cpu - m->base_cpu >= m->cpu_count)
		return -SCMD_EINVAL;
	*i = cpu - m->base_cpu;
	return 0;
}

static void node_busy_locked(struct scmd_node *m)
{
	if (m->nactive++ == 0)
		m->ops->node_busy(m->ctx);
}

static void node_idle_locked(struct scmd_node *m)
{
	scmd_set(m->nactive, m->nactive - 1);
}

/* The errno of an ioctl on a CPU that is gone or being converted. */
static int gone_errno(const struct scmd_vp *c)
{
	return c->gone == SCMD_GONE_LOST ? -SCMD_EIO : -SCMD_ENOENT;
}

/*
 * CPU i's command ended: it went IDLE, or REMOVED, or was given up. A RUN
 * waiter sees `active` clear; a START goes to its file's queue, where it
 * stays the file's (DONE) until read. The file's ring has an entry for every
 * CPU of the node and a CPU is in it at most once (it cannot be started
 * again before it is read), so it never overflows.
 */
static void complete_locked(struct scmd_node *m, unsigned int i, unsigned char result)
{
	struct scmd_vp *c = &m->vps[i];
	struct scmd_file *f = c->owner;

	c->stopping = false;
	c->result = result;
	scmd_set(c->active, false);
	node_idle_locked(m);
	if (c->state == SCMD_VP_ASYNC) {
		if (f) {
			f->ring[(f->head + f->count) % m->cpu_count] = i;
			scmd_set(f->count, f->count + 1);
			scmd_set(f->nactive, f->nactive - 1);
			c->state = SCMD_VP_DONE;
		} else {
			/* Found running at load: nobody waits for it. */
			c->state = SCMD_VP_FREE;
		}
		m->ops->wake_node(m->ctx);
	}
	m->ops->wake_cpu(m->ctx, i);
}

void scmd_vp_removed_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	if (c->removing) {
		c->removing = false;
		node_idle_locked(m);
		scmd_set(c->gone, SCMD_GONE_CONVERTED);
	} else {
		scmd_set(c->gone, m->ops->vanished(m->ctx, i));
	}
	if (c->active)
		complete_locked(m, i, SCMD_RESULT_GONE);
	m->ops->wake_cpu(m->ctx, i);
	m->ops->wake_node(m->ctx);
}

void scmd_lose_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	scmd_set(c->gone, SCMD_GONE_LOST);
	if (c->active)
		complete_locked(m, i, SCMD_RESULT_LOST);
	m->ops->wake_cpu(m->ctx, i);
	m->ops->wake_node(m->ctx);
}

/*
 * Turns every status change of the node's CPUs into completions. The
 * caller took needs_attention first, whose acquire (and the acquire load
 * of each status) makes the command pages the CPUs wrote visible. Unlike
 * OpenHCL's driver, which scans lazily from read and poll, every scan ends
 * every command that ended: RUN waiters and STARTs alike.
 */
void scmd_scan_locked(struct scmd_node *m)
{
	unsigned int i;

	for (i = 0; i < m->cpu_count; i++) {
		struct scmd_vp *c = &m->vps[i];
		unsigned char status;

		if (c->gone)
			continue;
		status = sidecar_cpu_status(m->cp, i);
		if (status == SIDECAR_CPU_STATUS_REMOVED)
			scmd_vp_removed_locked(m, i);
		else if (c->active && status == SIDECAR_CPU_STATUS_IDLE)
			complete_locked(m, i, SCMD_RESULT_DONE);
	}
}

bool scmd_gone_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	if (!c->gone && sidecar_cpu_status(m->cp, i) == SIDECAR_CPU_STATUS_REMOVED)
		scmd_scan_locked(m);
	return c->gone;
}

/*
 * RUN and START: IDLE -> RUN for a command the VMM wrote into CPU i's
 * command page, then the request IPI. The compare-exchange has release
 * ordering: the command page stores made before the ioctl are visible to
 * the CPU before it can see RUN.
 *
 * Rules, against OpenHCL's driver (sidecar_claim + sidecar_start):
 * - a gone CPU (base, converted, crashed) gives ENOENT; upstream claims its
 *   AVAIL vp_state, WARNs that the status is not IDLE and waits forever;
 * - a lost CPU gives EIO (upstream has no lost CPUs);
 * - a CPU somebody owns gives EBUSY, as upstream's claim does;
 * - a free CPU whose status is not IDLE (the VMM cannot cause that: the
 *   driver only frees IDLE CPUs) gives EBUSY where upstream WARNs and goes
 *   on; the unit tests' driver used to say EIO.
 */
int scmd_start_locked(struct scmd_node *m, struct scmd_file *f, unsigned int i,
		      bool async)
{
	struct scmd_vp *c = &m->vps[i];

	if (scmd_gone_locked(m, i) || c->converting)
		return gone_errno(c);
	if (c->state != SCMD_VP_FREE)
		return -SCMD_EBUSY;
	if (!sidecar_cpu_status_transition(m->cp, i, SIDECAR_CPU_STATUS_IDLE,
					   SIDECAR_CPU_STATUS_RUN))
		return -SCMD_EBUSY;
	c->state = async ? SCMD_VP_ASYNC : SCMD_VP_SYNC;
	c->owner = f;
	c->stopping = false;
	c->result = SCMD_RESULT_DONE;
	scmd_set(c->active, true);
	if (async)
		scmd_set(f->nactive, f->nactive + 1);
	node_busy_locked(m);
	m->ops->send_request(m->ctx, i, SCMD_REQUEST_START);
	return 0;
}

bool scmd_cancel_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	if (!c->active || c->stopping ||
	    !sidecar_cpu_status_transition(m->cp, i, SIDECAR_CPU_STATUS_RUN,
					   SIDECAR_CPU_STATUS_STOP))
		return false;
	c->stopping = true;
	m->ops->send_request(m->ctx, i, SCMD_REQUEST_STOP);
	return true;
}

/*
 * STOP. Rules, against OpenHCL's driver (sidecar_ioctl_stop):
 * - the file's own command, running or ended (read or not): 0. Upstream
 *   gives EINVAL once the completion was read, and OpenHCL's client
 *   panics on any STOP error (cancel() -> stop_async().expect()), which a
 *   cancel racing the wait task's read would hit: we stay lenient;
 * - a free CPU: 0, for the same reason (upstream: EINVAL);
 * - another file's command: EBUSY; upstream has no owners and stops it;
 * - a gone CPU ENOENT, a lost one EIO (upstream: EINVAL).
 */
int scmd_stop_locked(struct scmd_node *m, struct scmd_file *f, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	if (c->owner == f) {
		scmd_cancel_locked(m, i);
		return 0;
	}
	if (scmd_gone_locked(m, i) || c->converting)
		return gone_errno(c);
	if (c->state != SCMD_VP_FREE)
		return -SCMD_EBUSY;
	return 0;
}

/*
 * The end of a RUN, once scmd_ended(): frees the CPU. 0 whenever the CPU
 * went IDLE, signal or not, as OpenHCL's driver does: the command page
 * holds the outcome (a stopped RUN_VP says so in its response). ENOENT if
 * the CPU left the sidecar meanwhile, EIO if it was given up.
 */
int scmd_run_finish_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];
	unsigned char result = c->result;

	c->state = SCMD_VP_FREE;
	c->owner = NULL;
	if (result == SCMD_RESULT_LOST)
		return -SCMD_EIO;
	if (result == SCMD_RESULT_GONE)
		return -SCMD_ENOENT;
	return 0;
}

/*
 * read: the head of the file's queue. The platform copies it to user
 * space unlocked (the copy may fault and sleep) and then consumes it, only
 * if it is still the head: another reader of the same file may have taken
 * it meanwhile, and then the reader copies the next one. Consuming only
 * after a successful copy keeps the CPU the file's (DONE) until then, so
 * nobody can start, end and read it in between. OpenHCL's driver frees
 * first and loses the completion when put_user faults.
 */
bool scmd_read_peek_locked(struct scmd_file *f, unsigned int *i)
{
	if (!f->count)
		return false;
	*i = f->ring[f->head];
	return true;
}

bool scmd_read_consume_locked(struct scmd_file *f, unsigned int i)
{
	struct scmd_node *m = f->node;
	struct scmd_vp *c = &m->vps[i];

	if (!f->count || f->ring[f->head] != i)
		return false;
	f->head = (f->head + 1) % m->cpu_count;
	scmd_set(f->count, f->count - 1);
	c->state = SCMD_VP_FREE;
	c->owner = NULL;
	return true;
}

/*
 * close: stop every command the file started. OpenHCL's driver has no
 * release handler: a killed client leaves its CPUs running and its
 * completions to the next reader.
 */
void scmd_release_stop_locked(struct scmd_node *m, struct scmd_file *f)
{
	unsigned int i;

	for (i = 0; i < m->cpu_count; i++)
		if (m->vps[i].owner == f)
			scmd_cancel_locked(m, i);
}

/* Whether CPU i is a command of the file that did not end in time. */
bool scmd_release_straggler_locked(struct scmd_node *m, struct scmd_file *f,
				   unsigned int i)
{
	return m->vps[i].owner == f && m->vps[i].active;
}

/* Frees the file's CPUs, running (given up: lost) or ended-unread. */
void scmd_release_end_locked(struct scmd_node *m, struct scmd_file *f)
{
	unsigned int i;

	for (i = 0; i < m->cpu_count; i++) {
		struct scmd_vp *c = &m->vps[i];

		if (c->owner == f) {
			c->owner = NULL;
			c->state = SCMD_VP_FREE;
		}
	}
	scmd_set(f->count, 0);
}

/* Left running by an earlier instance: stop it, own it until IDLE. */
void scmd_adopt_running_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	c->active = true;
	c->state = SCMD_VP_ASYNC;
	node_busy_locked(m);
	/* Already in STOP (a CPU the last load lost, say): ask again. */
	if (sidecar_cpu_status(m->cp, i) == SIDECAR_CPU_STATUS_STOP ||
	    sidecar_cpu_status_transition(m->cp, i, SIDECAR_CPU_STATUS_RUN,
					  SIDECAR_CPU_STATUS_STOP)) {
		c->stopping = true;
		m->ops->send_request(m->ctx, i, SCMD_REQUEST_STOP);
	}
}

void scmd_adopt_removing_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	c->converting = true;
	c->removing = true;
	node_busy_locked(m);
}

int scmd_convert_begin_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	scmd_gone_locked(m, i);
	if (c->gone == SCMD_GONE_LOST)
		return -SCMD_EIO;
	if (c->gone)
		return 1;
	c->converting = true;
	scmd_cancel_locked(m, i);
	return 0;
}

void scmd_convert_abort_locked(struct scmd_node *m, unsigned int i)
{
	m->vps[i].converting = false;
}

int scmd_convert_request_locked(struct scmd_node *m, unsigned int i)
{
	struct scmd_vp *c = &m->vps[i];

	scmd_gone_locked(m, i);
	if (c->gone == SCMD_GONE_LOST) {
		/* Given up while its command was stopped. */
		c->converting = false;
		return -SCMD_EIO;
	}
	if (c->gone)
		return 1;
	if (c->active) {
		c->converting = false;
		return -SCMD_EBUSY;
	}
	if (!c->removing) {
		if (!sidecar_cpu_status_transition(m->cp, i, SIDECAR_CPU_STATUS_IDLE,
						   SIDECAR_CPU_STATUS_REMOVE)) {
			c->converting = false;
			return -SCMD_EBUSY;
		}
		c->removing = true;
		node_busy_locked(m);
	}
	/* New, or again after an earlier attempt timed out. */
	m->ops->send_request(m->ctx, i, SCMD_REQUEST_REMOVE);
	return 0;
}
