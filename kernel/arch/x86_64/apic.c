// SPDX-License-Identifier: MIT
/*
 * The local APIC, in x2APIC mode (MSRs) when the CPU offers it and in
 * xAPIC mode (MMIO at SLOT_APIC) otherwise: QEMU's TCG has no x2APIC
 * (SDM Vol. 3A chapter 10, "Advanced Programmable Interrupt Controller").
 * Each CPU uses the mode recorded in its percpu.x2apic.
 */
#include "cpu.h"
#include "kernel.h"

/* Register offsets (xAPIC MMIO; the x2APIC MSR is 0x800 + offset / 16). */
#define APIC_ID 0x020
#define APIC_TPR 0x080
#define APIC_EOI 0x0B0
#define APIC_SVR 0x0F0
#define APIC_ESR 0x280
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310

#define SVR_ENABLE (1u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_FIXED 0x000u
#define ICR_INIT 0x500u
#define ICR_STARTUP 0x600u

static bool x2apic(void)
{
	return this_cpu()->x2apic;
}

static volatile uint32_t *mmio(uint32_t reg)
{
	return (volatile uint32_t *)((char *)slot_va(SLOT_APIC) + reg);
}

static uint32_t apic_read(uint32_t reg)
{
	if (x2apic())
		return (uint32_t)rdmsr(0x800 + reg / 16);
	return *mmio(reg);
}

static void apic_write(uint32_t reg, uint32_t value)
{
	if (x2apic())
		wrmsr(0x800 + reg / 16, value);
	else
		*mmio(reg) = value;
}

/*
 * Sends an IPI with physical destination. In xAPIC mode the previous IPI
 * must have left the ICR first (delivery status, SDM Vol. 3A 10.6.1); the
 * x2APIC ICR is a single MSR write with no status to wait for (10.12.9).
 */
static void send_icr(uint32_t apic_id, uint32_t low)
{
	if (x2apic()) {
		/* WRMSR to the x2APIC ICR is not serializing: fence so the
		 * stores the target will read are visible first (10.12.3). */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(0x830, (uint64_t)apic_id << 32 | low);
		return;
	}
	for (uint64_t end = rdtsc() + tsc_from_us(10000); *mmio(APIC_ICR_LOW) & ICR_DELIVERY_PENDING;) {
		if (rdtsc() > end)
			break;
		cpu_relax();
	}
	*mmio(APIC_ICR_HIGH) = apic_id << 24;
	*mmio(APIC_ICR_LOW) = low;
}

void apic_init_this_cpu(void)
{
	struct percpu *cpu = this_cpu();
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (cpu->x2apic) {
		/* xAPIC -> x2APIC: set EXTD with EN already set (10.12.5). */
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else if (!(base & APIC_BASE_EN)) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	}
	apic_write(APIC_TPR, 0);
	/* Software-enable with the spurious vector; clear stale errors. */
	apic_write(APIC_SVR, SVR_ENABLE | SC_SPURIOUS_VECTOR);
	if (!cpu->x2apic) {
		apic_write(APIC_ESR, 0);
		(void)apic_read(APIC_ESR);
	}
}

void apic_disable_this_cpu(void)
{
	/* Software disable only: hardware stays enabled so the CPU still
	 * takes INIT and SIPI (10.4.7.2). */
	apic_write(APIC_SVR, SC_SPURIOUS_VECTOR);
}

uint32_t apic_current_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return x2apic() ? id : id >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void apic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(uint32_t apic_id, uint32_t page)
{
	send_icr(apic_id, ICR_STARTUP | ICR_ASSERT | (page & 0xFF));
}
