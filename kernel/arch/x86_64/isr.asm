; SPDX-License-Identifier: MIT
;
; The kernel's interrupt and exception entry: the shared stubs
; (lib/x86/isr_stubs.inc) calling sc_trap() (trap.c).

bits 64
default rel

extern sc_trap

%include "isr_stubs.inc"

section .text
SC_ISR_STUBS sc_isr_stubs, sc_trap
