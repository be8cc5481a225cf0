/* SPDX-License-Identifier: MIT */
/* The eventfd operations of the library (eventfd.c). */
#ifndef VMM_EVENTFD_H
#define VMM_EVENTFD_H

/* Increments an eventfd, resets one (ignoring EAGAIN). */
void vmm_eventfd_signal(int fd);
void vmm_eventfd_clear(int fd);

#endif /* VMM_EVENTFD_H */
