/* SPDX-License-Identifier: MIT */
/* The guest memory region of the VP backend (guest_memory.c). */
#ifndef SHIM_GUEST_MEMORY_H
#define SHIM_GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* guest_mem= default: enough for the self-test's guests and small VMs. */
#define GUEST_MEMORY_DEFAULT (64ull << 20)

struct guest_memory {
	uint64_t base;
	uint64_t size; /* 0: none */
};

/*
 * guest_mem=SIZE among the shim's words (bytes, or K/M/G suffix; 0 for
 * none), else GUEST_MEMORY_DEFAULT. False with a reason in `why` if the
 * size cannot be read or is not a multiple of 2 MiB up to 4 GiB.
 */
bool guest_memory_option(const char *cmdline, uint64_t *size, char *why, size_t why_size);

/* Allocates and zeroes `size` bytes (2 MiB aligned, below 4 GiB) into `g`;
 * ends the boot with a reason if there is no room. */
void guest_memory_reserve(struct guest_memory *g, uint64_t size);

#endif /* SHIM_GUEST_MEMORY_H */
