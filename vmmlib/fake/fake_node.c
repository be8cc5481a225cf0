// SPDX-License-Identifier: MIT
/*
 * The fake driver's platform under sidecar.ko's own command state machine
 * (driver/cmd_state.c), as node.c and dev.c are in the kernel: a pthread
 * mutex for the node lock, a condition variable for the wait queues, an
 * "interrupt thread" per node for the response IPIs and the scan, eventfds
 * for poll. Every rule (who may start, stop and read a CPU, what RUN
 * returns after a signal, what close undoes) is the shipping one. The
 * other side of the control page is the real sidecar core running on the
 * hosted platform.
 */
#include <pthread.h>
#include <sidecar/control_ops.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "fake_internal.h"
#include "sc_deadline.h"

#define WAIT_SLICE_MS 100

uint8_t fake_status_of(struct fake_node *node, uint32_t i)
{
	return sidecar_cpu_status(node->control, i);
}

/* An eventfd is readable while its file has something to read: the
 * machine's queue (scmd_readable()) or a stray report. Lock held. */
void fake_sync_readable(struct fake_node *node)
{
	for (unsigned int f = 0; f < FAKE_MAX_FILES; f++) {
		struct fake_file *file = &node->files[f];
		bool want;
		uint64_t v = 1;

		if (!file->open)
			continue;
		want = scmd_readable(&file->cmd) || file->nstray > 0;
		if (want == file->readable)
			continue;
		if (want ? write(file->efd, &v, sizeof(v)) < 0 : read(file->efd, &v, sizeof(v)) < 0)
			continue;
		file->readable = want;
	}
}

static void op_send_request(void *ctx, unsigned int i, enum scmd_request why)
{
	struct fake_node *node = ctx;

	(void)why;
	sk_hosted_kick(&node->cpus[i].hc);
}

/* No watchdog: the interrupt thread scans every WAIT_SLICE_MS anyway. */
static void op_node_busy(void *ctx)
{
	(void)ctx;
}

static void op_wake_cpu(void *ctx, unsigned int i)
{
	struct fake_node *node = ctx;

	(void)i;
	pthread_cond_broadcast(&node->cond);
}

static void op_wake_node(void *ctx)
{
	struct fake_node *node = ctx;

	fake_sync_readable(node);
	pthread_cond_broadcast(&node->cond);
}

/* The hosted core writes no crash records. */
static enum scmd_gone op_vanished(void *ctx, unsigned int i)
{
	(void)ctx;
	(void)i;
	return SCMD_GONE_VANISHED;
}

const struct scmd_ops fake_cmd_ops = {
	.send_request = op_send_request,
	.node_busy = op_node_busy,
	.wake_cpu = op_wake_cpu,
	.wake_node = op_wake_node,
	.vanished = op_vanished,
};

/* Waits on the node's condition variable for up to a slice; lock held. */
void fake_wait_scan(struct fake_node *node)
{
	/* node->cond waits on the default clock. */
	struct timespec t = sc_deadline_after_ms(CLOCK_REALTIME, WAIT_SLICE_MS);

	pthread_cond_timedwait(&node->cond, &node->lock, &t);
}

uint64_t fake_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Waits, lock held, until CPU i's command ended or STOP_BOUND_MS passed. */
bool fake_wait_ended(struct fake_node *node, uint32_t i)
{
	uint64_t deadline = fake_now_ms() + STOP_BOUND_MS;

	while (!scmd_ended(&node->cmd, i)) {
		if (fake_now_ms() >= deadline)
			return false;
		fake_wait_scan(node);
	}
	return true;
}

/* sidecar_vp_expire_locked(): look once more, then give the CPU up. */
void fake_expire(struct fake_node *node, uint32_t i)
{
	sidecar_take_attention(node->control);
	scmd_scan_locked(&node->cmd);
	if (node->cmd_vps[i].active && !node->cmd_vps[i].gone)
		scmd_lose_locked(&node->cmd, i);
}

/* The driver's response interrupt: a CPU changed its status. */
static void scan(struct fake_node *node)
{
	pthread_mutex_lock(&node->lock);
	sidecar_take_attention(node->control);
	scmd_scan_locked(&node->cmd);
	pthread_cond_broadcast(&node->cond);
	pthread_mutex_unlock(&node->lock);
}

void *fake_irq_thread(void *arg)
{
	struct fake_node *node = arg;
	uint64_t seen = 0;

	while (!atomic_load(&node->stopping)) {
		seen = sk_hosted_host_wait(&node->host, seen, WAIT_SLICE_MS);
		scan(node);
	}
	return NULL;
}

void fake_wake_irq_thread(struct fake_node *node)
{
	pthread_mutex_lock(&node->host.lock);
	node->host.ipis++;
	pthread_cond_broadcast(&node->host.cond);
	pthread_mutex_unlock(&node->host.lock);
}

static struct fake_vp *cpu_in(struct fake_node *node, uint32_t cpu)
{
	if (cpu < node->base_cpu || cpu - node->base_cpu >= node->cpu_count)
		return NULL;
	return &node->cpus[cpu - node->base_cpu];
}

struct fake_vp *fake_find_cpu(struct fake_driver *fake, uint32_t cpu)
{
	for (unsigned int n = 0; n < fake->config.node_count; n++) {
		struct fake_vp *c = cpu_in(&fake->nodes[n], cpu);

		if (c)
			return c;
	}
	return NULL;
}
