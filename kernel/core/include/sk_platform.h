/* SPDX-License-Identifier: MIT */
/*
 * What the core needs from the machine under it. Implemented once by the
 * kernel (kernel/arch/x86_64/platform.c: hlt, the local APIC, MSRs, debug
 * registers) and once by the hosted test platform (kernel/hosted: condition
 * variables and a register file per thread).
 */
#ifndef SK_PLATFORM_H
#define SK_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "sk_vp.h"

/*
 * Waits for a request interrupt. Called with the status already seen IDLE;
 * must not lose a wake-up sent after that check (the kernel uses STI;HLT,
 * whose interrupt shadow covers the HLT; SDM Vol. 2B, STI). May return
 * spuriously.
 */
void sk_plat_wait_for_request(struct sk_vp *vp);

/* Sends the response IPI: fixed delivery, physical destination. */
void sk_plat_send_ipi(struct sk_vp *vp, uint32_t apic_id, uint8_t vector);

/* MSR access that survives a #GP: false if the access faulted. */
bool sk_plat_read_msr(struct sk_vp *vp, uint32_t msr, uint64_t *value);
bool sk_plat_write_msr(struct sk_vp *vp, uint32_t msr, uint64_t value);

/* DR0-DR3 (n = 0..3) and DR6 (n = 6); the caller validates values. */
uint64_t sk_plat_read_dr(struct sk_vp *vp, unsigned int n);
void sk_plat_write_dr(struct sk_vp *vp, unsigned int n, uint64_t value);

/* Leaves the sidecar for good after REMOVE: the kernel parks the CPU for
 * INIT-SIPI, the hosted platform ends the thread's loop. */
void sk_plat_park(struct sk_vp *vp);

/* One log line, prefixed with the VP index (the kernel: COM1 when logging
 * is enabled; hosted: nothing unless asked). */
void sk_plat_log(struct sk_vp *vp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SK_PLATFORM_H */
