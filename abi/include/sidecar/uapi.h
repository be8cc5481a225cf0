/* SPDX-License-Identifier: MIT */
/*
 * The user-space interface of the sidecar driver (sidecar.ko): one misc
 * device per sidecar node, /dev/mshv_vtl_sidecarN as OpenHCL's user space
 * expects (or /dev/sidecarN with the module parameter mshv_names=0). The
 * ioctl numbers and semantics are OpenHCL's (mshv_vtl sidecar ioctls).
 *
 * CPU numbers are Linux CPU numbers, which equal VP indexes: the driver
 * refuses to load when the firmware's CPU order and the VP order differ.
 *
 *   mmap(offset 0, length <= cpu_count * per_cpu_shmem)
 *       the node's shared pages: for CPU base_cpu + i, the command page at
 *       i * per_cpu_shmem and the register page right after it.
 *   ioctl(SIDECAR_IOCTL_INFO, struct sidecar_ioctl_info *)
 *   ioctl(SIDECAR_IOCTL_RUN, cpu)    run the command in cpu's command page
 *                                    and wait for it (a signal stops the
 *                                    command; RUN still returns 0 once it
 *                                    ended, the page holds the outcome)
 *   ioctl(SIDECAR_IOCTL_START, cpu)  start it and return at once
 *   ioctl(SIDECAR_IOCTL_STOP, cpu)   ask a started command to stop
 *   read(fd, &u32, 4)                the next CPU whose started command
 *                                    finished (EAGAIN with O_NONBLOCK)
 *   poll: POLLIN while such a CPU is waiting to be read
 *
 * Errors: EINVAL a CPU outside the node (or a bad argument), EBUSY the CPU
 * is running a command, ENOENT the CPU was converted to Linux (or crashed
 * and was removed), EIO the CPU stopped answering and was given up,
 * ENOTTY an unknown ioctl, EFAULT a bad pointer. Closing the file stops
 * and waits for every command it started.
 *
 * The partition's guest memory (the VP backend's guest-physical RAM,
 * docs/vp-backend.md) is a separate misc device, /dev/sidecar_guest,
 * mode 0600, present when the boot loader gave guest memory:
 *   ioctl(SIDECAR_IOCTL_GUEST_INFO, struct sidecar_ioctl_guest_info *)
 *   mmap(offset o, length l), MAP_SHARED, o + l <= size
 *       guest-physical [o, o + l), write-back cached, as the guest sees it
 * Errors: EINVAL a private mapping or one outside the memory, ENOTTY an
 * unknown ioctl, EFAULT a bad pointer. The number 0xf8 is outside the range
 * OpenHCL's sidecar ioctls use (0xf0-0xf3).
 */
#ifndef SIDECAR_UAPI_H
#define SIDECAR_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SIDECAR_IOCTL_TYPE 0xb8

struct sidecar_ioctl_info {
	__u32 base_cpu;
	__u32 cpu_count;
	__u32 per_cpu_shmem; /* bytes of shared pages per CPU */
};

#define SIDECAR_IOCTL_START _IO(SIDECAR_IOCTL_TYPE, 0xf0)
#define SIDECAR_IOCTL_STOP  _IO(SIDECAR_IOCTL_TYPE, 0xf1)
#define SIDECAR_IOCTL_RUN   _IO(SIDECAR_IOCTL_TYPE, 0xf2)
#define SIDECAR_IOCTL_INFO  _IOR(SIDECAR_IOCTL_TYPE, 0xf3, struct sidecar_ioctl_info)

struct sidecar_ioctl_guest_info {
	__u64 size;  /* bytes of guest-physical memory, from address 0 */
	__u64 flags; /* none defined yet: 0 */
};

#define SIDECAR_IOCTL_GUEST_INFO _IOR(SIDECAR_IOCTL_TYPE, 0xf8, struct sidecar_ioctl_guest_info)

#endif /* SIDECAR_UAPI_H */
