/* SPDX-License-Identifier: MIT */
/*
 * Absolute deadlines for pthread_cond_timedwait(), for the hosted programs
 * (the hosted sidecar core, libsidecar-vmm and its fake driver).
 */
#ifndef SC_DEADLINE_H
#define SC_DEADLINE_H

#include <stdint.h>
#include <time.h>

/*
 * `ms` milliseconds from now on `clock`. pthread_cond_timedwait() reads
 * its deadline on the condition variable's clock (CLOCK_REALTIME unless
 * pthread_condattr_setclock() said otherwise), so the caller names it.
 */
static inline struct timespec sc_deadline_after_ms(clockid_t clock, uint64_t ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

#endif /* SC_DEADLINE_H */
