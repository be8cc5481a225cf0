// SPDX-License-Identifier: MIT
/*
 * Support for code built with GCC's stack protector, which the shim links
 * but does not compile: Debian builds libfdt.a with -fstack-protector-strong,
 * so its functions compare a canary read from %fs:0x28 (the System V x86-64
 * TLS layout). entry.asm points the FS base at this block.
 */
#include <stdint.h>

#include "exit.h"
#include "serial.h"

/* A fixed, non-zero canary whose low byte is zero, so that a string
 * overflow cannot reproduce it (the glibc convention). */
#define STACK_CANARY 0x5ec1dca7b007ab00ull

uint64_t shim_tls_block[8] __attribute__((aligned(64))) = {[5] = STACK_CANARY};
_Static_assert(5 * sizeof(uint64_t) == 0x28, "the canary sits at %fs:0x28");

_Noreturn void __stack_chk_fail(void);

_Noreturn void __stack_chk_fail(void)
{
	shim_print("\nsidecar-shim: stack smashing detected (canary at %%fs:0x28 changed)\n");
	shim_exit(SHIM_EXIT_BOOT_ERROR);
}
