// SPDX-License-Identifier: MIT
/*
 * The BSP's local APIC for the shim's self-test (apic.h): the registers and
 * IPIs are the shared layer's (lib/x86/lapic.c); enabling it under a BIOS,
 * masking the 8259s and the periodic timer are the shim's own.
 */
#include "apic.h"
#include "sc_format.h"
#include "sc_lapic.h"
#include "paging.h"
#include "tsc.h"
#include "x86.h"

/* The timer's divide configuration register: divide by 16 (11.5.4). */
#define APIC_TIMER_DIVIDE_16 0x3u

#define PIC1_DATA 0x21u
#define PIC2_DATA 0xA1u

/* How long an IPI waits for the previous one to leave the xAPIC ICR. */
#define ICR_WAIT_US 10000u
/* Timer ticks per millisecond when the TSC cannot calibrate the timer:
 * QEMU's APIC timer counts at 1 GHz / divider. */
#define APIC_TIMER_FALLBACK_PER_MS (1000000u / 16u)

static bool ready;
static struct sc_lapic lapic;

uint32_t apic_id_from_cpuid(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	if (r.eax >= 0xB) {
		struct cpuid_regs b = cpuid(0xB, 0);

		/* A zero EBX means leaf 0xB is not implemented (SDM Vol. 2A,
		 * CPUID leaf 0BH). */
		if (b.ebx != 0)
			return b.edx;
	}
	return cpuid(1, 0).ebx >> 24;
}

static uint32_t apic_read(uint32_t reg)
{
	return sc_lapic_read(&lapic, reg);
}

static void apic_write(uint32_t reg, uint32_t value)
{
	sc_lapic_write(&lapic, reg, value);
}

bool apic_enter_x2apic(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (base & APIC_BASE_EXTD)
		return true;
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC))
		return false;
	/* From disabled or xAPIC, EN then EN|EXTD: the transitions SDM Vol.
	 * 3A 11.12.5 allows (never EXTD without EN). */
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	return true;
}

bool apic_init(char *why, size_t why_size)
{
	uint64_t base;

	if (!(cpuid(1, 0).edx & (1u << 9))) {
		sc_snprintf(why, why_size, "the CPU has no local APIC (CPUID 1 EDX.APIC)");
		return false;
	}
	base = rdmsr(MSR_IA32_APIC_BASE);
	if (!(base & APIC_BASE_EN)) {
		/* Disabled globally: enable it in xAPIC mode (SDM Vol. 3A
		 * 11.4.3; EXTD may only be set together with EN). */
		base |= APIC_BASE_EN;
		base &= ~APIC_BASE_EXTD;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	lapic.x2apic = (base & APIC_BASE_EXTD) != 0;
	if (!lapic.x2apic) {
		uint64_t mmio_base = base & APIC_BASE_ADDR_MASK;

		if (!paging_is_mapped(mmio_base, 4096)) {
			sc_snprintf(why, why_size,
				    "the local APIC at %#llx is outside the identity map",
				    (unsigned long long)mmio_base);
			return false;
		}
		lapic.mmio = (uintptr_t)mmio_base;
		/* Register accesses must not be cached or combined: UC
		 * through PCD|PWT (PAT entry 3 at reset; SDM Vol. 3A 11.4.1
		 * asks for strong-uncacheable APIC mappings). */
		paging_set_uncached(mmio_base);
	}

	/* The 8259s deliver through LINT0 as ExtINT under a BIOS; the shim
	 * uses none of their IRQs. */
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);

	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	sc_lapic_enable(&lapic, APIC_SPURIOUS_VECTOR);
	ready = true;
	return true;
}

bool apic_is_x2apic(void)
{
	return lapic.x2apic;
}

uint32_t apic_id(void)
{
	return sc_lapic_id(&lapic);
}

void apic_eoi(void)
{
	if (ready)
		sc_lapic_eoi(&lapic);
}

/* Sends the IPI `low` (vector, delivery mode, level) once the APIC is up. */
static bool send_icr(uint32_t dest, uint32_t low)
{
	return ready && sc_lapic_send_ipi(&lapic, dest, low, tsc_us_to_ticks(ICR_WAIT_US));
}

bool apic_send_ipi(uint32_t dest, uint8_t vector)
{
	if (vector < 16)
		return false;
	return send_icr(dest, APIC_ICR_FIXED | APIC_ICR_LEVEL_ASSERT | vector);
}

bool apic_send_nmi(uint32_t dest)
{
	return send_icr(dest, APIC_ICR_NMI | APIC_ICR_LEVEL_ASSERT);
}

/* Timer ticks (divide by 16) in one millisecond, measured with the TSC. */
static uint32_t timer_ticks_per_ms(void)
{
	uint64_t tsc_per_ms = tsc_khz();
	uint64_t start;
	uint32_t elapsed;

	if (tsc_per_ms == 0)
		return APIC_TIMER_FALLBACK_PER_MS;
	apic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_16);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_TIMER_INITIAL, 0xFFFFFFFFu);
	start = rdtsc();
	while (rdtsc() - start < tsc_per_ms)
		cpu_relax();
	elapsed = 0xFFFFFFFFu - apic_read(APIC_TIMER_CURRENT);
	apic_write(APIC_TIMER_INITIAL, 0);
	return elapsed ? elapsed : APIC_TIMER_FALLBACK_PER_MS;
}

void apic_timer_start(uint8_t vector, uint32_t period_us)
{
	uint64_t count = (uint64_t)timer_ticks_per_ms() * period_us / 1000;

	if (count == 0)
		count = 1;
	if (count > 0xFFFFFFFFu)
		count = 0xFFFFFFFFu;
	apic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_16);
	apic_write(APIC_LVT_TIMER, vector | APIC_LVT_TIMER_PERIODIC);
	apic_write(APIC_TIMER_INITIAL, (uint32_t)count);
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_TIMER_INITIAL, 0);
}
