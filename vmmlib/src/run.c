// SPDX-License-Identifier: MIT
/*
 * Running VPs asynchronously: RUN_VP with SIDECAR_IOCTL_START, and the
 * driver's report of each stop, one CPU number per read() of the node's
 * device.
 *
 * OpenHCL's client runs a task per node that reads the stops and wakes
 * each VP's waiter. A C library should not start threads behind the
 * application's back, so here the waiting threads do the reading
 * themselves (leader/followers): under the node lock, any thread that needs
 * news reads every queued stop and marks those VPs FINISHED; one of the
 * waiters (the poller) sleeps in poll() on the device, the others on the
 * node's condition variable. Whoever marks a VP that is not its own wakes
 * the others: the condition variable for the followers, the node's wake
 * eventfd for the poller (it is in poll(), not on the condition variable),
 * and the client's notify eventfd for an event loop using
 * sidecar_vmm_collect().
 *
 * State per VP, under the node lock: IDLE -start-> RUNNING -stop read->
 * FINISHED -wait-> IDLE. The driver keeps a VP busy from START until its
 * stop has been read (OpenHCL's driver answers EBUSY to START or RUN
 * before that), which is why a FINISHED VP is not yet startable either.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "eventfd.h"
#include "sc_deadline.h"
#include "vp_error.h"
#include "vmm_internal.h"

/* Reads every stop queued on the node; node->lock held. `self` is the VP
 * of the calling waiter (NULL for collect); `notify` says whether stops of
 * other VPs should make the client's poll fd readable. Returns the number
 * of stops or a negative errno. */
static int vmm_node_drain_locked(struct vmm_node *node, const struct sidecar_vp *self, bool notify)
{
	struct sidecar_vmm *vmm = node->vmm;
	bool others = false;
	int count = 0;

	for (;;) {
		uint32_t cpu;
		ssize_t r = VMM_CALL(vmm, read, node->fd, &cpu, sizeof(cpu));
		struct sidecar_vp *vp;

		if (r == -EAGAIN)
			break;
		if (r == -EINTR)
			continue;
		if (r < 0)
			return (int)r;
		if (r != (ssize_t)sizeof(cpu))
			return -EIO;
		if (cpu - node->base_cpu >= node->cpu_count) {
			node->unexpected_stops++;
			continue;
		}
		vp = &node->vps[cpu - node->base_cpu];
		if (vp->state != VMM_RUN_ACTIVE) {
			node->unexpected_stops++;
			continue;
		}
		vp->state = VMM_RUN_FINISHED;
		vp->reported = false;
		count++;
		if (vp != self)
			others = true;
	}
	if (others) {
		pthread_cond_broadcast(&node->cond);
		if (node->poller)
			vmm_eventfd_signal(node->wake_fd);
		if (notify)
			vmm_eventfd_signal(vmm->notify_fd);
	}
	return count;
}

/* The start of sidecar_vp_start() and _wait(): the call's error is
 * RUN_VP's until it says otherwise, and the node lock is taken. */
static struct vmm_node *run_call_begin(struct sidecar_vp *vp)
{
	vmm_vp_error_reset(vp, SIDECAR_COMMAND_RUN_VP);
	pthread_mutex_lock(&vp->node->lock);
	return vp->node;
}

int sidecar_vp_start(struct sidecar_vp *vp)
{
	struct vmm_node *node;
	int r;

	if (!vp)
		return -EINVAL;
	node = run_call_begin(vp);
	if (vp->state != VMM_RUN_NONE) {
		pthread_mutex_unlock(&node->lock);
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -EBUSY,
				   "RUN_VP: cpu %u already has a run in progress", vp->cpu);
	}
	/* The request carries nothing else: RUN_VP runs from cpu_context. */
	vp->page->command = SIDECAR_COMMAND_RUN_VP;
	vp->state = VMM_RUN_ACTIVE;
	vp->reported = false;
	/* START under the lock, so that a concurrent cancel either sees the
	 * VP idle or finds the command started. */
	r = VMM_CALL(node->vmm, ioctl_cpu, node->fd, SIDECAR_IOCTL_START, vp->cpu);
	if (r < 0)
		vp->state = VMM_RUN_NONE;
	pthread_mutex_unlock(&node->lock);
	if (r < 0)
		return vmm_vp_fail_driver(vp, r, "RUN_VP");
	return 0;
}

int sidecar_vp_cancel(struct sidecar_vp *vp)
{
	struct vmm_node *node;
	int r = 0;

	if (!vp)
		return -EINVAL;
	node = vp->node;
	/* Not the owner's call necessarily: leaves vp->error alone. */
	pthread_mutex_lock(&node->lock);
	if (vp->state == VMM_RUN_ACTIVE)
		r = VMM_CALL(node->vmm, ioctl_cpu, node->fd, SIDECAR_IOCTL_STOP, vp->cpu);
	pthread_mutex_unlock(&node->lock);
	return r;
}

bool sidecar_vp_running(const struct sidecar_vp *vp)
{
	bool running;

	if (!vp)
		return false;
	pthread_mutex_lock(&vp->node->lock);
	running = vp->state != VMM_RUN_NONE;
	pthread_mutex_unlock(&vp->node->lock);
	return running;
}

/* Milliseconds left until `deadline` (rounded up), 0 if passed. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	     (deadline->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	if (ns / 1000000 >= INT32_MAX)
		return INT32_MAX;
	return (int)((ns + 999999) / 1000000);
}

/* Sleeps in poll() on the node's device as the poller; lock held on entry
 * and on return. Returns 0 or a negative errno. */
