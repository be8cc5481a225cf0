/* SPDX-License-Identifier: MIT */
/*
 * The input of fuzz_gva_walk (and what seeds_gva_walk.c writes): this
 * header, then the guest's memory from GPA 0.
 */
#ifndef FUZZ_GVA_WALK_INPUT_H
#define FUZZ_GVA_WALK_INPUT_H

#include <stdint.h>

struct fuzz_gva_header {
	/* The guest's paging state and the TRANSLATE_GVA request. */
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint64_t gva, flags;
	uint8_t cpl, maxphyaddr;
	uint8_t race;  /* bit 0: racer on reads, 1: on exchanges, 2: on every one */
	uint8_t hole;  /* a guest page that is not backed (>= 16: none) */
	uint32_t seed; /* of the racer's PRNG */
};

#endif /* FUZZ_GVA_WALK_INPUT_H */
