/* SPDX-License-Identifier: MIT */
/* The eventfd operations of the library (eventfd.c). */
#ifndef SC_VMM_EVENTFD_H
#define SC_VMM_EVENTFD_H

/* Increments an eventfd, resets one (ignoring EAGAIN). */
void sc_eventfd_signal(int fd);
void sc_eventfd_clear(int fd);

#endif /* SC_VMM_EVENTFD_H */
