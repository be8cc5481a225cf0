// SPDX-License-Identifier: MIT
/*
 * The emulated sidecar driver of the library's unit tests (fake_driver.h).
 * Its per-CPU command state machine is sidecar.ko's own, compiled from
 * driver/cmd_state.c: every rule (who may start, stop and read a CPU, what
 * RUN returns after a signal, what close undoes) is the shipping one. This
 * file is only the machine's platform, as node.c and dev.c are in the
 * kernel: a pthread mutex for the node lock, a condition variable for the
 * wait queues, an "interrupt thread" per node for the response IPIs and
 * the scan, eventfds for poll. The other side of the control page is the
 * real sidecar core running on the hosted platform.
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
#include "sc_deadline.h"
#include "sidecar_vmm.h"

#define REQUEST_VECTOR	0xF0
#define RESPONSE_VECTOR 0xF3
#define RESPONSE_APIC	0x42
#define WAIT_SLICE_MS	100
/* The fake's stand-in for sidecar_stop_bound(): the hosted core answers a
 * STOP at once, so only a broken test gets near it. */
#define STOP_BOUND_MS 10000

/* cmd_state.c's errno values are the C library's. */
_Static_assert(SCMD_ENOENT == ENOENT && SCMD_EIO == EIO && SCMD_EBUSY == EBUSY &&
		       SCMD_EINVAL == EINVAL,
	       "cmd_state.h errno values");

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

/* ---- The state machine's platform (node.c's part in the kernel) ---- */

static uint8_t status_of(struct fake_node *node, uint32_t i)
{
	return sidecar_cpu_status(node->control, i);
}

/* An eventfd is readable while its file has something to read: the
 * machine's queue (scmd_readable()) or a stray report. Lock held. */
static void sync_readable(struct fake_node *node)
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

	sync_readable(node);
	pthread_cond_broadcast(&node->cond);
}

/* The hosted core writes no crash records. */
static enum scmd_gone op_vanished(void *ctx, unsigned int i)
{
	(void)ctx;
	(void)i;
	return SCMD_GONE_VANISHED;
}

static const struct scmd_ops fake_cmd_ops = {
	.send_request = op_send_request,
	.node_busy = op_node_busy,
	.wake_cpu = op_wake_cpu,
	.wake_node = op_wake_node,
	.vanished = op_vanished,
};

