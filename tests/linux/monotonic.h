/* SPDX-License-Identifier: MIT */
/* Time for the Linux test programs (monotonic.c): the test VMM and the
 * stress program measure and wait with the same two calls. */
#ifndef TESTS_LINUX_MONOTONIC_H
#define TESTS_LINUX_MONOTONIC_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t test_now_ms(void);

/* Sleeps `ms` milliseconds, resuming after a signal. */
void test_sleep_ms(unsigned int ms);

#endif /* TESTS_LINUX_MONOTONIC_H */
