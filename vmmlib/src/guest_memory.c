// SPDX-License-Identifier: MIT
/*
 * The partition's guest memory (/dev/sidecar_guest, <sidecar/uapi.h>):
 * mapped once when the client opens, so every thread reads and writes
 * guest-physical memory through one stable pointer without further calls.
 */
#include <errno.h>
#include <stdint.h>

#include "format.h"
#include "vmm_internal.h"

#define GUEST_DEVICE "sidecar_guest"

int vmm_map_guest_memory(struct sidecar_vmm *vmm, char *error, size_t error_size)
{
	struct sidecar_ioctl_guest_info info = {0};
	char errbuf[128];
	void *map;
	int fd, r;

	fd = VMM_CALL(vmm, open, GUEST_DEVICE);
	if (fd == -ENOENT)
		return 0; /* no guest memory: the sidecar has no VP backend */
	if (fd < 0) {
		vmm_format(error, error_size, GUEST_DEVICE ": open: %s",
			   vmm_strerror(fd, errbuf, sizeof(errbuf)));
		return fd;
	}
	r = VMM_CALL(vmm, guest_info, fd, &info);
	if (r < 0) {
		vmm_format(error, error_size, GUEST_DEVICE ": GUEST_INFO: %s",
			   vmm_strerror(r, errbuf, sizeof(errbuf)));
		goto fail;
	}
	if (info.size == 0 || info.size % SIDECAR_PAGE_SIZE || info.size > SIZE_MAX) {
		vmm_format(error, error_size,
			   GUEST_DEVICE ": the driver reports %llu bytes of guest memory "
					"(a non-zero multiple of 4096 expected)",
			   (unsigned long long)info.size);
		r = -EINVAL;
		goto fail;
	}
	r = VMM_CALL(vmm, mmap, fd, (size_t)info.size, &map);
	if (r < 0) {
		vmm_format(error, error_size, GUEST_DEVICE ": mmap of %llu bytes: %s",
			   (unsigned long long)info.size, vmm_strerror(r, errbuf, sizeof(errbuf)));
		goto fail;
	}
	vmm->guest_fd = fd;
	vmm->guest = map;
	vmm->guest_size = info.size;
	return 0;

fail:
	VMM_CALL(vmm, close, fd);
	return r;
}

void vmm_unmap_guest_memory(struct sidecar_vmm *vmm)
{
	if (vmm->guest)
		VMM_CALL(vmm, munmap, vmm->guest, (size_t)vmm->guest_size);
	if (vmm->guest_fd >= 0)
		VMM_CALL(vmm, close, vmm->guest_fd);
	vmm->guest = NULL;
	vmm->guest_size = 0;
	vmm->guest_fd = -1;
}

int sidecar_vmm_guest_memory(const struct sidecar_vmm *vmm, void **base, uint64_t *size)
{
	if (!vmm || !base || !size)
		return -EINVAL;
	if (!vmm->guest)
		return -ENOENT;
	*base = vmm->guest;
	*size = vmm->guest_size;
	return 0;
}
