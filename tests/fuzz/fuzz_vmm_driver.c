// SPDX-License-Identifier: MIT
/*
 * libsidecar-vmm against a hostile driver: everything the library takes
 * from the driver — INFO and GUEST_INFO answers, mmap results, ioctl
 * results, the CPU numbers read() hands back, poll readiness, the
 * cpu_status text, conversion results — and everything the sidecar side
 * writes into the mapped command pages (results, error text, HV status,
 * intercept messages, also while a command runs) comes from the fuzz input.
 * The harness then opens the library over that transport and drives its
 * calls as a VMM would.
 *
 * Invariants (FUZZ_CHECK):
 *   - every call returns a documented value or a negative errno in
 *     [-4095, -1]; a failed open leaves a non-empty one-line reason;
 *   - an open handle has nodes in CPU order, disjoint (gaps allowed), that
 *     match what INFO said, and node_of() agrees with them, also on the
 *     CPUs in the gaps (no node);
 *   - collect() returns at most `max` CPUs, each inside a node, and never
 *     the same CPU twice in one call;
 *   - every error message is NUL-terminated, one line, inside its buffer;
 *   - close() gives back every descriptor and mapping the transport handed
 *     out, and calls destroy exactly once (on a failed open too).
 * When the input runs out, the driver answers as an idle one would
 * (nothing to read, nothing ready), so every call ends.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "sidecar_vmm.h"
#include "transport.h"

/* Mappings larger than this are refused (-ENOMEM) as a driver whose
 * memory is smaller would; it keeps the harness fast. */
#define MAX_MAP	 (1u << 20)
#define MAX_MAPS 300

struct hostile {
	const uint8_t *data;
	size_t size, pos;
	int open_fds, destroyed;
	struct {
		void *addr;
		size_t length;
	} maps[MAX_MAPS];
	int live_maps;
};

static uint8_t take8(struct hostile *h)
{
	return h->pos < h->size ? h->data[h->pos++] : 0;
}

static bool exhausted(const struct hostile *h)
{
	return h->pos >= h->size;
}

static void take(struct hostile *h, void *out, size_t n)
{
	uint8_t *o = out;

	for (size_t i = 0; i < n; i++)
		o[i] = take8(h);
}

static uint32_t take32(struct hostile *h)
{
	uint32_t v;

	take(h, &v, sizeof(v));
	return v;
}

/* An errno a driver might answer, chosen by the input. */
static int some_errno(struct hostile *h)
{
	static const int errs[] = {EIO,	   EINVAL, EBUSY,      ENOENT, EINTR, EAGAIN,
				   EFAULT, ENOMEM, EOPNOTSUPP, ENOTTY, EPERM, EBADF};

	return -errs[take8(h) % (sizeof(errs) / sizeof(errs[0]))];
}

/* What the sidecar side writes into mapped pages while a command runs:
 * a few (offset, bytes) patches anywhere in a live mapping. */
static void scribble(struct hostile *h)
{
	unsigned int patches = take8(h) % 4;

	for (unsigned int p = 0; p < patches && h->live_maps; p++) {
		unsigned int m = take8(h) % MAX_MAPS;
		uint32_t off = take32(h), len = take8(h) % 64;

		while (!h->maps[m].addr)
			m = (m + 1) % MAX_MAPS;
		off %= (uint32_t)h->maps[m].length;
		if (len > h->maps[m].length - off)
			len = (uint32_t)(h->maps[m].length - off);
		take(h, (uint8_t *)h->maps[m].addr + off, len);
	}
}

static int h_open(void *ctx, const char *name)
{
	struct hostile *h = ctx;
	uint8_t b = take8(h);
	int fd;

	(void)name;
	if (exhausted(h) || b % 8 == 0)
		return -ENOENT;
	if (b % 8 == 1)
		return some_errno(h);
	/* A real, pollable descriptor, as the transport contract says. */
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "eventfd failed");
	h->open_fds++;
	return fd;
}

