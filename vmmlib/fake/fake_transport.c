// SPDX-License-Identifier: MIT
/*
 * The fake driver as the library sees it: the transport (vmmlib/src/
 * transport.h) of the library's unit tests, answering open, INFO, mmap,
 * the CPU ioctls, read, sysfs and CPU online as sidecar.ko's files and
 * sysfs do, with its errno values, and with failures injected on demand
 * (fake_inject()).
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

/* cmd_state.c's errno values are the C library's. */
_Static_assert(SCMD_ENOENT == ENOENT && SCMD_EIO == EIO && SCMD_EBUSY == EBUSY &&
		       SCMD_EINVAL == EINVAL,
	       "cmd_state.h errno values");

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
	uint64_t deadline = fake_now_ms() + STOP_BOUND_MS;
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
	while (!scmd_file_quiet(&file->cmd) && fake_now_ms() < deadline)
		fake_wait_scan(node);
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		if (scmd_release_straggler_locked(&node->cmd, &file->cmd, i))
			fake_expire(node, i);
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
		if (!fake_wait_ended(node, c->index))
			fake_expire(node, c->index);
	} else {
		while (!scmd_ended(&node->cmd, c->index))
			fake_wait_scan(node);
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
			fake_sync_readable(node);
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
		fake_sync_readable(node);
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
					 sidecar_cpu_status_name(fake_status_of(node, i)));

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
	if (fake->online_is_noop || fake_status_of(c->node, c->index) == SIDECAR_CPU_STATUS_REMOVED)
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
