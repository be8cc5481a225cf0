/* SPDX-License-Identifier: MIT */
/*
 * Architectural bits of CR0, CR4 and EFER (SDM Vol. 3 2.5 and 2.2.1; APM
 * Vol. 2 3.1), plain constants for code that builds freestanding and
 * hosted alike: the kernel's core (page walker, message encoders) and its
 * x86-64 layer. The unit tests keep their own copies on purpose, so that a
 * wrong bit here cannot hide behind the same wrong bit in the test.
 */
#ifndef SC_X86_REGS_H
#define SC_X86_REGS_H

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_PG (1ull << 31)

#define CR4_PSE	       (1ull << 4)
#define CR4_PAE	       (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_LA57       (1ull << 12)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)

#define EFER_LME  (1ull << 8)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)
#define EFER_SVME (1ull << 12)

#endif /* SC_X86_REGS_H */
