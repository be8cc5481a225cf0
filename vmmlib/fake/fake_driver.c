// SPDX-License-Identifier: MIT
/*
 * The emulated sidecar driver of the library's unit tests (fake_driver.h).
 * The driver side of every control-page transition goes through
 * sidecar/control_ops.h, exactly as sidecar.ko does it; the other side is
 * the real sidecar core running on the hosted platform.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#include "fake_driver.h"
#include "sc_dispatch.h"
#include "sc_hosted.h"
#include "sidecar_vmm.h"

#define REQUEST_VECTOR	0xF0
#define RESPONSE_VECTOR 0xF3
#define RESPONSE_APIC	0x42
#define QUEUE_SIZE	(FAKE_MAX_CPUS + 16)
#define REGS_PER_CPU	128
#define WAIT_SLICE_MS	100

/* The driver's per-VP states (OpenHCL's VP_STATE_*). */
enum {
	VP_AVAIL,
	VP_SYNC,
	VP_ASYNC,
	VP_STOPPING,
	VP_STOPPED,
	VP_REMOVED = 0xFF,
};

struct fake_node;

struct fake_cpu {
	struct sc_hosted_cpu hc;
	struct fake_node *node;
	uint32_t index;
	bool started;
	/* Under node->lock. */
	uint8_t vp_state;
	unsigned int owner; /* file of an asynchronous command */
	struct fake_log_entry log[FAKE_LOG_SIZE];
	unsigned int log_count;
	/* The guest, touched only by the CPU's thread while it runs a command. */
	struct {
		hv_register_name_t name;
		union hv_register_value value;
	} regs[REGS_PER_CPU];
	unsigned int nregs;
	uint64_t last_command;
	unsigned int attempts;
	/* Set by the test. */
	atomic_int mode;
	atomic_uint after;
	atomic_uint_fast64_t runs;
};

struct fake_file {
	bool open;
	int efd;
	uint32_t queue[QUEUE_SIZE];
	unsigned int head, len;
};

struct fake_node {
	struct fake_driver *fake;
	unsigned int index;
	uint32_t base_cpu, cpu_count, per_cpu_shmem;
	struct sidecar_control_page *control;
	uint8_t *shmem;
	struct sc_hosted_host host;
	struct fake_cpu cpus[FAKE_MAX_CPUS];
	pthread_t irq_thread;
	atomic_bool stopping;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a scan ran: statuses may have changed */
	struct fake_file files[FAKE_MAX_FILES];
	char *status_text;
};

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

/* ---- The fake VP backend ---- */

static struct fake_cpu *cpu_of_vp(struct sc_vp *vp)
{
	return vp->backend_state;
}

static union hv_register_value *find_reg(struct fake_cpu *c, hv_register_name_t name, bool add)
{
	for (unsigned int i = 0; i < c->nregs; i++) {
		if (c->regs[i].name == name)
			return &c->regs[i].value;
	}
	if (!add || c->nregs == REGS_PER_CPU)
		return NULL;
	c->regs[c->nregs].name = name;
	memset(&c->regs[c->nregs].value, 0, sizeof(c->regs[c->nregs].value));
	return &c->regs[c->nregs++].value;
}

static hv_status_t fake_get(struct sc_vp *vp, hv_register_name_t name,
			    union hv_register_value *value)
{
	union hv_register_value *v;

	if (!sidecar_vmm_register_name(name))
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	v = find_reg(cpu_of_vp(vp), name, false);
	if (v)
		*value = *v;
	else
		memset(value, 0, sizeof(*value));
	return HV_STATUS_SUCCESS;
}

static hv_status_t fake_set(struct sc_vp *vp, hv_register_name_t name,
			    const union hv_register_value *value)
{
	union hv_register_value *v;

	if (!sidecar_vmm_register_name(name))
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	/* A 64-bit register with bits above 63 set is not a valid value. */
	if (sidecar_vmm_register_kind(name) == SIDECAR_REGISTER_U64 && value->reg128.high)
		return HV_STATUS_INVALID_REGISTER_VALUE;
	v = find_reg(cpu_of_vp(vp), name, true);
	if (!v)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	*v = *value;
	return HV_STATUS_SUCCESS;
}

