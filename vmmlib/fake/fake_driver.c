// SPDX-License-Identifier: MIT
/*
 * The emulated sidecar driver of the library's unit tests (fake_driver.h):
 * creating and destroying it, and the controls through which a test
 * steers it. Its platform is fake_node.c, its face to the library
 * fake_transport.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sidecar/control_ops.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fake_internal.h"
#include "sidecar_vmm.h"

#define REQUEST_VECTOR	0xF0
#define RESPONSE_VECTOR 0xF3
#define RESPONSE_APIC	0x42

static bool init_node(struct fake_driver *fake, unsigned int index, uint32_t base)
{
	struct fake_node *node = &fake->nodes[index];
	uint32_t count = fake->config.cpus[index];

	node->fake = fake;
	node->index = index;
	node->base_cpu = base;
	node->cpu_count = count;
	node->per_cpu_shmem =
		fake->config.per_cpu_shmem ? fake->config.per_cpu_shmem : 2 * SIDECAR_PAGE_SIZE;
	node->control = aligned_alloc(SIDECAR_PAGE_SIZE, sizeof(*node->control));
	/* aligned_alloc wants a multiple of the alignment (C11 7.22.3.1). */
	node->shmem = aligned_alloc(SIDECAR_PAGE_SIZE,
				    ((size_t)count * node->per_cpu_shmem + SIDECAR_PAGE_SIZE - 1) &
					    ~(size_t)(SIDECAR_PAGE_SIZE - 1));
	if (!node->control || !node->shmem)
		return false;
	memset(node->control, 0, sizeof(*node->control));
	memset(node->shmem, 0, (size_t)count * node->per_cpu_shmem);
	node->control->index = index;
	node->control->base_cpu = base;
	node->control->cpu_count = count;
	node->control->request_vector = REQUEST_VECTOR;
	node->control->response_cpu = RESPONSE_APIC;
	node->control->response_vector = RESPONSE_VECTOR;
	pthread_mutex_init(&node->lock, NULL);
	pthread_cond_init(&node->cond, NULL);
	sk_hosted_host_init(&node->host);
	atomic_init(&node->stopping, false);
	scmd_node_init(&node->cmd, node->control, base, count, node->cmd_vps, &fake_cmd_ops, node);
	scmd_file_init(&node->other, &node->cmd, NULL);
	/* The base CPU runs Linux, as take_initial_state() finds it. */
	node->cmd_vps[0].gone = SCMD_GONE_LINUX;

	for (uint32_t i = 0; i < count; i++) {
		struct fake_vp *c = &node->cpus[i];

		c->node = node;
		c->index = i;
		sk_hosted_cpu_init(
			&c->hc, &node->host, node->control,
			(struct sidecar_command_page *)(void *)(node->shmem +
								(size_t)i * node->per_cpu_shmem),
			i, base + i);
		fake_vp_backend_init(c);
		if (i > 0) {
			sidecar_cpu_status_publish(node->control, i, SIDECAR_CPU_STATUS_RUN);
			sk_hosted_cpu_start(&c->hc);
			c->started = true;
		}
	}
	/* As the BSP: every started CPU announces itself IDLE. */
	for (uint32_t i = 1; i < count; i++) {
		while (fake_status_of(node, i) == SIDECAR_CPU_STATUS_RUN) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	pthread_create(&node->irq_thread, NULL, fake_irq_thread, node);
	return true;
}

static bool create_guest_memory(struct fake_driver *fake)
{
	size_t size = (size_t)fake->config.guest_memory_size;
	void *view;

	fake->guest_memfd = memfd_create("fake-guest-memory", MFD_CLOEXEC);
	if (fake->guest_memfd < 0)
		return false;
	if (ftruncate(fake->guest_memfd, (off_t)size) < 0)
		return false;
	view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fake->guest_memfd, 0);
	if (view == MAP_FAILED)
		return false;
	fake->guest_view = view;
	return true;
}

uint8_t *fake_guest_memory(struct fake_driver *fake)
{
	return fake->guest_view;
}

bool fake_guest_memory_in_use(struct fake_driver *fake)
{
	return fake->guest_fd >= 0 || fake->guest_map != NULL;
}

struct fake_driver *fake_create(const struct fake_config *config)
{
	struct fake_driver *fake;
	uint32_t base = 0;

	if (config->node_count > FAKE_MAX_NODES)
		return NULL;
	for (unsigned int n = 0; n < config->node_count; n++) {
		if (config->cpus[n] == 0 || config->cpus[n] > FAKE_MAX_CPUS)
			return NULL;
	}
	fake = calloc(1, sizeof(*fake));
	if (!fake)
		return NULL;
	fake->config = *config;
	pthread_mutex_init(&fake->lock, NULL);
	for (size_t i = 0; i < sizeof(fake->fds) / sizeof(fake->fds[0]); i++)
		fake->fds[i].fd = -1;
	fake->guest_memfd = -1;
	fake->guest_fd = -1;
	if (config->guest_memory_size && !create_guest_memory(fake)) {
		fake->config.node_count = 0;
		fake_destroy(fake);
		return NULL;
	}
	for (unsigned int n = 0; n < config->node_count; n++) {
		if (!init_node(fake, n, base)) {
			fake->config.node_count = n;
			fake_destroy(fake);
			return NULL;
		}
		base += config->cpus[n];
	}
	return fake;
}

