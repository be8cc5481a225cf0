/* SPDX-License-Identifier: MIT */
/*
 * The self-test: the BSP plays the Linux driver and the VMM against every
 * sidecar CPU (docs/abi.md protocol), prints one PASS/FAIL line per check
 * group, then "SIDECAR-SELFTEST: P passed, F failed". The caller leaves
 * QEMU with SHIM_EXIT_SUCCESS or SHIM_EXIT_TEST_FAILED, or boots Linux.
 */
#ifndef SHIM_SELFTEST_H
#define SHIM_SELFTEST_H

#include "shim.h"

/* The shim's vectors: response IPIs from sidecar CPUs, the wake-up tick. */
#define SELFTEST_RESPONSE_VECTOR 0xE0u
#define SELFTEST_TICK_VECTOR	 0xE1u

/* True if every check passed. Leaves the BSP's APIC timer stopped. */
bool selftest_run(struct shim_boot *b);

#endif /* SHIM_SELFTEST_H */