static void h_close(void *ctx, int fd)
{
	struct hostile *h = ctx;

	FUZZ_CHECK(fd >= 0, "close of fd %d", fd);
	close(fd);
	h->open_fds--;
}

static int h_info(void *ctx, int fd, struct sidecar_ioctl_info *info)
{
	struct hostile *h = ctx;
	uint8_t mode = take8(h);

	(void)fd;
	if (exhausted(h))
		return -EIO;
	if (mode % 8 == 0)
		return some_errno(h);
	/* Mostly plausible nodes (so the fuzzer gets past open), sometimes
	 * raw words. */
	if (mode % 8 == 1) {
		take(h, info, sizeof(*info));
		return 0;
	}
	info->base_cpu = take32(h);
	info->cpu_count = take8(h) % 40;
	info->per_cpu_shmem = (uint32_t)(take8(h) % 4) * 4096;
	return 0;
}

static int h_guest_info(void *ctx, int fd, struct sidecar_ioctl_guest_info *info)
{
	struct hostile *h = ctx;
	uint8_t mode = take8(h);

	(void)fd;
	if (exhausted(h) || mode % 4 == 0)
		return some_errno(h);
	if (mode % 4 == 1) {
		take(h, info, sizeof(*info));
		return 0;
	}
	info->size = (uint64_t)(take8(h) % 8) * 4096;
	info->flags = 0;
	return 0;
}

static int h_mmap(void *ctx, int fd, size_t length, void **addr)
{
	struct hostile *h = ctx;
	int slot = -1;

	(void)fd;
	if (take8(h) % 16 == 0)
		return some_errno(h);
	if (length == 0 || length > MAX_MAP)
		return -ENOMEM;
	for (int i = 0; i < MAX_MAPS && slot < 0; i++) {
		if (!h->maps[i].addr)
			slot = i;
	}
	if (slot < 0)
		return -ENOMEM;
	h->maps[slot].addr = calloc(1, length);
	FUZZ_CHECK(h->maps[slot].addr, "out of memory");
	h->maps[slot].length = length;
	h->live_maps++;
	*addr = h->maps[slot].addr;
	scribble(h);
	return 0;
}

static void h_munmap(void *ctx, void *addr, size_t length)
{
	struct hostile *h = ctx;

	for (int i = 0; i < MAX_MAPS; i++) {
		if (h->maps[i].addr == addr) {
			FUZZ_CHECK(h->maps[i].length == length,
				   "munmap of %zu bytes, %zu were mapped", length,
				   h->maps[i].length);
			free(addr);
			h->maps[i].addr = NULL;
			h->live_maps--;
			return;
		}
	}
	FUZZ_CHECK(false, "munmap of %p, which was never mapped", addr);
}

static int h_ioctl_cpu(void *ctx, int fd, unsigned long request, uint32_t cpu)
{
	struct hostile *h = ctx;

	(void)fd;
	(void)request;
	(void)cpu;
	/* The command ran (or not): the sidecar side wrote whatever it likes. */
	scribble(h);
	if (take8(h) % 4 == 0)
		return some_errno(h);
	return 0;
}

static ssize_t h_read(void *ctx, int fd, void *buf, size_t size)
{
	struct hostile *h = ctx;
	uint8_t mode = take8(h);
	uint32_t cpu;

	(void)fd;
	if (exhausted(h) || mode % 4 == 0)
		return -EAGAIN;
	if (mode % 4 == 1) {
		int e = some_errno(h);

		/* EINTR forever would be a driver that never answers: the
		 * library retries it, so give it something else. */
		return e == -EINTR && exhausted(h) ? -EAGAIN : e;
	}
	cpu = mode % 4 == 2 ? take8(h) % 64 : take32(h);
	if (size > sizeof(cpu))
		size = sizeof(cpu);
	/* A short read now and then. */
	if (take8(h) % 16 == 0)
		size = take8(h) % (size + 1);
	memcpy(buf, &cpu, size);
	return (ssize_t)size;
}

