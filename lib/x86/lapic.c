// SPDX-License-Identifier: MIT
/* The local APIC's registers and IPIs (sc_lapic.h). */
#include "sc_lapic.h"

#include "sc_x86.h"

static volatile uint32_t *mmio(const struct sc_lapic *l, uint32_t reg)
{
	return (volatile uint32_t *)(l->mmio + reg);
}

uint32_t sc_lapic_read(const struct sc_lapic *l, uint32_t reg)
{
	if (l->x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return *mmio(l, reg);
}

void sc_lapic_write(const struct sc_lapic *l, uint32_t reg, uint32_t value)
{
	if (l->x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, value);
	else
		*mmio(l, reg) = value;
}

uint32_t sc_lapic_id(const struct sc_lapic *l)
{
	uint32_t id = sc_lapic_read(l, APIC_ID);

	return l->x2apic ? id : id >> 24;
}

void sc_lapic_enable(const struct sc_lapic *l, uint8_t spurious_vector)
{
	sc_lapic_write(l, APIC_TPR, 0);
	sc_lapic_write(l, APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
}

void sc_lapic_eoi(const struct sc_lapic *l)
{
	sc_lapic_write(l, APIC_EOI, 0);
}

bool sc_lapic_send_ipi(const struct sc_lapic *l, uint32_t dest, uint32_t icr_low, uint64_t wait_tsc)
{
	uint64_t start;

	if (l->x2apic) {
		/*
		 * One WRMSR sends it and there is no delivery status to wait
		 * for (11.12.9). That WRMSR is not serializing: without the
		 * fences it may pass this CPU's earlier stores, and the target
		 * would read what the IPI announces before it is there
		 * (11.12.3).
		 */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR_BASE + APIC_ICR_LOW / 16, (uint64_t)dest << 32 | icr_low);
		return true;
	}
	/* xAPIC physical destinations are 8 bits; 0xFF is broadcast. */
	if (dest >= 0xFF)
		return false;
	/* The previous IPI must have left the ICR before it is rewritten
	 * (delivery status, 11.6.1). MMIO stores are not reordered with
	 * earlier stores (SDM Vol. 3A 9.2.2), so no fence is needed here. */
	start = rdtsc();
	while (*mmio(l, APIC_ICR_LOW) & APIC_ICR_DELIVERY_PENDING) {
		if (rdtsc() - start > wait_tsc)
			return false;
		cpu_relax();
	}
	*mmio(l, APIC_ICR_HIGH) = dest << 24;
	*mmio(l, APIC_ICR_LOW) = icr_low;
	return true;
}
