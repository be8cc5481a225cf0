/* SPDX-License-Identifier: MIT */
/*
 * The library's only way to reach the sidecar driver. Everything the
 * library does besides these calls (discovery, ownership, chunking, error
 * mapping, the run bookkeeping) is plain user-space logic, so the unit
 * tests run it over a fake transport that emulates the driver on top of
 * the real sidecar core (vmmlib/fake), and the production build over
 * transport_linux.c (the raw syscalls).
 *
 * Every call returns 0 (or a byte count) on success and a negative errno on
 * failure. File descriptors are real, pollable kernel descriptors in every
 * transport: the library polls them, puts them in an epoll set, and hands
 * them to the application.
 */
#ifndef VMM_TRANSPORT_H
#define VMM_TRANSPORT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sidecar/uapi.h>

struct vmm_transport_ops {
	/* Opens device `name` ("sidecar0", "sidecar_guest") read-write,
	 * non-blocking, close-on-exec; returns the fd, -ENOENT if it does not
	 * exist. */
	int (*open)(void *ctx, const char *name);
	void (*close)(void *ctx, int fd);
	/* SIDECAR_IOCTL_INFO. */
	int (*info)(void *ctx, int fd, struct sidecar_ioctl_info *info);
	/* SIDECAR_IOCTL_GUEST_INFO on the guest-memory device. */
	int (*guest_info)(void *ctx, int fd, struct sidecar_ioctl_guest_info *info);
	/* Maps `length` bytes of the device at offset 0, shared, read-write. */
	int (*mmap)(void *ctx, int fd, size_t length, void **addr);
	void (*munmap)(void *ctx, void *addr, size_t length);
	/* SIDECAR_IOCTL_RUN, _START or _STOP with a CPU number. */
	int (*ioctl_cpu)(void *ctx, int fd, unsigned long request, uint32_t cpu);
	/* read(2) on the (non-blocking) device: the next stopped CPU. */
	ssize_t (*read)(void *ctx, int fd, void *buf, size_t size);
	/* poll(2) on descriptors this transport handed out; NULL: the library
	 * calls poll(2) itself, as a transport of real descriptors would. */
	int (*poll)(void *ctx, struct pollfd *fds, nfds_t count, int timeout_ms);
	/* Reads the driver's sysfs attribute `attr` of device `name` into buf
	 * (NUL-terminated); returns its length or -ENOENT. */
	ssize_t (*read_attr)(void *ctx, const char *name, const char *attr, char *buf, size_t size);
	/* Brings Linux CPU `cpu` online (the driver's hotplug callback takes
	 * it out of the sidecar first); returns when Linux runs on it. */
	int (*online_cpu)(void *ctx, uint32_t cpu);
	/* Frees ctx when the client closes. May be NULL. */
	void (*destroy)(void *ctx);
};

struct vmm_transport {
	const struct vmm_transport_ops *ops;
	void *ctx;
};

struct sidecar_vmm;

/*
 * sidecar_vmm_open() over any transport; the client takes the transport
 * (its destroy hook runs on close, or here on failure). `error` may be NULL.
 */
int vmm_open_transport(const struct vmm_transport *transport, struct sidecar_vmm **vmm, char *error,
		       size_t error_size);

/* The transport of the running system; dev_dir and sysfs_dir are copied. */
int vmm_linux_transport(const char *dev_dir, const char *sysfs_dir,
			struct vmm_transport *transport);

/*
 * Parses a cpu_status file (format: sidecar_vmm_cpu_status()) for the node
 * of CPUs [base, base + count); status[count] receives the statuses.
 * Returns the number of CPUs found, or -EINVAL.
 */
int vmm_parse_cpu_status(const char *text, uint32_t base, uint32_t count, uint8_t *status);

#endif /* VMM_TRANSPORT_H */
