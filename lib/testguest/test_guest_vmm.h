/* SPDX-License-Identifier: MIT */
/*
 * The test guest driven through libsidecar-vmm: what the Linux test VMM
 * (tests/linux/vmm) and the README's demo (vmmlib/examples/demo_vmm.c)
 * both do to put a VP at the guest's entry and move it along. User space
 * only; the shim's self-test sets registers through the command page
 * itself.
 */
#ifndef TEST_GUEST_VMM_H
#define TEST_GUEST_VMM_H

#include <sidecar_vmm.h>

#include "test_guest.h"

/* Puts `vp` at the start of the test guest as slot `slot`: zeroed GPRs and
 * a reset FX state in its cpu_context, then tg_setup_registers()'s
 * registers. 0 or the library's error. */
int tg_vmm_reset(struct sidecar_vp *vp, uint32_t slot);

/* Moves the VP's RIP (to complete an instruction, or to another entry). */
int tg_vmm_set_rip(struct sidecar_vp *vp, uint64_t rip);

/* CPUID leaf 1 of the calling CPU, which the sidecar CPUs' default
 * CPUID results are checked against. */
struct tg_cpuid tg_host_leaf1(void);

#endif /* TEST_GUEST_VMM_H */