/* Waits on the node's condition variable for up to a slice; lock held. */
static void wait_scan(struct fake_node *node)
{
	/* node->cond waits on the default clock. */
	struct timespec t = sc_deadline_after_ms(CLOCK_REALTIME, WAIT_SLICE_MS);

	pthread_cond_timedwait(&node->cond, &node->lock, &t);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Waits, lock held, until CPU i's command ended or STOP_BOUND_MS passed. */
static bool wait_ended(struct fake_node *node, uint32_t i)
{
	uint64_t deadline = now_ms() + STOP_BOUND_MS;

	while (!scmd_ended(&node->cmd, i)) {
		if (now_ms() >= deadline)
			return false;
		wait_scan(node);
	}
	return true;
}

/* sidecar_vp_expire_locked(): look once more, then give the CPU up. */
static void expire(struct fake_node *node, uint32_t i)
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

static void *irq_thread(void *arg)
{
	struct fake_node *node = arg;
	uint64_t seen = 0;

	while (!atomic_load(&node->stopping)) {
		seen = sk_hosted_host_wait(&node->host, seen, WAIT_SLICE_MS);
		scan(node);
	}
	return NULL;
}

static void wake_irq_thread(struct fake_node *node)
{
	pthread_mutex_lock(&node->host.lock);
	node->host.ipis++;
	pthread_cond_broadcast(&node->host.cond);
	pthread_mutex_unlock(&node->host.lock);
}

/* ---- Helpers ---- */

static int injected(struct fake_driver *fake, enum fake_op op)
{
	int r = 0;

	pthread_mutex_lock(&fake->lock);
	if (fake->inject[op].armed) {
		if (fake->inject[op].skip) {
			fake->inject[op].skip--;
		} else {
			fake->inject[op].armed = false;
			r = -fake->inject[op].err;
		}
	}
	pthread_mutex_unlock(&fake->lock);
	return r;
}

static bool lookup(struct fake_driver *fake, int fd, struct fake_node **node, unsigned int *file)
{
	bool found = false;

	pthread_mutex_lock(&fake->lock);
	for (size_t i = 0; i < sizeof(fake->fds) / sizeof(fake->fds[0]); i++) {
		if (fake->fds[i].fd == fd && fd >= 0) {
			*node = &fake->nodes[fake->fds[i].node];
			*file = fake->fds[i].file;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&fake->lock);
	return found;
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

/* What the command page asks, as the driver found it before the start. */
static struct fake_log_entry snapshot(struct fake_vp *c, bool async)
{
	const struct sidecar_command_page *page =
		(const struct sidecar_command_page *)(const void *)(c->node->shmem +
								    (size_t)c->index *
									    c->node->per_cpu_shmem);
	struct fake_log_entry e = {.command = page->command, .async = async};

	if (page->command == SIDECAR_COMMAND_GET_VP_REGISTERS ||
	    page->command == SIDECAR_COMMAND_SET_VP_REGISTERS)
		e.count = sidecar_request_get_set((struct sidecar_command_page *)page)->count;
	return e;
}

static void add_log(struct fake_vp *c, const struct fake_log_entry *e)
{
	if (c->log_count < FAKE_LOG_SIZE)
		c->log[c->log_count++] = *e;
}

/* ---- Transport ---- */

/* The guest memory device: one open file at a time is all the tests need. */
static int open_guest(struct fake_driver *fake)
{
	int fd, r;

	if (fake->guest_memfd < 0)
		return -ENOENT;
	r = injected(fake, FAKE_OP_OPEN);
	if (r)
		return r;
	pthread_mutex_lock(&fake->lock);
	if (fake->guest_fd >= 0) {
		pthread_mutex_unlock(&fake->lock);
		return -EBUSY;
	}
	fd = fcntl(fake->guest_memfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		fd = -errno;
	else
		fake->guest_fd = fd;
	pthread_mutex_unlock(&fake->lock);
	return fd;
}

static int f_open(void *ctx, const char *name)
{
	struct fake_driver *fake = ctx;
	const char *prefix = fake->config.mshv_names ? "mshv_vtl_sidecar" : "sidecar";
	size_t plen = strlen(prefix);
	struct fake_node *node;
	unsigned int index = 0, f;
	int r, efd;

	if (strcmp(name, "sidecar_guest") == 0)
		return open_guest(fake);
	if (strncmp(name, prefix, plen) != 0 || name[plen] == '\0')
		return -ENOENT;
	for (const char *p = name + plen; *p; p++) {
		if (*p < '0' || *p > '9' || index > 1000)
			return -ENOENT;
		index = index * 10 + (unsigned int)(*p - '0');
	}
	if (index >= fake->config.node_count)
		return -ENOENT;
	r = injected(fake, FAKE_OP_OPEN);
	if (r)
		return r;
	node = &fake->nodes[index];
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		return -errno;
	pthread_mutex_lock(&node->lock);
	for (f = 0; f < FAKE_MAX_FILES && node->files[f].open; f++)
		;
	if (f == FAKE_MAX_FILES) {
		pthread_mutex_unlock(&node->lock);
		close(efd);
		return -EMFILE;
	}
	node->files[f].open = true;
	node->files[f].efd = efd;
	node->files[f].readable = false;
	node->files[f].nstray = 0;
	scmd_file_init(&node->files[f].cmd, &node->cmd, node->files[f].ring);
	pthread_mutex_unlock(&node->lock);

	pthread_mutex_lock(&fake->lock);
	for (size_t i = 0; i < sizeof(fake->fds) / sizeof(fake->fds[0]); i++) {
		if (fake->fds[i].fd < 0) {
			fake->fds[i].fd = efd;
			fake->fds[i].node = index;
			fake->fds[i].file = f;
			break;
		}
	}
	pthread_mutex_unlock(&fake->lock);
	return efd;
}

/*
 * Closing stops every command the file started and waits until all of
 * them ended (bounded: a CPU that does not answer is given up), then frees
 * them and the ended-unread ones: sidecar_release().
 */
static void f_close(void *ctx, int fd)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	struct fake_file *file;
	uint64_t deadline = now_ms() + STOP_BOUND_MS;
	unsigned int f;

	pthread_mutex_lock(&fake->lock);
	if (fd >= 0 && fd == fake->guest_fd) {
		fake->guest_fd = -1;
		pthread_mutex_unlock(&fake->lock);
		close(fd);
		return;
	}
	pthread_mutex_unlock(&fake->lock);
	if (!lookup(fake, fd, &node, &f))
		return;
	file = &node->files[f];
	pthread_mutex_lock(&node->lock);
	scmd_release_stop_locked(&node->cmd, &file->cmd);
	while (!scmd_file_quiet(&file->cmd) && now_ms() < deadline)
		wait_scan(node);
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		if (scmd_release_straggler_locked(&node->cmd, &file->cmd, i))
			expire(node, i);
	}
	scmd_release_end_locked(&node->cmd, &file->cmd);
	file->open = false;
	file->nstray = 0;
	pthread_mutex_unlock(&node->lock);

	pthread_mutex_lock(&fake->lock);
	for (size_t i = 0; i < sizeof(fake->fds) / sizeof(fake->fds[0]); i++) {
		if (fake->fds[i].fd == fd)
			fake->fds[i].fd = -1;
	}
	pthread_mutex_unlock(&fake->lock);
	close(fd);
}

static int f_info(void *ctx, int fd, struct sidecar_ioctl_info *info)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	unsigned int f;
	int r;

	if (!lookup(fake, fd, &node, &f))
		return -EBADF;
	r = injected(fake, FAKE_OP_INFO);
	if (r)
		return r;
	info->base_cpu = node->base_cpu;
	if (node->index == fake->config.skew_node)
		info->base_cpu = (uint32_t)((int32_t)info->base_cpu + fake->config.base_skew);
	info->cpu_count = node->cpu_count;
	info->per_cpu_shmem = node->per_cpu_shmem;
	return 0;
}

static int f_guest_info(void *ctx, int fd, struct sidecar_ioctl_guest_info *info)
{
	struct fake_driver *fake = ctx;
	int r;

	if (fd < 0 || fd != fake->guest_fd)
		return -ENOTTY;
	r = injected(fake, FAKE_OP_GUEST_INFO);
	if (r)
		return r;
	info->size = fake->config.guest_info_size ? fake->config.guest_info_size
						  : fake->config.guest_memory_size;
	info->flags = 0;
	return 0;
}

/* As the driver: shared, within the memory. */
static int map_guest(struct fake_driver *fake, int fd, size_t length, void **addr)
{
	void *p;
	int r;

	r = injected(fake, FAKE_OP_MMAP);
	if (r)
		return r;
	if (length == 0 || length > fake->config.guest_memory_size)
		return -EINVAL;
	p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	fake->guest_map = p;
	*addr = p;
	return 0;
}

static int f_mmap(void *ctx, int fd, size_t length, void **addr)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	unsigned int f;
	int r;

	if (fd >= 0 && fd == fake->guest_fd)
		return map_guest(fake, fd, length, addr);
	if (!lookup(fake, fd, &node, &f))
		return -EBADF;
	r = injected(fake, FAKE_OP_MMAP);
	if (r)
		return r;
	/* OpenHCL's driver maps exactly the node's shared pages. */
	if (length != (size_t)node->cpu_count * node->per_cpu_shmem)
		return -EINVAL;
	*addr = node->shmem;
	return 0;
}