static int h_poll(void *ctx, struct pollfd *fds, nfds_t count, int timeout_ms)
{
	struct hostile *h = ctx;
	uint8_t mode = take8(h);
	int ready = 0;

	(void)timeout_ms;
	for (nfds_t i = 0; i < count; i++)
		fds[i].revents = 0;
	if (exhausted(h) || mode % 4 == 0)
		return 0;
	if (mode % 4 == 1)
		return -EINTR;
	for (nfds_t i = 0; i < count; i++) {
		static const short ev[] = {POLLIN, POLLERR, POLLNVAL, POLLHUP};
		uint8_t b = take8(h);

		if (b % 2) {
			fds[i].revents = ev[(b >> 1) % 4];
			ready++;
		}
	}
	return ready;
}

static ssize_t h_read_attr(void *ctx, const char *name, const char *attr, char *buf, size_t size)
{
	struct hostile *h = ctx;
	size_t len = take8(h);

	(void)name;
	(void)attr;
	if (exhausted(h))
		return -ENOENT;
	if (len % 16 == 0)
		return some_errno(h);
	if (len > size - 1)
		len = size - 1;
	take(h, buf, len);
	buf[len] = '\0';
	return (ssize_t)len;
}

static int h_online_cpu(void *ctx, uint32_t cpu)
{
	struct hostile *h = ctx;

	(void)cpu;
	scribble(h);
	if (exhausted(h) || take8(h) % 2)
		return some_errno(h);
	return 0;
}

static void h_destroy(void *ctx)
{
	struct hostile *h = ctx;

	h->destroyed++;
}

static const struct vmm_transport_ops hostile_ops = {
	.open = h_open,
	.close = h_close,
	.info = h_info,
	.guest_info = h_guest_info,
	.mmap = h_mmap,
	.munmap = h_munmap,
	.ioctl_cpu = h_ioctl_cpu,
	.read = h_read,
	.poll = h_poll,
	.read_attr = h_read_attr,
	.online_cpu = h_online_cpu,
	.destroy = h_destroy,
};

static void check_errno(int r, const char *call)
{
	FUZZ_CHECK(r >= -4095, "%s returned %d, not an errno", call, r);
}

static void check_line(const char *text, size_t size, const char *what)
{
	size_t len = strnlen(text, size);

	FUZZ_CHECK(len < size, "%s is not NUL-terminated", what);
	FUZZ_CHECK(!memchr(text, '\n', len), "%s is not one line: '%s'", what, text);
}

static void check_vp_error(const struct sidecar_vp *vp, int r)
{
	struct sidecar_vp_error e;

	check_line(sidecar_vp_error_message(vp), sizeof(e.message), "the VP's error message");
	FUZZ_CHECK(sidecar_vp_last_error(vp, &e) == e.err, "last_error disagrees with itself");
	if (r < 0)
		FUZZ_CHECK(e.err == r || e.err == 0,
			   "the call returned %d, the recorded error is %d", r, e.err);
}

