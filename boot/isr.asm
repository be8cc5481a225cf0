; SPDX-License-Identifier: MIT
;
; The shim's interrupt and exception entry: the shared stubs
; (lib/x86/isr_stubs.inc) calling shim_interrupt() (trap.c). Interrupts are
; taken only in the shim's own STI;HLT wait, on the current stack (the
; shim's code is built with -mno-red-zone).

bits 64
default rel

extern shim_interrupt

%include "isr_stubs.inc"

section .text
SC_ISR_STUBS isr_stubs, shim_interrupt