static void f_munmap(void *ctx, void *addr, size_t length)
{
	struct fake_driver *fake = ctx;

	/* The nodes' pages are the driver's own memory; only the guest
	 * memory is a real mapping. */
	if (addr && addr == fake->guest_map) {
		munmap(addr, length);
		fake->guest_map = NULL;
	}
}

/*
 * sidecar_ioctl_run(): start, wait until the CPU is IDLE again. A "signal"
 * (fake_signal_next_run()) arrives right after the start: the command is
 * stopped and waited for, bounded, and RUN returns what the machine says.
 */
static int f_run(struct fake_node *node, struct fake_file *file, struct fake_vp *c)
{
	struct fake_log_entry e = snapshot(c, false);
	int r = scmd_start_locked(&node->cmd, &file->cmd, c->index, false);

	if (r)
		return r;
	add_log(c, &e);
	if (c->signal_next_run) {
		c->signal_next_run = false;
		scmd_cancel_locked(&node->cmd, c->index);
		if (!wait_ended(node, c->index))
			expire(node, c->index);
	} else {
		while (!scmd_ended(&node->cmd, c->index))
			wait_scan(node);
	}
	return scmd_run_finish_locked(&node->cmd, c->index);
}

static int f_start(struct fake_node *node, struct fake_file *file, struct fake_vp *c)
{
	struct fake_log_entry e = snapshot(c, true);
	int r = scmd_start_locked(&node->cmd, &file->cmd, c->index, true);

	if (r == 0)
		add_log(c, &e);
	return r;
}

