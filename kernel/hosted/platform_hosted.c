// SPDX-License-Identifier: MIT
/*
 * sk_platform.h for user space (see sk_hosted.h). MSRs are emulated for
 * the MTRR set with the architectural reserved-bit rules, so the #GP path
 * of the kernel (a bad value from the VMM) is tested too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sk_dispatch.h"
#include "sc_deadline.h"
#include "sc_format.h"
#include "sk_hosted.h"
#include "sk_platform.h"

static struct sk_hosted_cpu *cpu_of(struct sk_vp *vp)
{
	return vp->platform;
}

/* The MSRs a CPU implements, as QEMU's -cpu max has them. */
static const uint32_t implemented_msrs[] = {
	0xFE,  0x2FF, 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B, 0x26C,
	0x26D, 0x26E, 0x26F, 0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206,
	0x207, 0x208, 0x209, 0x20A, 0x20B, 0x20C, 0x20D, 0x20E, 0x20F,
};

/* Memory types a range may hold: UC WC WT WP WB (SDM Vol. 3A, 12.11.2). */
static bool valid_type(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Would WRMSR raise #GP? Physical address width 40 bits. */
static bool write_faults(uint32_t msr, uint64_t v)
{
	if (msr == 0xFE)
		return true; /* read-only */
	if (msr == 0x2FF)
		return (v & ~0xCFFull) || !valid_type(v & 0xFF);
	if (msr >= 0x250 && msr <= 0x26F) {
		for (int i = 0; i < 8; i++) {
			if (!valid_type((v >> (8 * i)) & 0xFF))
				return true;
		}
		return false;
	}
	if (msr >= 0x200 && msr <= 0x20F) {
		if (msr & 1) /* mask: valid bit 11, mask bits 39:12 */
			return v & ~0xFFFFFFF800ull;
		return (v & ~0xFFFFFFF0FFull) || !valid_type(v & 0xFF);
	}
	return true;
}

void sk_hosted_cpu_init(struct sk_hosted_cpu *cpu, struct sk_hosted_host *host,
			struct sidecar_control_page *control, struct sidecar_command_page *command,
			uint32_t index_in_node, uint32_t vp_index)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->host = host;
	cpu->vp.control = control;
	cpu->vp.command = command;
	cpu->vp.index_in_node = index_in_node;
	cpu->vp.vp_index = vp_index;
	cpu->vp.platform = cpu;
	pthread_mutex_init(&cpu->lock, NULL);
	pthread_cond_init(&cpu->cond, NULL);
	for (size_t i = 0; i < sizeof(implemented_msrs) / sizeof(implemented_msrs[0]); i++) {
		cpu->msrs[i].index = implemented_msrs[i];
		cpu->msrs[i].value = implemented_msrs[i] == 0xFE ? 0x508 : 0;
	}
}

void sk_hosted_cpu_destroy(struct sk_hosted_cpu *cpu)
{
	pthread_mutex_destroy(&cpu->lock);
	pthread_cond_destroy(&cpu->cond);
}

void sk_hosted_kick(struct sk_hosted_cpu *cpu)
{
	pthread_mutex_lock(&cpu->lock);
	cpu->kicks++;
	pthread_cond_signal(&cpu->cond);
	pthread_mutex_unlock(&cpu->lock);
}

void sk_hosted_host_init(struct sk_hosted_host *host)
{
	memset(host, 0, sizeof(*host));
	pthread_mutex_init(&host->lock, NULL);
	pthread_cond_init(&host->cond, NULL);
}

void sk_hosted_host_destroy(struct sk_hosted_host *host)
{
	pthread_mutex_destroy(&host->lock);
	pthread_cond_destroy(&host->cond);
}

