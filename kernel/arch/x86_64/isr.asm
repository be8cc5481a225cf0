; SPDX-License-Identifier: MIT
;
; Interrupt and exception entry stubs for all 256 vectors. Each stub makes
; the frame uniform (a zero error code where the CPU pushes none; SDM Vol.
; 3A 6.13) and pushes its vector, then isr_common saves the general
; registers as struct trap_frame (kernel.h) and calls sc_trap().

bits 64
default rel

extern sc_trap

section .text

%macro ISR 1
isr_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
ISR v
%assign v v + 1
%endrep

isr_common:
	push rax
	push rcx
	push rdx
	push rbx
	push rbp
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	; The CPU aligned RSP to 16 before pushing its frame (SDM Vol. 3A
	; 6.14.2); 22 qwords later it is still aligned for the call.
	mov rdi, rsp
	call sc_trap
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rbp
	pop rbx
	pop rdx
	pop rcx
	pop rax
	add rsp, 16			; vector and error code
	iretq

section .data.rel.ro
align 8
global sc_isr_table
sc_isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep
