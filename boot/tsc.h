/* SPDX-License-Identifier: MIT */
/* The TSC frequency, for the kernel's AP start-up timing and the shim's own timeouts. */
#ifndef SHIM_TSC_H
#define SHIM_TSC_H

#include <stdint.h>

/*
 * Finds the TSC frequency: CPUID leaf 0x15 (TSC/crystal ratio and crystal
 * frequency), else leaf 0x16 (processor base frequency), else a measurement
 * against PIT channel 2. Returns kHz (0 if every source failed) and names
 * the source in *source.
 */
uint64_t tsc_calibrate(const char **source);

/* The frequency tsc_calibrate() found (0 before, or if it failed). */
uint64_t tsc_khz(void);

/* Conversions; without a known frequency they assume TSC_FALLBACK_KHZ. */
#define TSC_FALLBACK_KHZ 3000000ull
uint64_t tsc_us_to_ticks(uint64_t us);
uint64_t tsc_ticks_to_us(uint64_t ticks);

#endif /* SHIM_TSC_H */