/* Checks the handle against itself: nodes in CPU order, disjoint. */
static void check_nodes(const struct sidecar_vmm *vmm)
{
	unsigned int nodes = sidecar_vmm_node_count(vmm);
	uint32_t next = 0;

	FUZZ_CHECK(nodes >= 1, "an open handle with no node");
	for (unsigned int i = 0; i < nodes; i++) {
		struct sidecar_vmm_node_info info;

		FUZZ_CHECK(sidecar_vmm_node_info(vmm, i, &info) == 0, "node_info(%u) failed", i);
		FUZZ_CHECK(info.base_cpu >= next, "node %u starts at %u, before %u", i,
			   info.base_cpu, next);
		if (info.base_cpu > next) {
			FUZZ_CHECK(sidecar_vmm_node_of(vmm, next) < 0, "node_of(%u) in a gap",
				   next);
			FUZZ_CHECK(sidecar_vmm_node_of(vmm, info.base_cpu - 1) < 0,
				   "node_of(%u) in a gap", info.base_cpu - 1);
		}
		FUZZ_CHECK(info.cpu_count >= 1, "node %u has no CPU", i);
		FUZZ_CHECK(info.per_cpu_shmem >= 4096 && info.per_cpu_shmem % 4096 == 0,
			   "node %u: %u bytes per CPU", i, info.per_cpu_shmem);
		check_line(info.device, sizeof(info.device), "a device name");
		FUZZ_CHECK(sidecar_vmm_node_of(vmm, info.base_cpu) == (int)i, "node_of(%u) != %u",
			   info.base_cpu, i);
		FUZZ_CHECK(sidecar_vmm_node_of(vmm, info.base_cpu + info.cpu_count - 1) == (int)i,
			   "node_of(last CPU of node %u) is wrong", i);
		next = info.base_cpu + info.cpu_count;
	}
	FUZZ_CHECK(sidecar_vmm_cpu_count(vmm) == next, "cpu_count %u, nodes end at %u",
		   sidecar_vmm_cpu_count(vmm), next);
	FUZZ_CHECK(sidecar_vmm_node_of(vmm, next) < 0, "node_of(%u) past the end", next);
}

static void check_collect(struct sidecar_vmm *vmm, unsigned int node, size_t max)
{
	uint32_t cpus[16];
	int r = sidecar_vmm_collect(vmm, node, cpus, max);

	check_errno(r, "collect");
	if (r < 0)
		return;
	FUZZ_CHECK((size_t)r <= max, "collect returned %d for max %zu", r, max);
	for (int i = 0; i < r; i++) {
		FUZZ_CHECK(cpus[i] < sidecar_vmm_cpu_count(vmm), "collect gave CPU %u of %u",
			   cpus[i], sidecar_vmm_cpu_count(vmm));
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(cpus[i] != cpus[j], "collect gave CPU %u twice", cpus[i]);
	}
}

