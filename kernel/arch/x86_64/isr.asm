; SPDX-License-Identifier: MIT
;
; The kernel's interrupt and exception entry: the shared stubs
; (lib/x86/isr_stubs.inc) calling sk_trap() (trap.c).

bits 64
default rel

extern sk_trap

%include "isr_stubs.inc"

section .text
SC_ISR_STUBS sk_isr_stubs, sk_trap
