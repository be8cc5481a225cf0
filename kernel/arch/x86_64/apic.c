// SPDX-License-Identifier: MIT
/*
 * This CPU's local APIC, through the shared layer (lib/x86/lapic.c): in
 * x2APIC mode when the BSP found the CPU offers it, in xAPIC mode through
 * SLOT_APIC otherwise (QEMU's TCG has no x2APIC). Each CPU uses the mode
 * recorded in its percpu.x2apic. What is the kernel's own: switching the
 * APs into x2APIC mode, and the INIT-SIPI bring-up.
 */
#include "cpu.h"
#include "kernel.h"
#include "sc_lapic.h"

/* How long an IPI waits for the previous one to leave the xAPIC ICR. */
#define ICR_WAIT_US 10000

static struct sc_lapic lapic(void)
{
	return (struct sc_lapic){
		.x2apic = this_cpu()->x2apic,
		.mmio = (uintptr_t)slot_va(SLOT_APIC),
	};
}

static void send(uint32_t apic_id, uint32_t icr_low)
{
	struct sc_lapic l = lapic();

	if (!sc_lapic_send_ipi(&l, apic_id, icr_low, tsc_from_us(ICR_WAIT_US)))
		log_force_line("IPI %#x to APIC ID %u not sent: the previous one is still pending",
			       icr_low, apic_id);
}

void apic_init_this_cpu(void)
{
	struct sc_lapic l = lapic();
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (l.x2apic) {
		/* xAPIC -> x2APIC: set EXTD with EN already set (11.12.5). */
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else if (!(base & APIC_BASE_EN)) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	}
	sc_lapic_enable(&l, SC_SPURIOUS_VECTOR);
	/* Clear stale errors: write, then read (11.5.3). */
	if (!l.x2apic) {
		sc_lapic_write(&l, APIC_ESR, 0);
		(void)sc_lapic_read(&l, APIC_ESR);
	}
}

void apic_disable_this_cpu(void)
{
	struct sc_lapic l = lapic();

	/* Software disable only: hardware stays enabled so the CPU still
	 * takes INIT and SIPI (11.4.7.2). */
	sc_lapic_write(&l, APIC_SVR, SC_SPURIOUS_VECTOR);
}

void apic_eoi(void)
{
	struct sc_lapic l = lapic();

	sc_lapic_eoi(&l);
}

void apic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	send(apic_id, APIC_ICR_FIXED | APIC_ICR_LEVEL_ASSERT | vector);
}

void apic_send_init(uint32_t apic_id)
{
	send(apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL_ASSERT);
}

void apic_send_sipi(uint32_t apic_id, uint32_t page)
{
	send(apic_id, APIC_ICR_STARTUP | APIC_ICR_LEVEL_ASSERT | (page & 0xFF));
}