static void fill_header(struct sc_vp *vp, struct hv_x64_intercept_message_header *h, uint8_t length)
{
	union hv_register_value *rip = find_reg(cpu_of_vp(vp), HV_X64_REGISTER_RIP, false);

	memset(h, 0, sizeof(*h));
	h->vp_index = vp->vp_index;
	h->instruction_length_and_cr8 = length;
	h->intercept_access_type = HV_INTERCEPT_ACCESS_WRITE;
	h->rip = rip ? rip->reg64 : 0;
	h->rflags = 0x2;
}

static enum sc_run_result fake_run_once(struct sc_vp *vp, struct sidecar_command_page *cp)
{
	struct fake_cpu *c = cpu_of_vp(vp);
	int mode = atomic_load(&c->mode);
	struct hv_message *m = &cp->intercept_message;

	atomic_fetch_add(&c->runs, 1);
	/* vp->commands only changes between commands: a new value is a new
	 * RUN_VP. */
	if (c->last_command != vp->commands + 1) {
		c->last_command = vp->commands + 1;
		c->attempts = 0;
	}
	c->attempts++;
	switch (mode) {
	case FAKE_RUN_FAIL:
		sc_command_error(cp, "guest state invalid on VP %u", vp->vp_index);
		return SC_RUN_FAILED;
	case FAKE_RUN_IO:
	case FAKE_RUN_HALT:
		if (c->attempts < atomic_load(&c->after))
			return SC_RUN_CONTINUE;
		memset(m, 0, sizeof(*m));
		/* The guest "executed" something: RCX counts the exits. */
		cp->cpu_context.gps[SIDECAR_CPU_CONTEXT_RCX]++;
		if (mode == FAKE_RUN_IO) {
			struct hv_x64_io_port_intercept_message io;

			memset(&io, 0, sizeof(io));
			fill_header(vp, &io.header, 2); /* out 0xe9, al */
			io.port_number = 0xE9;
			io.access_info = 1;
			io.rax = cp->cpu_context.gps[SIDECAR_CPU_CONTEXT_RAX];
			m->header.typ = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT;
			m->header.len = sizeof(io);
			memcpy(m->payload_buffer, &io, sizeof(io));
		} else {
			struct hv_x64_halt_message halt;

			fill_header(vp, &halt.header, 1);
			m->header.typ = HV_MESSAGE_TYPE_X64_HALT;
			m->header.len = sizeof(halt);
			memcpy(m->payload_buffer, &halt, sizeof(halt));
		}
		return SC_RUN_INTERCEPT;
	default: {
		/* Spinning: give the other threads (and TSan) room. */
		struct timespec ts = {0, 20000};

		nanosleep(&ts, NULL);
		return SC_RUN_CONTINUE;
	}
	}
}

static hv_status_t fake_translate(struct sc_vp *vp, uint64_t gvn, uint64_t flags,
				  struct hv_translate_virtual_address_ex_output_x64 *out)
{
	(void)vp;
	/* 48-bit virtual addresses: 36-bit page numbers. */
	if (gvn >> 36)
		return HV_STATUS_INVALID_PARAMETER;
	if (flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE) {
		out->translation_result.result = HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
		return HV_STATUS_SUCCESS;
	}
	out->translation_result.result =
		HV_TRANSLATE_GVA_SUCCESS |
		((uint64_t)HV_CACHE_TYPE_WRITE_BACK << HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT);
	out->gpa_page = gvn + 0x100;
	return HV_STATUS_SUCCESS;
}

static const struct sc_vp_backend fake_backend = {
	.name = "fake",
	.run_once = fake_run_once,
	.get_register = fake_get,
	.set_register = fake_set,
	.translate_gva = fake_translate,
};

/* ---- Helpers ---- */

static uint8_t status_of(struct fake_node *node, uint32_t i)
{
	return sidecar_cpu_status(node->control, i);
}

/* Waits on the node's condition variable for a scan; lock held. */
static void wait_scan(struct fake_node *node)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += WAIT_SLICE_MS * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&node->cond, &node->lock, &t);
}

static void push_stop(struct fake_node *node, unsigned int f, uint32_t cpu)
{
	struct fake_file *file = &node->files[f];

	if (!file->open || file->len == QUEUE_SIZE)
		return;
	file->queue[(file->head + file->len) % QUEUE_SIZE] = cpu;
	file->len++;
	/* The file is readable while its queue is not empty. */
	if (write(file->efd, &(uint64_t){1}, sizeof(uint64_t)) < 0)
		return;
}

/* The driver's interrupt handler and scan: a response IPI means some CPU
 * changed its status; stops of asynchronous commands go to their files. */
