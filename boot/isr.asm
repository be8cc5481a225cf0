; SPDX-License-Identifier: MIT
;
; Interrupt and exception entry stubs, one per vector, 16 bytes apart so
; that idt.c computes stub addresses as isr_stubs + 16 * vector. Each stub
; pushes a zero where the CPU pushes no error code (SDM Vol. 3A 7.15: only
; vectors 8, 10-14, 17, 21, 29 and 30 have one), then the vector, and
; joins isr_common, which saves every general register and calls
; shim_interrupt(struct isr_frame *). Interrupts are taken only in the
; shim's own STI;HLT wait (no privilege change, so the CPU stays on the
; current stack; the shim's code is built with -mno-red-zone).

bits 64
default rel

extern shim_interrupt

section .text

%macro ISR_STUB 1
	align 16
%if (%1 == 8) || (%1 == 10) || (%1 == 11) || (%1 == 12) || (%1 == 13) || (%1 == 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
	push qword %1
%else
	push qword 0
	push qword %1
%endif
	jmp isr_common
%endmacro

align 16
global isr_stubs
isr_stubs:
%assign vec 0
%rep 256
	ISR_STUB vec
%assign vec vec + 1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	mov rbx, rsp			; callee-saved: the frame survives the call
	and rsp, -16			; the SysV ABI wants a 16-byte aligned call
	call shim_interrupt
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq
