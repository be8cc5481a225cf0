/* SPDX-License-Identifier: MIT */
/*
 * Forced into every C file of the sidecar kernel (-include, from
 * kernel/arch/x86_64/meson.build): every symbol, declared or defined, is
 * in this one image, so every reference is RIP-relative and none goes
 * through the GOT.
 *
 * -fvisibility=hidden covers definitions only. For an extern declaration
 * (the linker-script symbols, sk_boot) both compilers emit a GOT load;
 * GCC's happen to be plain movs that the linker rewrites into leas, but
 * clang folds some into cmp, which static-PIE links keep as GOT reads.
 * early.c runs before relocation, when the GOT still holds link-time
 * addresses: such a read sends it to the wrong place (a triple fault).
 * mkimage.py refuses an image whose GOT holds any address.
 */
#pragma GCC visibility push(hidden)
