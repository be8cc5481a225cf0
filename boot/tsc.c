// SPDX-License-Identifier: MIT
#include <stdbool.h>

#include "tsc.h"
#include "x86.h"

/* The 8254 PIT input clock (PC/AT standard): 1.193182 MHz. */
#define PIT_HZ		1193182ull
#define PIT_CH2_DATA	0x42u
#define PIT_COMMAND	0x43u
#define PORT_61		0x61u /* NMI status and control: PIT channel 2 gate and output */
#define PORT_61_GATE2	0x01u
#define PORT_61_SPEAKER 0x02u
#define PORT_61_OUT2	0x20u
/* Channel 2, low then high byte, mode 0 (interrupt on terminal count), binary. */
#define PIT_CH2_MODE0 0xB0u
/* 10 ms per measurement; the shortest of a few wins (host scheduling
 * delays only ever lengthen a measurement). */
#define PIT_COUNT 11932u
#define PIT_RUNS  5
/* Port reads before a PIT whose OUT2 never rises is given up on. */
#define PIT_POLL_LIMIT 50000000u
/* Plausible TSC frequencies: 1 MHz .. 100 GHz. */
#define TSC_MIN_KHZ 1000ull
#define TSC_MAX_KHZ 100000000ull

static uint64_t khz;

static bool plausible(uint64_t k)
{
	return k >= TSC_MIN_KHZ && k <= TSC_MAX_KHZ;
}

/* Intel SDM Vol. 2A, CPUID leaf 15H: TSC = crystal * EBX / EAX; ECX is the
 * crystal frequency in Hz, 0 if not enumerated. */
static uint64_t from_leaf_15(uint32_t max_leaf)
{
	struct cpuid_regs r;

	if (max_leaf < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
}

/* CPUID leaf 16H EAX[15:0]: the processor base frequency in MHz, which is
 * the TSC frequency on processors with an invariant TSC. */
static uint64_t from_leaf_16(uint32_t max_leaf)
{
	uint32_t mhz;

	if (max_leaf < 0x16)
		return 0;
	mhz = cpuid(0x16, 0).eax & 0xFFFFu;
	return (uint64_t)mhz * 1000;
}

/* TSC ticks while PIT channel 2 counts PIT_COUNT input clocks in mode 0;
 * 0 if its output never rises. */
static uint64_t pit_measure(void)
{
	uint8_t saved = inb(PORT_61);
	uint64_t start, end;
	uint32_t polls = 0;

	/* Gate on (the count runs), speaker data off (no sound). */
	outb(PORT_61, (uint8_t)((saved & ~PORT_61_SPEAKER) | PORT_61_GATE2));
	/* Writing the mode drives OUT2 low; it goes high at terminal count. */
	outb(PIT_COMMAND, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, PIT_COUNT & 0xFF);
	outb(PIT_CH2_DATA, PIT_COUNT >> 8);
	start = rdtsc();
	while (!(inb(PORT_61) & PORT_61_OUT2)) {
		if (++polls == PIT_POLL_LIMIT) {
			outb(PORT_61, saved);
			return 0;
		}
	}
	end = rdtsc();
	outb(PORT_61, saved);
	return end - start;
}

static uint64_t from_pit(void)
{
	uint64_t best = 0;

	for (int i = 0; i < PIT_RUNS; i++) {
		uint64_t ticks = pit_measure();

		if (ticks == 0)
			return 0;
		if (best == 0 || ticks < best)
			best = ticks;
	}
	return best * PIT_HZ / PIT_COUNT / 1000;
}

uint64_t tsc_calibrate(const char **source)
{
	uint32_t max_leaf = cpuid(0, 0).eax;
	uint64_t k;

	k = from_leaf_15(max_leaf);
	if (plausible(k)) {
		*source = "CPUID leaf 0x15";
		return khz = k;
	}
	k = from_leaf_16(max_leaf);
	if (plausible(k)) {
		*source = "CPUID leaf 0x16";
		return khz = k;
	}
	k = from_pit();
	if (plausible(k)) {
		*source = "PIT channel 2 calibration";
		return khz = k;
	}
	*source = "none (CPUID 0x15/0x16 empty, PIT calibration failed)";
	return khz = 0;
}

uint64_t tsc_khz(void)
{
	return khz;
}

uint64_t tsc_us_to_ticks(uint64_t us)
{
	return us * (khz ? khz : TSC_FALLBACK_KHZ) / 1000;
}

uint64_t tsc_ticks_to_us(uint64_t ticks)
{
	uint64_t k = khz ? khz : TSC_FALLBACK_KHZ;

	/* ticks * 1000 overflows after ~5 hours at 1 GHz; divide first then. */
	if (ticks > UINT64_MAX / 1000)
		return ticks / k * 1000;
	return ticks * 1000 / k;
}
