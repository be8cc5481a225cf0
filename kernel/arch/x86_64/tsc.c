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

uint64_t tsc_khz_from_cpuid(void)
{
	uint64_t k = sc_tsc_khz_from_leaf_15();

	if (!k)
		k = sc_tsc_khz_from_leaf_16();
	return k ? k : FALLBACK_TSC_KHZ;
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