/* One VMM action on the open handle, chosen by the input. */
static void act(struct hostile *h, struct sidecar_vmm *vmm, struct sidecar_vp **vps, uint32_t nvps)
{
	uint8_t what = take8(h);
	struct sidecar_vmm_node_info info;
	uint32_t cpu;
	struct sidecar_vp *vp;
	int r = 0;

	/* A CPU of some node, or the one just past it (a gap, the next node,
	 * or no CPU at all). */
	FUZZ_CHECK(sidecar_vmm_node_info(vmm, take8(h) % sidecar_vmm_node_count(vmm), &info) == 0,
		   "node_info failed");
	cpu = info.base_cpu + take8(h) % (info.cpu_count + 1);
	vp = vps[cpu % nvps];

	switch (what % 14) {
	case 0:
		if (!vp && cpu < sidecar_vmm_cpu_count(vmm)) {
			r = sidecar_vp_acquire(vmm, cpu, &vps[cpu % nvps]);
			check_errno(r, "acquire");
			FUZZ_CHECK((r == 0) == (vps[cpu % nvps] != NULL),
				   "acquire returned %d with vp %p", r, (void *)vps[cpu % nvps]);
		}
		return;
	case 1:
		if (vp && !sidecar_vp_running(vp)) {
			sidecar_vp_release(vp);
			vps[cpu % nvps] = NULL;
		}
		return;
	case 2:
		if (vp) {
			r = sidecar_vp_test(vp);
			check_errno(r, "test");
			check_vp_error(vp, r);
		}
		return;
	case 3:
		if (vp) {
			struct hv_register_assoc regs[40];
			size_t n = take8(h) % 40;

			for (size_t i = 0; i < n; i++)
				regs[i].name = take32(h);
			r = sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, regs, n);
			check_errno(r, "get_registers");
			check_vp_error(vp, r);
		}
		return;
	case 4:
		if (vp) {
			union hv_register_value v;

			take(h, &v, sizeof(v));
			r = sidecar_vp_set_register(vp, take32(h), &v);
			check_errno(r, "set_register");
			check_vp_error(vp, r);
		}
		return;
	case 5:
		if (vp) {
			struct hv_translate_virtual_address_ex_output_x64 out;
			uint64_t gvn;

			take(h, &gvn, sizeof(gvn));
			r = sidecar_vp_translate_gva(vp, gvn, take32(h), &out);
			check_errno(r, "translate_gva");
			check_vp_error(vp, r);
		}
		return;
	case 6:
		if (vp) {
			r = sidecar_vp_start(vp);
			check_errno(r, "start");
			check_vp_error(vp, r);
		}
		return;
	case 7:
		if (vp) {
			r = sidecar_vp_cancel(vp);
			check_errno(r, "cancel");
		}
		return;
	case 8:
		if (vp) {
			/* Finite timeouts only: a driver that never reports a
			 * stop makes an unbounded wait wait forever, as it
			 * should. */
			r = sidecar_vp_wait(vp, take8(h) % 2);
			check_errno(r, "wait");
			FUZZ_CHECK(r < 0 || r == SIDECAR_VP_STOPPED || r == SIDECAR_VP_INTERCEPT,
				   "wait returned %d", r);
			check_vp_error(vp, r);
		}
		return;
	case 9:
		check_collect(vmm,
			      take8(h) % 2 ? SIDECAR_VMM_ALL_NODES
					   : take8(h) % (sidecar_vmm_node_count(vmm) + 1),
			      take8(h) % 17);
		return;
	case 10: {
		uint8_t status[64];
		unsigned int node = take8(h) % (sidecar_vmm_node_count(vmm) + 1);

		r = sidecar_vmm_cpu_status(vmm, node, status, sizeof(status));
		check_errno(r, "cpu_status");
		return;
	}
	case 11:
		r = sidecar_vmm_cpu_status_of(vmm, cpu);
		check_errno(r, "cpu_status_of");
		FUZZ_CHECK(r < 0 || r <= 0xFF, "cpu_status_of returned %d", r);
		return;
	case 12:
		if (!vp) {
			r = sidecar_vmm_convert_cpu(vmm, cpu);
			check_errno(r, "convert_cpu");
		}
		return;
	default: {
		void *base;
		uint64_t size;

		r = sidecar_vmm_guest_memory(vmm, &base, &size);
		check_errno(r, "guest_memory");
		return;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostile h = {.data = data, .size = size};
	struct vmm_transport t = {&hostile_ops, &h};
	struct sidecar_vmm *vmm = NULL;
	struct sidecar_vp *vps[8] = {0};
	char error[160];
	int r;

	memset(error, 'x', sizeof(error));
	r = vmm_open_transport(&t, &vmm, error, sizeof(error));
	check_errno(r, "open");
	if (r < 0) {
		FUZZ_CHECK(!vmm, "a failed open returned a handle");
		check_line(error, sizeof(error), "the open error");
		FUZZ_CHECK(error[0] != '\0', "open failed (%d) without a reason", r);
	} else {
		FUZZ_CHECK(vmm, "open succeeded without a handle");
		check_nodes(vmm);
		for (int steps = 0; steps < 64 && !exhausted(&h); steps++)
			act(&h, vmm, vps, 8);
		/* A VMM that exits with runs in progress: close reclaims them. */
		for (int i = 0; i < 8; i++) {
			if (vps[i] && !sidecar_vp_running(vps[i]))
				sidecar_vp_release(vps[i]);
		}
		sidecar_vmm_close(vmm);
	}
	FUZZ_CHECK(h.destroyed == 1, "destroy called %d times", h.destroyed);
	FUZZ_CHECK(h.open_fds == 0, "%d descriptors left open", h.open_fds);
	FUZZ_CHECK(h.live_maps == 0, "%d mappings left", h.live_maps);
	return 0;
}
