// SPDX-License-Identifier: MIT
/*
 * The eventfds that wake a node's poller and the client's event loop
 * (run.c). They call nothing else in the library.
 */
#include <stdint.h>
#include <unistd.h>

#include "eventfd.h"

void vmm_eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* Only fails with EAGAIN when the counter is about to overflow, in
	 * which case the fd is readable anyway. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

void vmm_eventfd_clear(int fd)
{
	uint64_t value;

	if (read(fd, &value, sizeof(value)) < 0)
		return;
}
