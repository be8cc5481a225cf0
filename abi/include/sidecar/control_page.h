/* SPDX-License-Identifier: MIT */
/*
 * The per-node control page, shared between the sidecar kernel and the
 * Linux driver (binary-identical to OpenHCL's sidecar_defs::ControlPage).
 *
 * Ownership and ordering, per field (see docs/abi.md for the full table):
 *
 *  index, base_cpu, cpu_count, request_vector
 *      Written once by the sidecar kernel during sidecar_entry(); read-only
 *      afterwards.
 *  response_cpu, response_vector
 *      Written by the driver (relaxed; the vector first set to 0 while it
 *      changes both). Read by sidecar CPUs with relaxed loads each time they
 *      raise attention. 0 in response_vector means "do not send an IPI".
 *  needs_attention
 *      Set to 1 by a sidecar CPU with a release store after it has changed
 *      its cpu_status; cleared by the driver (exchange to 0, acquire) before
 *      it scans cpu_status.
 *  cpu_status[i]
 *      The handshake for CPU base_cpu + i, values SIDECAR_CPU_STATUS_*:
 *        driver:  IDLE -> RUN      (compare-exchange, release, after the
 *                                   command page is written; then IPI)
 *                 RUN  -> STOP     (compare-exchange, release; then IPI)
 *                 IDLE -> REMOVE   (compare-exchange, release; then IPI)
 *                 (all three are sidecar_cpu_status_transition() in
 *                 control_ops.h: one release compare-exchange)
 *        sidecar: RUN/STOP -> IDLE (store, release, after the command page
 *                                   response is written)
 *                 REMOVE -> REMOVED (store, release)
 *      The side that observes a transition made by the other side uses an
 *      acquire load, so the command page contents travel with the status.
 *
 * With C11 the atomic fields are _Atomic (see abi_base.h), e.g.:
 *     atomic_load_explicit(&cp->cpu_status[i], memory_order_acquire)
 * In the Linux kernel they are plain integers, accessed as:
 *     smp_load_acquire(&cp->cpu_status[i])
 *     cmpxchg_release(&cp->cpu_status[i], SIDECAR_CPU_STATUS_IDLE, SIDECAR_CPU_STATUS_RUN)
 *     WRITE_ONCE(cp->response_vector, v)
 */
#ifndef SIDECAR_CONTROL_PAGE_H
#define SIDECAR_CONTROL_PAGE_H

#include "abi_base.h"
#include "params.h"

SIDECAR_EXTERN_C_BEGIN

/* enum CpuStatus: u8 */
#define SIDECAR_CPU_STATUS_REMOVED 0u /* not running in the sidecar kernel */
#define SIDECAR_CPU_STATUS_IDLE	   1u /* idle, previous command complete */
#define SIDECAR_CPU_STATUS_RUN	   2u /* running a command */
#define SIDECAR_CPU_STATUS_STOP	   3u /* asked to stop the running command */
#define SIDECAR_CPU_STATUS_REMOVE  4u /* asked to leave the sidecar kernel */

struct sidecar_control_page {
	/* The node index. */
	SIDECAR_ALIGNAS(SIDECAR_PAGE_SIZE) SIDECAR_ATOMIC(uint32_t) index;
	/* The VP index of the node's first CPU. */
	SIDECAR_ATOMIC(uint32_t) base_cpu;
	/* The number of CPUs in the node. */
	SIDECAR_ATOMIC(uint32_t) cpu_count;
	/* The vector the driver sends to wake a sidecar CPU. */
	SIDECAR_ATOMIC(uint32_t) request_vector;
	/* The APIC ID a sidecar CPU sends its response IPI to. */
	SIDECAR_ATOMIC(uint32_t) response_cpu;
	/* The vector of the response IPI; 0 for none. */
	SIDECAR_ATOMIC(uint32_t) response_vector;
	/* Non-zero when a sidecar CPU has something for the driver. */
	SIDECAR_ATOMIC(uint32_t) needs_attention;
	uint8_t reserved[36];
	/* The status of each CPU, SIDECAR_CPU_STATUS_*. */
	SIDECAR_ATOMIC(uint8_t) cpu_status[SIDECAR_MAX_CPUS_PER_NODE];
};
SIDECAR_ASSERT_SIZE(struct sidecar_control_page, SIDECAR_PAGE_SIZE);
SIDECAR_ASSERT_ALIGN(struct sidecar_control_page, SIDECAR_PAGE_SIZE);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, index, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, base_cpu, 4);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, cpu_count, 8);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, request_vector, 12);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, response_cpu, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, response_vector, 20);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, needs_attention, 24);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, reserved, 28);
SIDECAR_ASSERT_OFFSET(struct sidecar_control_page, cpu_status, 64);

/*
 * The word for a status: "removed", "idle", "run", "stop" or "remove"; NULL
 * for any other value. sidecar.ko's sysfs cpu_status file is written with
 * these words and libsidecar-vmm reads them back, so both take them from here.
 */
static inline const char *sidecar_cpu_status_word(uint32_t status)
{
	switch (status) {
	case SIDECAR_CPU_STATUS_REMOVED:
		return "removed";
	case SIDECAR_CPU_STATUS_IDLE:
		return "idle";
	case SIDECAR_CPU_STATUS_RUN:
		return "run";
	case SIDECAR_CPU_STATUS_STOP:
		return "stop";
	case SIDECAR_CPU_STATUS_REMOVE:
		return "remove";
	default:
		return (const char *)0;
	}
}

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_CONTROL_PAGE_H */