uint64_t sk_hosted_host_wait(struct sk_hosted_host *host, uint64_t seen, unsigned int timeout_ms)
{
	/* host->cond waits on the default clock. */
	struct timespec deadline = sc_deadline_after_ms(CLOCK_REALTIME, timeout_ms);
	uint64_t n;

	pthread_mutex_lock(&host->lock);
	while (host->ipis <= seen) {
		if (pthread_cond_timedwait(&host->cond, &host->lock, &deadline) == ETIMEDOUT)
			break;
	}
	n = host->ipis;
	pthread_mutex_unlock(&host->lock);
	return n;
}

void sk_hosted_host_last_ipi(struct sk_hosted_host *host, uint32_t *apic_id, uint8_t *vector)
{
	pthread_mutex_lock(&host->lock);
	*apic_id = host->last_apic_id;
	*vector = host->last_vector;
	pthread_mutex_unlock(&host->lock);
}

void sk_plat_wait_for_request(struct sk_vp *vp)
{
	struct sk_hosted_cpu *cpu = cpu_of(vp);

	if (cpu->on_wait && cpu->on_wait(cpu))
		return;
	/* Like STI;HLT with a latched interrupt: a kick sent after the status
	 * check but before this point is still pending here. */
	pthread_mutex_lock(&cpu->lock);
	cpu->waits++;
	while (cpu->kicks == 0)
		pthread_cond_wait(&cpu->cond, &cpu->lock);
	cpu->kicks = 0;
	pthread_mutex_unlock(&cpu->lock);
}

void sk_plat_send_ipi(struct sk_vp *vp, uint32_t apic_id, uint8_t vector)
{
	struct sk_hosted_host *host = cpu_of(vp)->host;

	pthread_mutex_lock(&host->lock);
	host->ipis++;
	host->last_apic_id = apic_id;
	host->last_vector = vector;
	pthread_cond_broadcast(&host->cond);
	pthread_mutex_unlock(&host->lock);
}

static uint64_t *find_msr(struct sk_hosted_cpu *cpu, uint32_t msr)
{
	for (size_t i = 0; i < SK_HOSTED_MSR_COUNT; i++) {
		if (cpu->msrs[i].index == msr && msr != 0)
			return &cpu->msrs[i].value;
	}
	return NULL;
}

static void accessed(struct sk_vp *vp, bool write, bool ok, uint64_t value)
{
	struct sk_hosted_cpu *cpu = cpu_of(vp);

	if (!ok)
		cpu->msr_faults++;
	if (cpu->on_access)
		cpu->on_access(cpu, write, ok, value);
}

bool sk_plat_read_msr(struct sk_vp *vp, uint32_t msr, uint64_t *value)
{
	uint64_t *slot = find_msr(cpu_of(vp), msr);

	if (slot)
		*value = *slot;
	accessed(vp, false, slot != NULL, slot ? *slot : 0);
	return slot != NULL;
}

bool sk_plat_write_msr(struct sk_vp *vp, uint32_t msr, uint64_t value)
{
	uint64_t *slot = find_msr(cpu_of(vp), msr);
	bool ok = slot && !write_faults(msr, value);

	if (ok)
		*slot = value;
	accessed(vp, true, ok, value);
	return ok;
}

uint64_t sk_plat_read_dr(struct sk_vp *vp, unsigned int n)
{
	uint64_t value = cpu_of(vp)->dr[n & 7];

	accessed(vp, false, true, value);
	return value;
}

void sk_plat_write_dr(struct sk_vp *vp, unsigned int n, uint64_t value)
{
	cpu_of(vp)->dr[n & 7] = value;
	accessed(vp, true, true, value);
}

void sk_plat_park(struct sk_vp *vp)
{
	cpu_of(vp)->parked = true;
}

void sk_plat_log(struct sk_vp *vp, const char *fmt, ...)
{
	struct sk_hosted_cpu *cpu = cpu_of(vp);
	va_list ap;

	va_start(ap, fmt);
	sc_vsnprintf(cpu->last_log, sizeof(cpu->last_log), fmt, ap);
	va_end(ap);
	cpu->log_lines++;
}