static int poll_device(struct vmm_node *node, int timeout_ms)
{
	struct pollfd fds[2] = {
		{.fd = node->fd, .events = POLLIN},
		{.fd = node->wake_fd, .events = POLLIN},
	};
	int r;

	node->poller = true;
	pthread_mutex_unlock(&node->lock);
	if (node->vmm->transport.ops->poll) {
		r = VMM_CALL(node->vmm, poll, fds, 2, timeout_ms);
	} else {
		r = poll(fds, 2, timeout_ms);
		if (r < 0)
			r = -errno;
	}
	if (r > 0 && (fds[1].revents & POLLIN))
		vmm_eventfd_clear(node->wake_fd);
	pthread_mutex_lock(&node->lock);
	node->poller = false;
	/* Let a follower take over the polling. */
	pthread_cond_broadcast(&node->cond);
	if (r < 0)
		return r;
	if (r > 0 && (fds[0].revents & POLLNVAL))
		return -EBADF;
	if (r > 0 && (fds[0].revents & POLLERR))
		return -EIO;
	return 0;
}

/* Waits until vp leaves RUNNING or the deadline passes; lock held. */
static int wait_locked(struct sidecar_vp *vp, int timeout_ms)
{
	struct vmm_node *node = vp->node;
	struct timespec deadline = {0};
	int r;

	/* node->cond waits on CLOCK_MONOTONIC (vmm.c). */
	if (timeout_ms > 0)
		deadline = sc_deadline_after_ms(CLOCK_MONOTONIC, (uint64_t)timeout_ms);
	for (;;) {
		r = vmm_node_drain_locked(node, vp, true);
		if (r < 0)
			return vmm_vp_fail_driver(vp, r, "RUN_VP: read");
		if (vp->state != VMM_RUN_ACTIVE)
			return 0;
		if (timeout_ms == 0 || (timeout_ms > 0 && ms_left(&deadline) == 0)) {
			/* Not a failure of the driver: the VP is in a state
			 * (running) in which the wait cannot return yet. */
			return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -ETIMEDOUT,
					   "RUN_VP: cpu %u is still running", vp->cpu);
		}
		if (!node->poller) {
			r = poll_device(node, timeout_ms < 0 ? -1 : ms_left(&deadline));
			if (r < 0)
				return vmm_vp_fail_driver(vp, r, "RUN_VP: poll");
		} else if (timeout_ms < 0) {
			pthread_cond_wait(&node->cond, &node->lock);
		} else {
			pthread_cond_timedwait(&node->cond, &node->lock, &deadline);
		}
	}
}

int sidecar_vp_wait(struct sidecar_vp *vp, int timeout_ms)
{
	struct vmm_node *node;
	int r;

	if (!vp)
		return -EINVAL;
	node = run_call_begin(vp);
	if (vp->state == VMM_RUN_NONE) {
		pthread_mutex_unlock(&node->lock);
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -EINVAL,
				   "RUN_VP: cpu %u has no run in progress", vp->cpu);
	}
	r = wait_locked(vp, timeout_ms);
	if (r == 0) {
		vp->state = VMM_RUN_NONE;
		vp->reported = true;
	}
	pthread_mutex_unlock(&node->lock);
	if (r < 0)
		return r;
	/* The stop was read from the driver after the sidecar CPU went idle:
	 * the page is the VMM's again. */
	if (vp->page->has_error)
		return vmm_vp_fail_sidecar(vp);
	return sidecar_response_run_vp(vp->page)->intercept ? SIDECAR_VP_INTERCEPT
							    : SIDECAR_VP_STOPPED;
}

/* Moves the node's unreported stops to cpus[]; lock held. Returns how many
 * it stored; *left says whether some did not fit. */
static size_t collect_node(struct vmm_node *node, uint32_t *cpus, size_t max, bool *left)
{
	size_t n = 0;

	for (uint32_t i = 0; i < node->cpu_count; i++) {
		struct sidecar_vp *vp = &node->vps[i];

		if (vp->state != VMM_RUN_FINISHED || vp->reported)
			continue;
		if (n == max) {
			*left = true;
			break;
		}
		vp->reported = true;
		cpus[n++] = vp->cpu;
	}
	return n;
}

int sidecar_vmm_collect(struct sidecar_vmm *vmm, unsigned int node, uint32_t *cpus, size_t max)
{
	unsigned int first = node, last = node;
	bool left = false;
	size_t n = 0;

	if (!vmm || (!cpus && max))
		return -EINVAL;
	if (node == SIDECAR_VMM_ALL_NODES) {
		first = 0;
		last = vmm->node_count - 1;
		/* Before scanning: a stop marked after this is seen by the scan
		 * or signals again. */
		vmm_eventfd_clear(vmm->notify_fd);
	} else if (node >= vmm->node_count) {
		return -EINVAL;
	}
	if (max > INT32_MAX)
		max = INT32_MAX;
	for (unsigned int i = first; i <= last; i++) {
		struct vmm_node *nd = &vmm->nodes[i];
		int r;

		pthread_mutex_lock(&nd->lock);
		r = vmm_node_drain_locked(nd, NULL, false);
		if (r >= 0)
			/* cpus may be NULL when max is 0 (C17 6.5.6: no
			 * arithmetic on a null pointer). */
			n += collect_node(nd, max ? cpus + n : NULL, max - n, &left);
		pthread_mutex_unlock(&nd->lock);
		if (r < 0) {
			/* Report what was collected; the error comes back on
			 * the next call. */
			if (n)
				break;
			return r;
		}
	}
	/* Keep the poll fd readable while reports remain. */
	if (left)
		vmm_eventfd_signal(vmm->notify_fd);
	return (int)n;
}