static int f_ioctl_cpu(void *ctx, int fd, unsigned long request, uint32_t cpu)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	struct fake_file *file;
	enum fake_op op;
	unsigned int f, i;
	int r;

	if (!lookup(fake, fd, &node, &f))
		return -EBADF;
	if (request == SIDECAR_IOCTL_RUN)
		op = FAKE_OP_RUN;
	else if (request == SIDECAR_IOCTL_START)
		op = FAKE_OP_START;
	else if (request == SIDECAR_IOCTL_STOP)
		op = FAKE_OP_STOP;
	else
		return -ENOTTY;
	r = scmd_vp_index(&node->cmd, cpu, &i);
	if (r)
		return r;
	r = injected(fake, op);
	if (r)
		return r;
	file = &node->files[f];
	pthread_mutex_lock(&node->lock);
	if (op == FAKE_OP_RUN)
		r = f_run(node, file, &node->cpus[i]);
	else if (op == FAKE_OP_START)
		r = f_start(node, file, &node->cpus[i]);
	else
		r = scmd_stop_locked(&node->cmd, &file->cmd, i);
	pthread_mutex_unlock(&node->lock);
	return r;
}

/* sidecar_read() on a file opened O_NONBLOCK, as the library opens it. */
static ssize_t f_read(void *ctx, int fd, void *buf, size_t size)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	struct fake_file *file;
	unsigned int f, i;
	uint32_t cpu;
	bool have;
	int r;

	if (!lookup(fake, fd, &node, &f))
		return -EBADF;
	if (size < sizeof(uint32_t))
		return -EINVAL;
	r = injected(fake, FAKE_OP_READ);
	if (r)
		return r;
	file = &node->files[f];
	for (;;) {
		pthread_mutex_lock(&node->lock);
		if (file->nstray) {
			cpu = file->stray[0];
			memmove(file->stray, file->stray + 1,
				--file->nstray * sizeof(file->stray[0]));
			sync_readable(node);
			pthread_mutex_unlock(&node->lock);
			memcpy(buf, &cpu, sizeof(cpu));
			return sizeof(cpu);
		}
		have = scmd_read_peek_locked(&file->cmd, &i);
		pthread_mutex_unlock(&node->lock);
		if (!have)
			return -EAGAIN;
		/* The kernel's copy to user space runs unlocked too. */
		cpu = node->base_cpu + i;
		memcpy(buf, &cpu, sizeof(cpu));
		pthread_mutex_lock(&node->lock);
		have = scmd_read_consume_locked(&file->cmd, i);
		sync_readable(node);
		pthread_mutex_unlock(&node->lock);
		if (have)
			return sizeof(cpu);
	}
}

