// SPDX-License-Identifier: MIT
/*
 * This CPU's local APIC, through the shared layer (lib/x86/lapic.c): in
 * x2APIC mode when the BSP is in it (bsp_main.c), in xAPIC mode through
 * SLOT_APIC otherwise. Each CPU uses the mode recorded in its
 * percpu.x2apic. What is the kernel's own: switching the
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
	sc_lapic_enable(&l, SK_SPURIOUS_VECTOR);
	/* Clear stale errors: write, then read (11.5.3). */
	if (!l.x2apic) {
		sc_lapic_write(&l, APIC_ESR, 0);
		(void)sc_lapic_read(&l, APIC_ESR);
	}
}

/* Timer divide configuration: divide by 1 (SDM Vol. 3A 11.5.4, figure 11-10). */
#define TIMER_DIVIDE_1 0xBu
/* How long the first CPU that needs the timer measures it against the TSC. */
#define TIMER_MEASURE_US 200

/* One-shot on SK_WAKE_VECTOR, stopped (initial count 0), divide by 1. */
void apic_timer_prepare(void)
{
	struct sc_lapic l = lapic();

	sc_lapic_write(&l, APIC_TIMER_INITIAL, 0);
	sc_lapic_write(&l, APIC_TIMER_DIVIDE, TIMER_DIVIDE_1);
	sc_lapic_write(&l, APIC_LVT_TIMER, SK_WAKE_VECTOR);
}

/*
 * The timer's rate in ticks per millisecond, counted down against the TSC
 * with the LVT masked. Its clock is the bus or core crystal clock (11.5.4),
 * which only CPUID 15H names and few CPUs (and not QEMU) fill in, so it is
 * measured, once, by the first CPU that sleeps. 0 if it did not count.
 */
static uint64_t apic_timer_measure_khz(void)
{
	struct sc_lapic l = lapic();
	uint64_t start, ticks;
	uint32_t left;

	sc_lapic_write(&l, APIC_LVT_TIMER, APIC_LVT_MASKED | SK_WAKE_VECTOR);
	sc_lapic_write(&l, APIC_TIMER_DIVIDE, TIMER_DIVIDE_1);
	sc_lapic_write(&l, APIC_TIMER_INITIAL, UINT32_MAX);
	start = rdtsc();
	udelay(TIMER_MEASURE_US);
	left = sc_lapic_read(&l, APIC_TIMER_CURRENT);
	ticks = rdtsc() - start;
	sc_lapic_write(&l, APIC_TIMER_INITIAL, 0);
	sc_lapic_write(&l, APIC_LVT_TIMER, SK_WAKE_VECTOR);
	if (!ticks || left == 0 || left == UINT32_MAX)
		return 0;
	/* counted * tsc_khz / ticks: both factors are below 2^32. */
	return (uint64_t)(UINT32_MAX - left) * tsc_khz() / ticks;
}

uint64_t apic_timer_calibrate(void)
{
	uint64_t khz;

	if (atomic_load_explicit(&sk_boot.apic_timer_khz, memory_order_relaxed))
		return 0;
	khz = apic_timer_measure_khz();
	atomic_store_explicit(&sk_boot.apic_timer_khz, khz, memory_order_relaxed);
	return khz;
}

void apic_timer_arm(uint32_t count)
{
	struct sc_lapic l = lapic();

	sc_lapic_write(&l, APIC_TIMER_INITIAL, count);
}

void apic_timer_disarm(void)
{
	struct sc_lapic l = lapic();

	sc_lapic_write(&l, APIC_TIMER_INITIAL, 0);
}

/*
 * The BSP's APIC is the loader's: sidecar_entry() borrows its timer only if
 * the loader does not use it (LVT masked), and raises the TPR to 0xE0 so
 * that only class-15 vectors (SK_WAKE_VECTOR) interrupt its HLT; any
 * interrupt of the loader's stays pending in the IRR for the loader
 * (11.8.3.1). The TPR does not hold back ExtINT (10.8.3.1 / 11.6.2: an
 * 8259 in virtual-wire mode through LINT0, whose vectors from firmware
 * collide with exceptions), so LINT0 is masked meanwhile: the 8259 keeps
 * its request. apic_bsp_return_timer() puts back what it changed.
 */
bool apic_bsp_borrow_timer(struct apic_saved *saved)
{
	struct sc_lapic l = lapic();

	saved->lvt_timer = sc_lapic_read(&l, APIC_LVT_TIMER);
	if (!(saved->lvt_timer & APIC_LVT_MASKED) ||
	    !(sc_lapic_read(&l, APIC_SVR) & APIC_SVR_ENABLE))
		return false;
	saved->divide = sc_lapic_read(&l, APIC_TIMER_DIVIDE);
	saved->initial = sc_lapic_read(&l, APIC_TIMER_INITIAL);
	saved->tpr = sc_lapic_read(&l, APIC_TPR);
	saved->lint0 = sc_lapic_read(&l, APIC_LVT_LINT0);
	sc_lapic_write(&l, APIC_LVT_LINT0, saved->lint0 | APIC_LVT_MASKED);
	sc_lapic_write(&l, APIC_TPR, 0xE0);
	apic_timer_prepare();
	return true;
}

void apic_bsp_return_timer(const struct apic_saved *saved)
{
	struct sc_lapic l = lapic();

	sc_lapic_write(&l, APIC_TIMER_INITIAL, 0);
	sc_lapic_write(&l, APIC_LVT_TIMER, saved->lvt_timer);
	/* A wake that fired before the timer stopped is in the IRR: take it
	 * here, in our IDT, not in the loader's. The STI shadow ends after
	 * the NOP (SDM Vol. 2B, STI). */
	__asm__ volatile("sti; nop; cli" ::: "memory");
	sc_lapic_write(&l, APIC_TIMER_DIVIDE, saved->divide);
	sc_lapic_write(&l, APIC_TIMER_INITIAL, saved->initial);
	sc_lapic_write(&l, APIC_TPR, saved->tpr);
	sc_lapic_write(&l, APIC_LVT_LINT0, saved->lint0);
}

void apic_disable_this_cpu(void)
{
	struct sc_lapic l = lapic();

	/* Software disable only: hardware stays enabled so the CPU still
	 * takes INIT and SIPI (11.4.7.2). */
	sc_lapic_write(&l, APIC_SVR, SK_SPURIOUS_VECTOR);
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
