// SPDX-License-Identifier: MIT
/*
 * The client: discovering the nodes, mapping their shared pages, and the
 * node queries. Discovery follows OpenHCL's sidecar_client: open node 0,
 * 1, ... until a device is missing; each node's CPUs must start where the
 * previous node's ended, the first at CPU 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "format.h"
#include "vmm_internal.h"

/* Device names: ours first, then those of OpenHCL's driver. */
static const char *const device_prefixes[] = {"sidecar", "mshv_vtl_sidecar"};

/* The message of a failed open, if the caller wants one. */
struct open_error {
	char *buf;
	size_t size;
};

static int open_fail(struct open_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int open_fail(struct open_error *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (e->buf && e->size) {
		va_start(ap, fmt);
		if (vsnprintf(e->buf, e->size, fmt, ap) < 0)
			e->buf[0] = '\0';
		va_end(ap);
	}
	return err;
}

static void free_vps(struct vmm_node *node)
{
	free(node->vps);
	node->vps = NULL;
}

static void close_node(struct sidecar_vmm *vmm, struct vmm_node *node)
{
	if (node->map)
		VMM_CALL(vmm, munmap, node->map, node->map_size);
	if (node->fd >= 0)
		VMM_CALL(vmm, close, node->fd);
	if (node->wake_fd >= 0)
		close(node->wake_fd);
	if (node->lock_ready) {
		pthread_mutex_destroy(&node->lock);
		pthread_cond_destroy(&node->cond);
	}
	free_vps(node);
	node->map = NULL;
	node->fd = -1;
	node->wake_fd = -1;
	node->lock_ready = false;
}

void sidecar_vmm_close(struct sidecar_vmm *vmm)
{
	if (!vmm)
		return;
	for (unsigned int i = 0; i < vmm->node_count; i++)
		close_node(vmm, &vmm->nodes[i]);
	if (vmm->epoll_fd >= 0)
		close(vmm->epoll_fd);
	if (vmm->notify_fd >= 0)
		close(vmm->notify_fd);
	vmm_unmap_guest_memory(vmm);
	if (vmm->transport.ops->destroy)
		vmm->transport.ops->destroy(vmm->transport.ctx);
	free(vmm->nodes);
	free(vmm);
}

static int init_lock(struct vmm_node *node)
{
	pthread_condattr_t attr;
	int r;

	r = pthread_condattr_init(&attr);
	if (r)
		return -r;
	r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!r)
		r = pthread_cond_init(&node->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (r)
		return -r;
	r = pthread_mutex_init(&node->lock, NULL);
	if (r) {
		pthread_cond_destroy(&node->cond);
		return -r;
	}
	node->lock_ready = true;
	return 0;
}

/* Opens device `index` of the naming scheme in *scheme (-1: not decided
 * yet, decided by node 0). Returns the fd or a negative errno. */
static int open_device(struct sidecar_vmm *vmm, unsigned int index, int *scheme, char *name,
		       size_t name_size)
{
	int fd = -ENOENT;

	for (int s = 0; s < 2; s++) {
		if (*scheme >= 0 && s != *scheme)
			continue;
		vmm_format(name, name_size, "%s%u", device_prefixes[s], index);
		fd = VMM_CALL(vmm, open, name);
		if (fd != -ENOENT) {
			*scheme = s;
			return fd;
		}
	}
	return fd;
}

/*
 * Checks what INFO reported for the node that should start at or after
 * `expected` (where the previous node ends). Nodes come in CPU order and do
 * not overlap, but may leave gaps: a boot loader that gives the main kernel
 * every CPU of a chunk creates no node for it (openhcl_boot since
 * 103d1be96), and OpenHCL's sidecar_client only logs such gaps.
 */
static int check_info(struct open_error *e, const char *name, const struct sidecar_ioctl_info *info,
		      uint32_t expected, const char *previous)
{
	if (info->cpu_count == 0 || info->cpu_count > SIDECAR_MAX_CPUS_PER_NODE)
		return open_fail(e, -EINVAL, "%s: the driver reports %u CPUs (1..%u expected)",
				 name, info->cpu_count, (unsigned int)SIDECAR_MAX_CPUS_PER_NODE);
	if (info->per_cpu_shmem < SIDECAR_PAGE_SIZE || info->per_cpu_shmem % SIDECAR_PAGE_SIZE)
		return open_fail(e, -EINVAL,
				 "%s: the driver reports %u bytes of shared pages per CPU "
				 "(a multiple of %u, at least one page, expected)",
				 name, info->per_cpu_shmem, (unsigned int)SIDECAR_PAGE_SIZE);
	if ((uint64_t)info->base_cpu + info->cpu_count > UINT32_MAX)
		return open_fail(e, -EINVAL, "%s: CPUs %u+%u overflow", name, info->base_cpu,
				 info->cpu_count);
	if (previous && info->base_cpu < expected)
		return open_fail(e, -EINVAL,
				 "%s: CPUs %u-%u overlap or precede %s, which ends at CPU %u "
				 "(nodes must be in CPU order)",
				 name, info->base_cpu, info->base_cpu + info->cpu_count - 1,
				 previous, expected - 1);
	return 0;
}

static int setup_vps(struct vmm_node *node)
{
	node->vps = calloc(node->cpu_count, sizeof(*node->vps));
	if (!node->vps)
		return -ENOMEM;
	for (uint32_t i = 0; i < node->cpu_count; i++) {
		struct sidecar_vp *vp = &node->vps[i];
		uint8_t *shmem = (uint8_t *)node->map + (size_t)i * node->per_cpu_shmem;

		vp->node = node;
		vp->index = i;
		vp->cpu = node->base_cpu + i;
		vp->page = (struct sidecar_command_page *)(void *)shmem;
		vp->register_page = node->per_cpu_shmem >= 2 * SIDECAR_PAGE_SIZE
					    ? shmem + SIDECAR_PAGE_SIZE
					    : NULL;
		atomic_init(&vp->owned, false);
		vp->state = VMM_RUN_NONE;
	}
	return 0;
}

static int open_node(struct sidecar_vmm *vmm, struct vmm_node *node, int fd, const char *name,
		     struct open_error *e)
{
	struct sidecar_ioctl_info info = {0};
	const char *previous = node->index ? vmm->nodes[node->index - 1].device : NULL;
	char errbuf[128];
	int r;

	node->fd = fd;
	vmm_format(node->device, sizeof(node->device), "%s", name);
	r = VMM_CALL(vmm, info, fd, &info);
	if (r < 0)
		return open_fail(e, r, "%s: INFO: %s", name, vmm_strerror(r, errbuf, 128));
	r = check_info(e, name, &info, vmm->cpu_count, previous);
	if (r < 0)
		return r;
	node->base_cpu = info.base_cpu;
	node->cpu_count = info.cpu_count;
	node->per_cpu_shmem = info.per_cpu_shmem;
	node->map_size = (size_t)info.cpu_count * info.per_cpu_shmem;
	r = VMM_CALL(vmm, mmap, fd, node->map_size, &node->map);
	if (r < 0) {
		node->map = NULL;
		return open_fail(e, r, "%s: mmap of %zu bytes: %s", name, node->map_size,
				 vmm_strerror(r, errbuf, 128));
	}
	node->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (node->wake_fd < 0)
		return open_fail(e, -errno, "eventfd: %s", vmm_strerror(errno, errbuf, 128));
	r = init_lock(node);
	if (r == 0)
		r = setup_vps(node);
	if (r < 0)
		return open_fail(e, r, "%s: %s", name, vmm_strerror(r, errbuf, 128));
	vmm->cpu_count = info.base_cpu + info.cpu_count;
	return 0;
}

static int setup_poll(struct sidecar_vmm *vmm, struct open_error *e)
{
	struct epoll_event ev = {.events = EPOLLIN};
	char errbuf[128];

	vmm->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	vmm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (vmm->notify_fd < 0 || vmm->epoll_fd < 0)
		return open_fail(e, -errno, "epoll: %s", vmm_strerror(errno, errbuf, 128));
	for (unsigned int i = 0; i <= vmm->node_count; i++) {
		int fd = i < vmm->node_count ? vmm->nodes[i].fd : vmm->notify_fd;

		ev.data.u32 = i;
		if (epoll_ctl(vmm->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return open_fail(e, -errno, "epoll: %s", vmm_strerror(errno, errbuf, 128));
	}
	return 0;
}

int vmm_open_transport(const struct vmm_transport *transport, struct sidecar_vmm **out, char *error,
		       size_t error_size)
{
	struct open_error e = {error, error_size};
	struct sidecar_vmm *vmm;
	int scheme = -1;
	int r = 0;

	if (error && error_size)
		error[0] = '\0';
	if (!out) {
		if (transport->ops->destroy)
			transport->ops->destroy(transport->ctx);
		return open_fail(&e, -EINVAL, "no place for the handle");
	}
	*out = NULL;
	vmm = calloc(1, sizeof(*vmm));
	if (vmm)
		vmm->nodes = calloc(SIDECAR_MAX_NODES, sizeof(*vmm->nodes));
	if (!vmm || !vmm->nodes) {
		free(vmm);
		if (transport->ops->destroy)
			transport->ops->destroy(transport->ctx);
		return open_fail(&e, -ENOMEM, "out of memory");
	}
	vmm->transport = *transport;
	vmm->epoll_fd = -1;
	vmm->notify_fd = -1;
	vmm->guest_fd = -1;

	for (unsigned int i = 0; i < SIDECAR_MAX_NODES; i++) {
		struct vmm_node *node = &vmm->nodes[i];
		char name[32], errbuf[128];
		int fd = open_device(vmm, i, &scheme, name, sizeof(name));

		if (fd == -ENOENT && i > 0)
			break;
		if (fd == -ENOENT) {
			r = open_fail(&e, -ENOENT,
				      "no sidecar device (sidecar0 or mshv_vtl_sidecar0): "
				      "no sidecar CPUs, or the driver is not loaded");
			goto fail;
		}
		if (fd < 0) {
			r = open_fail(&e, fd, "%s: open: %s", name,
				      vmm_strerror(fd, errbuf, sizeof(errbuf)));
			goto fail;
		}
		node->vmm = vmm;
		node->index = i;
		node->wake_fd = -1;
		vmm->node_count = i + 1;
		r = open_node(vmm, node, fd, name, &e);
		if (r < 0)
			goto fail;
	}
	r = setup_poll(vmm, &e);
	if (r < 0)
		goto fail;
	r = vmm_map_guest_memory(vmm, error, error_size);
	if (r < 0)
		goto fail;
	*out = vmm;
	return 0;

fail:
	sidecar_vmm_close(vmm);
	return r;
}

int sidecar_vmm_open(const struct sidecar_vmm_options *options, struct sidecar_vmm **vmm)
{
	struct sidecar_vmm_options none = {0};
	struct vmm_transport transport;
	int r;

	if (!options)
		options = &none;
	r = vmm_linux_transport(options->dev_dir, options->sysfs_dir, &transport);
	if (r < 0) {
		vmm_format(options->error, options->error_size, "out of memory");
		return r;
	}
	return vmm_open_transport(&transport, vmm, options->error, options->error_size);
}

unsigned int sidecar_vmm_node_count(const struct sidecar_vmm *vmm)
{
	return vmm ? vmm->node_count : 0;
}

uint32_t sidecar_vmm_cpu_count(const struct sidecar_vmm *vmm)
{
	return vmm ? vmm->cpu_count : 0;
}

int sidecar_vmm_node_info(const struct sidecar_vmm *vmm, unsigned int node,
			  struct sidecar_vmm_node_info *info)
{
	const struct vmm_node *n;

	if (!vmm || !info || node >= vmm->node_count)
		return -EINVAL;
	n = &vmm->nodes[node];
	memset(info, 0, sizeof(*info));
	info->base_cpu = n->base_cpu;
	info->cpu_count = n->cpu_count;
	info->per_cpu_shmem = n->per_cpu_shmem;
	info->fd = n->fd;
	memcpy(info->device, n->device, sizeof(info->device));
	return 0;
}

int sidecar_vmm_node_of(const struct sidecar_vmm *vmm, uint32_t cpu)
{
	unsigned int lo = 0, hi;

	if (!vmm || cpu >= vmm->cpu_count)
		return -EINVAL;
	/* Nodes are sorted and disjoint: binary search on base_cpu, then the
	 * CPU may still lie in a gap after that node. */
	hi = vmm->node_count;
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (vmm->nodes[mid].base_cpu <= cpu)
			lo = mid;
		else
			hi = mid;
	}
	if (cpu < vmm->nodes[lo].base_cpu ||
	    cpu - vmm->nodes[lo].base_cpu >= vmm->nodes[lo].cpu_count)
		return -EINVAL;
	return (int)lo;
}

int sidecar_vmm_poll_fd(const struct sidecar_vmm *vmm)
{
	return vmm ? vmm->epoll_fd : -EINVAL;
}

/* sysfs attributes are at most a page in Linux, but a driver may use a
 * binary attribute for big nodes: room for 4032 long lines. */
#define STATUS_TEXT_MAX ((size_t)64 * 1024)

int sidecar_vmm_cpu_status(struct sidecar_vmm *vmm, unsigned int node, uint8_t *status,
			   size_t count)
{
	const struct vmm_node *n;
	char *text;
	ssize_t len;
	int r;

	if (!vmm || node >= vmm->node_count || !status)
		return -EINVAL;
	n = &vmm->nodes[node];
	if (count < n->cpu_count)
		return -EINVAL;
	if (!vmm->transport.ops->read_attr)
		return -ENOENT;
	text = malloc(STATUS_TEXT_MAX);
	if (!text)
		return -ENOMEM;
	len = VMM_CALL(vmm, read_attr, n->device, "cpu_status", text, STATUS_TEXT_MAX);
	if (len < 0) {
		free(text);
		return (int)len;
	}
	r = vmm_parse_cpu_status(text, n->base_cpu, n->cpu_count, status);
	free(text);
	return r;
}
