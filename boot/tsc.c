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
/* Counter latch command for channel 2 (8254 data sheet: SC = 10, RW = 00). */
#define PIT_CH2_LATCH 0x80u
/* The count the channel starts from: 55 ms before OUT2 rises. */
#define PIT_START_COUNT 0xFFFFu
/* PIT clocks between the two readings: 10 ms. */
#define PIT_SPAN 11932u
/* Readings per end point; the one that took the least TSC time is kept. */
#define PIT_READS 8
/* Tries before the calibration gives up, and the accuracy a try must
 * reach: the two readings' TSC brackets together under 1/PIT_ACCURACY of
 * the span (1%). */
#define PIT_TRIES    5
#define PIT_ACCURACY 100u
/* Port reads before a PIT that never counts down is given up on. */
#define PIT_POLL_LIMIT 50000000u
/* Plausible TSC frequencies: 1 MHz .. 100 GHz. */
#define TSC_MIN_KHZ 1000ull
#define TSC_MAX_KHZ 100000000ull

static uint64_t khz;

static bool plausible(uint64_t k)
{
	return k >= TSC_MIN_KHZ && k <= TSC_MAX_KHZ;
}

/*
 * PIT calibration as a hypervisor allows it. Under load (a vCPU is a host
 * thread that may lose the host CPU for milliseconds at any moment) a
 * measurement of "TSC ticks until OUT2 rises" is off by however long the
 * vCPU was away around its start or end: 2.6 to 7.1 GHz were measured for
 * a 2.6 GHz TSC. Instead, each end point is a latched read of the
 * counter, bracketed by two TSC reads; of several such reads the one with
 * the narrowest bracket is kept, so a descheduling inside one read is
 * thrown away, and one between the readings costs nothing. The error is
 * at most the two brackets, which a try must keep under 1% of the span.
 */
struct pit_reading {
	uint64_t tsc;	/* middle of the bracket */
	uint64_t width; /* TSC ticks the read took */
	uint16_t count;
	bool out2; /* terminal count passed: the counter wrapped */
};

static struct pit_reading pit_read_once(void)
{
	struct pit_reading r;
	uint64_t t0, t1;
	uint8_t lo, hi;

	t0 = rdtsc();
	outb(PIT_COMMAND, PIT_CH2_LATCH);
	lo = inb(PIT_CH2_DATA);
	hi = inb(PIT_CH2_DATA);
	r.out2 = (inb(PORT_61) & PORT_61_OUT2) != 0;
	t1 = rdtsc();
	r.count = (uint16_t)(lo | hi << 8);
	r.tsc = t0 + (t1 - t0) / 2;
	r.width = t1 - t0;
	return r;
}

static struct pit_reading pit_read_best(void)
{
	struct pit_reading best = pit_read_once();

	for (int i = 1; i < PIT_READS; i++) {
		struct pit_reading r = pit_read_once();

		if (r.width < best.width)
			best = r;
	}
	return best;
}

/* TSC kHz from one try; 0 if the try was not accurate enough or the PIT
 * does not count (then *dead is set). */
static uint64_t pit_try(bool *dead)
{
	struct pit_reading a, b;
	uint32_t polls = 0, clocks;
	uint64_t ticks;

	/* Writing the mode drives OUT2 low; it rises at terminal count. */
	outb(PIT_COMMAND, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, PIT_START_COUNT & 0xFF);
	outb(PIT_CH2_DATA, PIT_START_COUNT >> 8);
	a = pit_read_best();
	do {
		if (++polls == PIT_POLL_LIMIT) {
			*dead = true;
			return 0;
		}
		b = pit_read_once();
	} while (!b.out2 && b.count <= a.count && (uint32_t)(a.count - b.count) < PIT_SPAN);
	b = pit_read_best();
	/* Past terminal count the counter wraps to 0xFFFF: unusable. */
	if (a.out2 || b.out2 || b.count >= a.count || b.tsc <= a.tsc)
		return 0;
	clocks = (uint32_t)(a.count - b.count);
	ticks = b.tsc - a.tsc;
	if ((a.width + b.width) * PIT_ACCURACY > ticks)
		return 0;
	return ticks * PIT_HZ / clocks / 1000;
}

static uint64_t from_pit(void)
{
	uint8_t saved = inb(PORT_61);
	bool dead = false;
	uint64_t k = 0;

	/* Gate on (the count runs), speaker data off (no sound). */
	outb(PORT_61, (uint8_t)((saved & ~PORT_61_SPEAKER) | PORT_61_GATE2));
	for (int i = 0; i < PIT_TRIES && k == 0 && !dead; i++)
		k = pit_try(&dead);
	outb(PORT_61, saved);
	return k;
}

uint64_t tsc_calibrate(const char **source)
{
	uint64_t k;

	k = sc_tsc_khz_from_leaf_15();
	if (plausible(k)) {
		*source = "CPUID leaf 0x15";
		return khz = k;
	}
	k = sc_tsc_khz_from_leaf_16();
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
