/* SPDX-License-Identifier: MIT */
/*
 * What the libsidecar-vmm unit tests share: the emulated driver
 * (vmmlib/fake) and a library client opened over it, created by a test
 * and torn down by its suite's .fini.
 */
#ifndef VMMLIB_FIXTURE_H
#define VMMLIB_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "fake_driver.h"
#include "sidecar_vmm.h"
#include "transport.h"

extern struct fake_driver *fake;
extern struct sidecar_vmm *vmm;

/* Creates the fake (asserting it could) and opens vmm over it; returns
 * what vmm_open_transport() returned, its reason in `error`. */
int vf_open(const struct fake_config *config, char *error, size_t error_size);

/* Node 0: CPUs 0 (base) to 3; node 1: CPUs 4 (base) to 6. Asserts. */
void vf_open_two_nodes(void);

/* Acquires the VP of `cpu`, asserting it could. */
struct sidecar_vp *vf_acquire(uint32_t cpu);

/* Closes vmm and destroys the fake: the suites' .fini. */
void vf_cleanup(void);

#endif /* VMMLIB_FIXTURE_H */