/* Takes every CPU out of the sidecar, as a driver unload would. */
static void shutdown_node(struct fake_node *node)
{
	pthread_mutex_lock(&node->lock);
	for (uint32_t i = 1; i < node->cpu_count; i++) {
		struct fake_vp *c = &node->cpus[i];

		for (;;) {
			uint8_t s = fake_status_of(node, i);

			if (s == SIDECAR_CPU_STATUS_REMOVED)
				break;
			if ((s == SIDECAR_CPU_STATUS_IDLE &&
			     sidecar_cpu_status_transition(node->control, i, s,
							   SIDECAR_CPU_STATUS_REMOVE)) ||
			    (s == SIDECAR_CPU_STATUS_RUN &&
			     sidecar_cpu_status_transition(node->control, i, s,
							   SIDECAR_CPU_STATUS_STOP)))
				sk_hosted_kick(&c->hc);
			fake_wait_scan(node);
		}
	}
	pthread_mutex_unlock(&node->lock);
	atomic_store(&node->stopping, true);
	fake_wake_irq_thread(node);
	pthread_join(node->irq_thread, NULL);
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		if (node->cpus[i].started)
			sk_hosted_cpu_join(&node->cpus[i].hc);
		sk_hosted_cpu_destroy(&node->cpus[i].hc);
	}
	for (unsigned int f = 0; f < FAKE_MAX_FILES; f++) {
		if (node->files[f].open)
			close(node->files[f].efd);
	}
	sk_hosted_host_destroy(&node->host);
	pthread_mutex_destroy(&node->lock);
	pthread_cond_destroy(&node->cond);
}

void fake_destroy(struct fake_driver *fake)
{
	if (!fake)
		return;
	for (unsigned int n = 0; n < fake->config.node_count; n++) {
		struct fake_node *node = &fake->nodes[n];

		if (node->control && node->shmem)
			shutdown_node(node);
		free(node->control);
		free(node->shmem);
		free(node->status_text);
	}
	if (fake->guest_view)
		munmap(fake->guest_view, (size_t)fake->config.guest_memory_size);
	if (fake->guest_memfd >= 0)
		close(fake->guest_memfd);
	pthread_mutex_destroy(&fake->lock);
	free(fake);
}

void fake_inject(struct fake_driver *fake, enum fake_op op, int err, unsigned int skip)
{
	pthread_mutex_lock(&fake->lock);
	fake->inject[op].armed = true;
	fake->inject[op].err = err;
	fake->inject[op].skip = skip;
	pthread_mutex_unlock(&fake->lock);
}

/* sidecar_node_remove_cpu(): the hotplug callback's conversion. */
int fake_remove_cpu(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);
	struct fake_node *node;
	uint64_t deadline;
	int r;

	if (!c)
		return -EINVAL;
	node = c->node;
	pthread_mutex_lock(&node->lock);
	r = scmd_convert_begin_locked(&node->cmd, c->index);
	if (r == 0) {
		fake_wait_ended(node, c->index);
		r = scmd_convert_request_locked(&node->cmd, c->index);
	}
	if (r == 0) {
		deadline = fake_now_ms() + STOP_BOUND_MS;
		while (!node->cmd_vps[c->index].gone && fake_now_ms() < deadline)
			fake_wait_scan(node);
		if (!node->cmd_vps[c->index].gone)
			r = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&node->lock);
	return r < 0 ? r : 0;
}

void fake_set_online_converts(struct fake_driver *fake, bool converts)
{
	fake->online_is_noop = !converts;
}

/* Another file's RUN in progress, as far as the machine can tell. */
void fake_set_busy(struct fake_driver *fake, uint32_t cpu, bool busy)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);
	struct scmd_vp *mc;

	if (!c)
		return;
	pthread_mutex_lock(&c->node->lock);
	mc = &c->node->cmd_vps[c->index];
	if (busy && mc->state == SCMD_VP_FREE) {
		mc->state = SCMD_VP_SYNC;
		mc->owner = &c->node->other;
	} else if (!busy && mc->owner == &c->node->other) {
		mc->state = SCMD_VP_FREE;
		mc->owner = NULL;
	}
	pthread_mutex_unlock(&c->node->lock);
}

void fake_signal_next_run(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);

	if (!c)
		return;
	pthread_mutex_lock(&c->node->lock);
	c->signal_next_run = true;
	pthread_mutex_unlock(&c->node->lock);
}

uint8_t fake_vp_status(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);

	return c ? fake_status_of(c->node, c->index) : SIDECAR_VMM_CPU_STATUS_UNKNOWN;
}

unsigned int fake_log(struct fake_driver *fake, uint32_t cpu, struct fake_log_entry *out,
		      unsigned int max)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);
	unsigned int n;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->node->lock);
	n = c->log_count;
	for (unsigned int i = 0; i < n && i < max; i++)
		out[i] = c->log[i];
	pthread_mutex_unlock(&c->node->lock);
	return n;
}

void fake_clear_log(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);

	if (!c)
		return;
	pthread_mutex_lock(&c->node->lock);
	c->log_count = 0;
	pthread_mutex_unlock(&c->node->lock);
}

void fake_set_status_text(struct fake_driver *fake, unsigned int node, const char *text)
{
	struct fake_node *n;

	if (node >= fake->config.node_count)
		return;
	n = &fake->nodes[node];
	pthread_mutex_lock(&n->lock);
	free(n->status_text);
	n->status_text = text ? strdup(text) : NULL;
	pthread_mutex_unlock(&n->lock);
}

void fake_queue_stray_stop(struct fake_driver *fake, unsigned int node, uint32_t cpu)
{
	struct fake_node *n;

	if (node >= fake->config.node_count)
		return;
	n = &fake->nodes[node];
	pthread_mutex_lock(&n->lock);
	for (unsigned int f = 0; f < FAKE_MAX_FILES; f++) {
		if (n->files[f].open) {
			if (n->files[f].nstray < FAKE_STRAY_MAX)
				n->files[f].stray[n->files[f].nstray++] = cpu;
			fake_sync_readable(n);
			break;
		}
	}
	pthread_mutex_unlock(&n->lock);
}
