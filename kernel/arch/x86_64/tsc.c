// SPDX-License-Identifier: MIT
/*
 * Time, for the AP start-up protocol's delays and timeouts. The loader
 * usually knows the TSC frequency (params_ext.tsc_khz); otherwise the BSP
 * asks CPUID and, failing that, assumes 4 GHz, which makes every delay and
 * timeout at least as long as asked on any slower TSC.
 */
#include "cpu.h"
#include "kernel.h"

#define FALLBACK_TSC_KHZ 4000000ull

/* CPUID 15H (TSC/crystal ratio) or 16H (base frequency), SDM Vol. 2A. */
uint64_t tsc_khz_from_cpuid(void)
{
	uint32_t max = cpuid(0, 0).eax;

	if (max >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);

		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
	}
	if (max >= 0x16) {
		struct cpuid_regs r = cpuid(0x16, 0);

		if (r.eax & 0xFFFF)
			return (uint64_t)(r.eax & 0xFFFF) * 1000;
	}
	return FALLBACK_TSC_KHZ;
}

uint64_t tsc_khz(void)
{
	return sk_boot.tsc_khz ? sk_boot.tsc_khz : FALLBACK_TSC_KHZ;
}

uint64_t tsc_since_entry(void)
{
	return rdtsc() - sk_boot.entry_tsc;
}

uint64_t tsc_from_us(uint64_t us)
{
	return us * tsc_khz() / 1000;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_from_us(us);

	while (rdtsc() < end)
		cpu_relax();
}
