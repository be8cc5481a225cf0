; SPDX-License-Identifier: MIT
;
; void sk_svm_run(uint64_t vmcb_pa, uint64_t host_save_pa, uint64_t *gps)
;
; One guest entry and exit (AMD64 APM Vol. 2 15.5, 15.17). VMRUN switches
; only part of the CPU state; the rest (FS, GS, TR, LDTR, KernelGsBase,
; STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) is switched here with VMSAVE/VMLOAD
; through a host save page, so the host's TR (and with it the IST stacks)
; survives. GIF is clear from before the host state is saved until it is
; restored. RFLAGS.IF is set for VMRUN so that a physical interrupt in the
; guest exits it (V_INTR_MASKING); with GIF clear nothing is delivered to
; the host in between. The function returns with GIF set and IF clear: an
; interrupt that caused the exit stays pending until the caller takes it.

bits 64
default rel

%include "callee_saved.inc"

section .text

global sk_svm_run
sk_svm_run:
	PUSH_CALLEE_SAVED
	push rdx			; gps
	push rsi			; host save page
	push rdi			; VMCB

	clgi
	mov rax, rsi
	vmsave				; [rax]
	mov rax, rdi
	vmload				; [rax]

	mov rcx, [rdx + 8 * 1]
	mov rbx, [rdx + 8 * 3]
	mov rbp, [rdx + 8 * 5]
	mov rsi, [rdx + 8 * 6]
	mov rdi, [rdx + 8 * 7]
	mov r8, [rdx + 8 * 8]
	mov r9, [rdx + 8 * 9]
	mov r10, [rdx + 8 * 10]
	mov r11, [rdx + 8 * 11]
	mov r12, [rdx + 8 * 12]
	mov r13, [rdx + 8 * 13]
	mov r14, [rdx + 8 * 14]
	mov r15, [rdx + 8 * 15]
	mov rdx, [rdx + 8 * 2]

	; GIF=0 holds interrupts off until VMRUN anyway; the NOP ends STI's
	; one-instruction shadow here, so that an emulator that carries it
	; into the guest (QEMU TCG does) does not report a bogus interrupt
	; shadow on an exit at the guest's first instruction.
	sti
	nop
	vmrun				; [rax]; RAX and RSP come back as the host's
	cli

	push rdx			; the guest's RDX, to free a register
	mov rdx, [rsp + 8 * 3]		; gps
	mov [rdx + 8 * 1], rcx
	pop rcx
	mov [rdx + 8 * 2], rcx
	mov [rdx + 8 * 3], rbx
	mov [rdx + 8 * 5], rbp
	mov [rdx + 8 * 6], rsi
	mov [rdx + 8 * 7], rdi
	mov [rdx + 8 * 8], r8
	mov [rdx + 8 * 9], r9
	mov [rdx + 8 * 10], r10
	mov [rdx + 8 * 11], r11
	mov [rdx + 8 * 12], r12
	mov [rdx + 8 * 13], r13
	mov [rdx + 8 * 14], r14
	mov [rdx + 8 * 15], r15

	mov rax, [rsp]			; VMCB
	vmsave				; [rax]
	mov rax, [rsp + 8]		; host save page
	vmload				; [rax]
	stgi

	add rsp, 8 * 3
	POP_CALLEE_SAVED
	ret
