// SPDX-License-Identifier: MIT
/* The transport of the running system: the raw syscalls on sidecar.ko. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "transport.h"

#define DIR_MAX 512

struct linux_transport {
	char dev_dir[DIR_MAX];
	char sysfs_dir[DIR_MAX];
};

static int lt_open(void *ctx, const char *name)
{
	struct linux_transport *t = ctx;
	char path[DIR_MAX + 64];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", t->dev_dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* Non-blocking as OpenHCL's client: read() returns EAGAIN when no stop
	 * is queued, and the library waits in poll(). */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void lt_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static int lt_info(void *ctx, int fd, struct sidecar_ioctl_info *info)
{
	(void)ctx;
	return ioctl(fd, SIDECAR_IOCTL_INFO, info) < 0 ? -errno : 0;
}

static int lt_guest_info(void *ctx, int fd, struct sidecar_ioctl_guest_info *info)
{
	(void)ctx;
	return ioctl(fd, SIDECAR_IOCTL_GUEST_INFO, info) < 0 ? -errno : 0;
}

static int lt_mmap(void *ctx, int fd, size_t length, void **addr)
{
	void *p;

	(void)ctx;
	p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

static void lt_munmap(void *ctx, void *addr, size_t length)
{
	(void)ctx;
	munmap(addr, length);
}

static int lt_ioctl_cpu(void *ctx, int fd, unsigned long request, uint32_t cpu)
{
	(void)ctx;
	return ioctl(fd, request, (unsigned long)cpu) < 0 ? -errno : 0;
}

static ssize_t lt_read(void *ctx, int fd, void *buf, size_t size)
{
	ssize_t r;

	(void)ctx;
	r = read(fd, buf, size);
	return r < 0 ? -errno : r;
}

static ssize_t lt_read_attr(void *ctx, const char *name, const char *attr, char *buf, size_t size)
{
	struct linux_transport *t = ctx;
	char path[DIR_MAX + 128];
	size_t len = 0;
	int fd;

	if (size == 0)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/class/misc/%s/%s", t->sysfs_dir, name, attr) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t r = read(fd, buf + len, size - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* CPU hotplug through sysfs (Documentation/core-api/cpu_hotplug.rst):
 * the write returns once the CPU is up, or with the callbacks' error. */
static int lt_online_cpu(void *ctx, uint32_t cpu)
{
	struct linux_transport *t = ctx;
	char path[DIR_MAX + 64];
	ssize_t n;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%" PRIu32 "/online",
		     t->sysfs_dir, cpu) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, "1\n", 2);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static void lt_destroy(void *ctx)
{
	free(ctx);
}

static const struct vmm_transport_ops linux_ops = {
	.open = lt_open,
	.close = lt_close,
	.info = lt_info,
	.guest_info = lt_guest_info,
	.mmap = lt_mmap,
	.munmap = lt_munmap,
	.ioctl_cpu = lt_ioctl_cpu,
	.read = lt_read,
	.read_attr = lt_read_attr,
	.online_cpu = lt_online_cpu,
	.destroy = lt_destroy,
};

static void set_dir(char *dst, const char *given, const char *env, const char *fallback)
{
	const char *dir = given;

	if (!dir)
		dir = getenv(env);
	if (!dir || !*dir)
		dir = fallback;
	snprintf(dst, DIR_MAX, "%s", dir);
}

int vmm_linux_transport(const char *dev_dir, const char *sysfs_dir, struct vmm_transport *transport)
{
	struct linux_transport *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	set_dir(t->dev_dir, dev_dir, "SIDECAR_DEV_DIR", "/dev");
	set_dir(t->sysfs_dir, sysfs_dir, "SIDECAR_SYSFS_DIR", "/sys");
	transport->ops = &linux_ops;
	transport->ctx = t;
	return 0;
}
