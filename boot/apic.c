// SPDX-License-Identifier: MIT
#include "apic.h"
#include "sc_format.h"
#include "idt.h"
#include "paging.h"
#include "tsc.h"
#include "x86.h"

#define APIC_BASE_BSP	    (1ull << 8)
#define APIC_BASE_EXTD	    (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN	    (1ull << 11) /* global enable */
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16
 * (SDM Vol. 3A 11.12.1.2). */
#define APIC_ID		   0x020u
#define APIC_TPR	   0x080u
#define APIC_EOI	   0x0B0u
#define APIC_SVR	   0x0F0u
#define APIC_ESR	   0x280u
#define APIC_ICR_LOW	   0x300u
#define APIC_ICR_HIGH	   0x310u
#define APIC_LVT_TIMER	   0x320u
#define APIC_LVT_LINT0	   0x350u
#define APIC_LVT_ERROR	   0x370u
#define APIC_TIMER_INITIAL 0x380u
#define APIC_TIMER_CURRENT 0x390u
#define APIC_TIMER_DIVIDE  0x3E0u

#define APIC_SVR_ENABLE		  (1u << 8)
#define APIC_LVT_MASKED		  (1u << 16)
#define APIC_LVT_TIMER_PERIODIC	  (1u << 17)
#define APIC_ICR_DELIVERY_PENDING (1u << 12)
#define APIC_ICR_LEVEL_ASSERT	  (1u << 14)
#define APIC_ICR_DELIVERY_NMI	  (4u << 8)
#define APIC_TIMER_DIVIDE_16	  0x3u
#define X2APIC_MSR_BASE		  0x800u
#define X2APIC_MSR_ICR		  0x830u

#define PIC1_DATA 0x21u
#define PIC2_DATA 0xA1u

/* Polls of the ICR delivery status before giving up on an IPI. */
#define ICR_POLL_LIMIT 1000000u
/* Timer ticks per millisecond when the TSC cannot calibrate the timer:
 * QEMU's APIC timer counts at 1 GHz / divider. */
#define APIC_TIMER_FALLBACK_PER_MS (1000000u / 16u)

static bool ready;
static bool x2apic;
static uint64_t mmio_base;

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
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return mmio_read32(mmio_base + reg);
}

static void apic_write(uint32_t reg, uint32_t value)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), value);
	else
		mmio_write32(mmio_base + reg, value);
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
	x2apic = (base & APIC_BASE_EXTD) != 0;
	if (!x2apic) {
		mmio_base = base & APIC_BASE_ADDR_MASK;
		if (!paging_is_mapped(mmio_base, 4096)) {
			sc_snprintf(why, why_size,
				    "the local APIC at %#llx is outside the identity map",
				    (unsigned long long)mmio_base);
			return false;
		}
		/* Register accesses must not be cached or combined: UC
		 * through PCD|PWT (PAT entry 3 at reset; SDM Vol. 3A 11.4.1
		 * asks for strong-uncacheable APIC mappings). */
		paging_set_uncached(mmio_base);
	}

	/* The 8259s deliver through LINT0 as ExtINT under a BIOS; the shim
	 * uses none of their IRQs. */
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);

	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	ready = true;
	return true;
}

bool apic_is_x2apic(void)
{
	return x2apic;
}

uint32_t apic_id(void)
{
	if (x2apic)
		return apic_read(APIC_ID);
	return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	if (ready)
		apic_write(APIC_EOI, 0);
}

/* Writes the ICR: `low` is its low word (vector, delivery mode, level). */
static bool send_icr(uint32_t dest, uint32_t low)
{
	if (!ready)
		return false;
	if (x2apic) {
		/* One MSR write sends it (SDM Vol. 3A 11.12.9). */
		wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << 32) | low);
		return true;
	}
	/* xAPIC physical destinations are 8 bits; 0xFF is broadcast. */
	if (dest >= 0xFF)
		return false;
	for (uint32_t i = 0; apic_read(APIC_ICR_LOW) & APIC_ICR_DELIVERY_PENDING; i++) {
		if (i == ICR_POLL_LIMIT)
			return false;
		cpu_relax();
	}
	apic_write(APIC_ICR_HIGH, dest << 24);
	apic_write(APIC_ICR_LOW, low);
	return true;
}

bool apic_send_ipi(uint32_t dest, uint8_t vector)
{
	if (vector < 16)
		return false;
	return send_icr(dest, vector | APIC_ICR_LEVEL_ASSERT); /* fixed, physical, edge */
}

bool apic_send_nmi(uint32_t dest)
{
	/* Delivery mode NMI (100b); the vector is ignored (SDM Vol. 3A 11.6.1). */
	return send_icr(dest, APIC_ICR_DELIVERY_NMI | APIC_ICR_LEVEL_ASSERT);
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
