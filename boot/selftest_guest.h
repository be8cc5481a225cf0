/* SPDX-License-Identifier: MIT */
/* The self-test's guests (selftest_guest.c). */
#ifndef SHIM_SELFTEST_GUEST_H
#define SHIM_SELFTEST_GUEST_H

/* Guests on every CPU under test; only when the kernel has a VP backend. */
void selftest_guest_run(void);

#endif /* SHIM_SELFTEST_GUEST_H */
