/* SPDX-License-Identifier: MIT */
/*
 * What every harness in tests/fuzz uses to state an invariant: a failed
 * check prints what broke and aborts, so libFuzzer keeps the input as a
 * crash artifact (a harness that only survives its inputs proves nothing).
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__,       \
				#cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif /* FUZZ_CHECK_H */