static void scan(struct fake_node *node)
{
	sidecar_take_attention(node->control);
	pthread_mutex_lock(&node->lock);
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		struct fake_cpu *c = &node->cpus[i];
		uint8_t s = status_of(node, i);

		if ((s == SIDECAR_CPU_STATUS_IDLE || s == SIDECAR_CPU_STATUS_REMOVED) &&
		    (c->vp_state == VP_ASYNC || c->vp_state == VP_STOPPING)) {
			c->vp_state = VP_STOPPED;
			push_stop(node, c->owner, node->base_cpu + i);
		}
	}
	pthread_cond_broadcast(&node->cond);
	pthread_mutex_unlock(&node->lock);
}

static void *irq_thread(void *arg)
{
	struct fake_node *node = arg;
	uint64_t seen = 0;

	while (!atomic_load(&node->stopping)) {
		seen = sc_hosted_host_wait(&node->host, seen, WAIT_SLICE_MS);
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

static struct fake_cpu *cpu_in(struct fake_node *node, uint32_t cpu)
{
	if (cpu < node->base_cpu || cpu - node->base_cpu >= node->cpu_count)
		return NULL;
	return &node->cpus[cpu - node->base_cpu];
}

static struct fake_cpu *find_cpu(struct fake_driver *fake, uint32_t cpu)
{
	for (unsigned int n = 0; n < fake->config.node_count; n++) {
		struct fake_cpu *c = cpu_in(&fake->nodes[n], cpu);

		if (c)
			return c;
	}
	return NULL;
}

/* sidecar_claim(): AVAIL -> state; lock held. */
static int claim(struct fake_cpu *c, uint8_t state)
{
	if (c->vp_state == VP_AVAIL) {
		c->vp_state = state;
		return 0;
	}
	return c->vp_state == VP_REMOVED ? -ENOENT : -EBUSY;
}

static void log_command(struct fake_cpu *c, bool async)
{
	struct sidecar_command_page *page =
		(struct sidecar_command_page *)(void *)(c->node->shmem +
							(size_t)c->index * c->node->per_cpu_shmem);
	struct fake_log_entry *e;

	if (c->log_count >= FAKE_LOG_SIZE)
		return;
	e = &c->log[c->log_count++];
	e->command = page->command;
	e->async = async;
	e->count = (page->command == SIDECAR_COMMAND_GET_VP_REGISTERS ||
		    page->command == SIDECAR_COMMAND_SET_VP_REGISTERS)
			   ? sidecar_request_get_set(page)->count
			   : 0;
}

/* IDLE -> RUN and the request IPI; lock held. */
static int start_cpu(struct fake_cpu *c)
{
	if (!sidecar_cpu_status_transition(c->node->control, c->index, SIDECAR_CPU_STATUS_IDLE,
					   SIDECAR_CPU_STATUS_RUN))
		return -EIO;
	sc_hosted_kick(&c->hc);
	return 0;
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
	node->files[f].head = node->files[f].len = 0;
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

/* Closing stops and waits for every command the file started. */
static void f_close(void *ctx, int fd)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
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
	pthread_mutex_lock(&node->lock);
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		struct fake_cpu *c = &node->cpus[i];

		if (c->owner != f || (c->vp_state != VP_ASYNC && c->vp_state != VP_STOPPING &&
				      c->vp_state != VP_STOPPED))
			continue;
		if (c->vp_state != VP_STOPPED) {
			c->vp_state = VP_STOPPING;
			if (sidecar_cpu_status_transition(node->control, i, SIDECAR_CPU_STATUS_RUN,
							  SIDECAR_CPU_STATUS_STOP))
				sc_hosted_kick(&c->hc);
			while (c->vp_state != VP_STOPPED)
				wait_scan(node);
		}
		c->vp_state = VP_AVAIL;
	}
	node->files[f].open = false;
	node->files[f].len = 0;
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

static int f_run(struct fake_node *node, struct fake_cpu *c)
{
	int r = claim(c, VP_SYNC);

	if (r)
		return r;
	log_command(c, false);
	r = start_cpu(c);
	if (r == 0) {
		while (status_of(node, c->index) != SIDECAR_CPU_STATUS_IDLE)
			wait_scan(node);
	}
	c->vp_state = VP_AVAIL;
	return r;
}

static int f_start(unsigned int f, struct fake_cpu *c)
{
	int r = claim(c, VP_ASYNC);

	if (r)
		return r;
	c->owner = f;
	log_command(c, true);
	r = start_cpu(c);
	if (r)
		c->vp_state = VP_AVAIL;
	return r;
}

static int f_stop(struct fake_node *node, struct fake_cpu *c)
{
	switch (c->vp_state) {
	case VP_ASYNC:
		c->vp_state = VP_STOPPING;
		if (sidecar_cpu_status_transition(node->control, c->index, SIDECAR_CPU_STATUS_RUN,
						  SIDECAR_CPU_STATUS_STOP))
			sc_hosted_kick(&c->hc);
		return 0;
	case VP_STOPPING:
	case VP_STOPPED:
		return 0;
	default:
		return -EINVAL;
	}
}

static int f_ioctl_cpu(void *ctx, int fd, unsigned long request, uint32_t cpu)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	struct fake_cpu *c;
	enum fake_op op;
	unsigned int f;
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
	c = cpu_in(node, cpu);
	if (!c)
		return -EINVAL;
	r = injected(fake, op);
	if (r)
		return r;
	pthread_mutex_lock(&node->lock);
	if (op == FAKE_OP_RUN)
		r = f_run(node, c);
	else if (op == FAKE_OP_START)
		r = f_start(f, c);
	else
		r = f_stop(node, c);
	pthread_mutex_unlock(&node->lock);
	return r;
}

static ssize_t f_read(void *ctx, int fd, void *buf, size_t size)
{
	struct fake_driver *fake = ctx;
	struct fake_node *node;
	struct fake_file *file;
	struct fake_cpu *c;
	unsigned int f;
	uint32_t cpu;
	int r;

	if (!lookup(fake, fd, &node, &f))
		return -EBADF;
	if (size < sizeof(uint32_t))
		return -EINVAL;
	r = injected(fake, FAKE_OP_READ);
	if (r)
		return r;
	pthread_mutex_lock(&node->lock);
	file = &node->files[f];
	if (file->len == 0) {
		pthread_mutex_unlock(&node->lock);
		return -EAGAIN;
	}
	cpu = file->queue[file->head];
	file->head = (file->head + 1) % QUEUE_SIZE;
	file->len--;
	c = cpu_in(node, cpu);
	if (c && c->vp_state == VP_STOPPED)
		c->vp_state = VP_AVAIL;
	if (file->len == 0) {
		uint64_t v;

		if (read(file->efd, &v, sizeof(v)) < 0)
			v = 0;
	}
	pthread_mutex_unlock(&node->lock);
	memcpy(buf, &cpu, sizeof(cpu));
	return sizeof(cpu);
}

static int f_poll(void *ctx, struct pollfd *fds, nfds_t count, int timeout_ms)
{
	int r;

	(void)ctx;
	r = poll(fds, count, timeout_ms);
	return r < 0 ? -errno : r;
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
	struct fake_cpu *c = find_cpu(fake, cpu);
	int r = injected(fake, FAKE_OP_ONLINE);

	if (r)
		return r;
	if (!c)
		return -ENOENT; /* no such CPU directory in sysfs */
	if (fake->online_is_noop || status_of(c->node, c->index) == SIDECAR_CPU_STATUS_REMOVED)
		return 0;
	return fake_remove_cpu(fake, cpu);
}

static const struct sc_vmm_transport_ops fake_ops = {
	.open = f_open,
	.close = f_close,
	.info = f_info,
	.guest_info = f_guest_info,
	.mmap = f_mmap,
	.munmap = f_munmap,
	.ioctl_cpu = f_ioctl_cpu,
	.read = f_read,
	.poll = f_poll,
	.read_attr = f_read_attr,
	.online_cpu = f_online_cpu,
	.destroy = f_destroy,
};

struct sc_vmm_transport fake_transport(struct fake_driver *fake)
{
	return (struct sc_vmm_transport){.ops = &fake_ops, .ctx = fake};
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
	sc_hosted_host_init(&node->host);
	atomic_init(&node->stopping, false);

	for (uint32_t i = 0; i < count; i++) {
		struct fake_cpu *c = &node->cpus[i];

		c->node = node;
		c->index = i;
		atomic_init(&c->mode, FAKE_RUN_SPIN);
		atomic_init(&c->after, 1);
		atomic_init(&c->runs, 0);
		/* The base CPU runs Linux: the driver never sends it commands. */
		c->vp_state = i == 0 ? VP_REMOVED : VP_AVAIL;
		sc_hosted_cpu_init(
			&c->hc, &node->host, node->control,
			(struct sidecar_command_page *)(void *)(node->shmem +
								(size_t)i * node->per_cpu_shmem),
			i, base + i);
		c->hc.vp.backend = &fake_backend;
		c->hc.vp.backend_state = c;
		if (i > 0) {
			sidecar_cpu_status_publish(node->control, i, SIDECAR_CPU_STATUS_RUN);
			sc_hosted_cpu_start(&c->hc);
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
		struct fake_cpu *c = &node->cpus[i];

		for (;;) {
			uint8_t s = status_of(node, i);

			if (s == SIDECAR_CPU_STATUS_REMOVED)
				break;
			if (s == SIDECAR_CPU_STATUS_IDLE &&
			    sidecar_cpu_status_transition(node->control, i, s,
							  SIDECAR_CPU_STATUS_REMOVE))
				sc_hosted_kick(&c->hc);
			else if (s == SIDECAR_CPU_STATUS_RUN &&
				 sidecar_cpu_status_transition(node->control, i, s,
							       SIDECAR_CPU_STATUS_STOP))
				sc_hosted_kick(&c->hc);
			wait_scan(node);
		}
	}
	pthread_mutex_unlock(&node->lock);
	atomic_store(&node->stopping, true);
	wake_irq_thread(node);
	pthread_join(node->irq_thread, NULL);
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		if (node->cpus[i].started)
			sc_hosted_cpu_join(&node->cpus[i].hc);
		sc_hosted_cpu_destroy(&node->cpus[i].hc);
	}
	for (unsigned int f = 0; f < FAKE_MAX_FILES; f++) {
		if (node->files[f].open)
			close(node->files[f].efd);
	}
	sc_hosted_host_destroy(&node->host);
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

void fake_set_run_mode(struct fake_driver *fake, uint32_t cpu, enum fake_run_mode mode,
		       unsigned int after)
{
	struct fake_cpu *c = find_cpu(fake, cpu);

	if (!c)
		return;
	atomic_store(&c->after, after ? after : 1);
	atomic_store(&c->mode, (int)mode);
}

void fake_set_backend(struct fake_driver *fake, uint32_t cpu, bool present)
{
	struct fake_cpu *c = find_cpu(fake, cpu);

	/* The next command's IDLE->RUN (release) publishes the change. */
	if (c)
		c->hc.vp.backend = present ? &fake_backend : NULL;
}

uint64_t fake_runs(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_cpu *c = find_cpu(fake, cpu);

	return c ? atomic_load(&c->runs) : 0;
}

int fake_remove_cpu(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_cpu *c = find_cpu(fake, cpu);
	struct fake_node *node;
	int r;

	if (!c)
		return -EINVAL;
	node = c->node;
	pthread_mutex_lock(&node->lock);
	r = claim(c, VP_REMOVED);
	if (r == 0) {
		if (sidecar_cpu_status_transition(node->control, c->index, SIDECAR_CPU_STATUS_IDLE,
						  SIDECAR_CPU_STATUS_REMOVE)) {
			sc_hosted_kick(&c->hc);
			while (status_of(node, c->index) != SIDECAR_CPU_STATUS_REMOVED)
				wait_scan(node);
		} else {
			r = -EIO;
		}
	}
	pthread_mutex_unlock(&node->lock);
	return r;
}

void fake_set_online_converts(struct fake_driver *fake, bool converts)
{
	fake->online_is_noop = !converts;
}

void fake_set_busy(struct fake_driver *fake, uint32_t cpu, bool busy)
{
	struct fake_cpu *c = find_cpu(fake, cpu);

	if (!c)
		return;
	pthread_mutex_lock(&c->node->lock);
	if (busy && c->vp_state == VP_AVAIL)
		c->vp_state = VP_SYNC;
	else if (!busy && c->vp_state == VP_SYNC)
		c->vp_state = VP_AVAIL;
	pthread_mutex_unlock(&c->node->lock);
}

uint8_t fake_cpu_status(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_cpu *c = find_cpu(fake, cpu);

	return c ? status_of(c->node, c->index) : SIDECAR_VMM_CPU_STATUS_UNKNOWN;
}

unsigned int fake_log(struct fake_driver *fake, uint32_t cpu, struct fake_log_entry *out,
		      unsigned int max)
{
	struct fake_cpu *c = find_cpu(fake, cpu);
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
	struct fake_cpu *c = find_cpu(fake, cpu);

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
			push_stop(n, f, cpu);
			break;
		}
	}
	pthread_mutex_unlock(&n->lock);
}