static ssize_t f_read_attr(void *ctx, const char *name, const char *attr, char *buf, size_t size)
{
	struct fake_driver *fake = ctx;
	const char *prefix = fake->config.mshv_names ? "mshv_vtl_sidecar" : "sidecar";
	struct fake_node *node;
	unsigned int index;
	size_t len = 0;

	if (fake->config.no_sysfs || strcmp(attr, "cpu_status") != 0 ||
	    strncmp(name, prefix, strlen(prefix)) != 0 ||
	    sscanf(name + strlen(prefix), "%u", &index) != 1 || index >= fake->config.node_count)
		return -ENOENT;
	node = &fake->nodes[index];
	buf[0] = '\0';
	pthread_mutex_lock(&node->lock);
	if (node->status_text) {
		snprintf(buf, size, "%s", node->status_text);
		len = strlen(buf);
	} else {
		for (uint32_t i = 0; i < node->cpu_count && len < size; i++) {
			int n = snprintf(buf + len, size - len, "%u %s\n", node->base_cpu + i,
					 sidecar_cpu_status_name(status_of(node, i)));

			if (n < 0)
				break;
			len += (size_t)n;
		}
		if (len >= size)
			len = size - 1;
	}
	pthread_mutex_unlock(&node->lock);
	return (ssize_t)len;
}

static void f_destroy(void *ctx)
{
	(void)ctx;
}

/* Linux's CPU hotplug with the driver's callback: the CPU leaves the
 * sidecar, then "Linux" runs it; onlining an online CPU is done at once. */
static int f_online_cpu(void *ctx, uint32_t cpu)
{
	struct fake_driver *fake = ctx;
	struct fake_vp *c = fake_find_cpu(fake, cpu);
	int r = injected(fake, FAKE_OP_ONLINE);

	if (r)
		return r;
	if (!c)
		return -ENOENT; /* no such CPU directory in sysfs */
	if (fake->online_is_noop || status_of(c->node, c->index) == SIDECAR_CPU_STATUS_REMOVED)
		return 0;
	return fake_remove_cpu(fake, cpu);
}

static const struct vmm_transport_ops fake_ops = {
	.open = f_open,
	.close = f_close,
	.info = f_info,
	.guest_info = f_guest_info,
	.mmap = f_mmap,
	.munmap = f_munmap,
	.ioctl_cpu = f_ioctl_cpu,
	.read = f_read,
	.read_attr = f_read_attr,
	.online_cpu = f_online_cpu,
	.destroy = f_destroy,
};

struct vmm_transport fake_transport(struct fake_driver *fake)
{
	return (struct vmm_transport){.ops = &fake_ops, .ctx = fake};
}

/* ---- Setup and test controls ---- */

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
		while (status_of(node, i) == SIDECAR_CPU_STATUS_RUN) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	pthread_create(&node->irq_thread, NULL, irq_thread, node);
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
			uint8_t s = status_of(node, i);

			if (s == SIDECAR_CPU_STATUS_REMOVED)
				break;
			if ((s == SIDECAR_CPU_STATUS_IDLE &&
			     sidecar_cpu_status_transition(node->control, i, s,
							   SIDECAR_CPU_STATUS_REMOVE)) ||
			    (s == SIDECAR_CPU_STATUS_RUN &&
			     sidecar_cpu_status_transition(node->control, i, s,
							   SIDECAR_CPU_STATUS_STOP)))
				sk_hosted_kick(&c->hc);
			wait_scan(node);
		}
	}
	pthread_mutex_unlock(&node->lock);
	atomic_store(&node->stopping, true);
	wake_irq_thread(node);
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
		wait_ended(node, c->index);
		r = scmd_convert_request_locked(&node->cmd, c->index);
	}
	if (r == 0) {
		deadline = now_ms() + STOP_BOUND_MS;
		while (!node->cmd_vps[c->index].gone && now_ms() < deadline)
			wait_scan(node);
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

	return c ? status_of(c->node, c->index) : SIDECAR_VMM_CPU_STATUS_UNKNOWN;
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
			sync_readable(n);
			break;
		}
	}
	pthread_mutex_unlock(&n->lock);
}
