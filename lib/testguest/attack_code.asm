; SPDX-License-Identifier: MIT
;
; The attack guests (attack_guest.h): 64-bit programs that try what a
; hostile or merely unusual guest does to the CPU under it, copied to
; TA_CODE in guest memory next to the test guest. Each entry point is one
; program; the handlers are reached through the IDT that ta_build() writes.
; The labels are exported so the C side computes every expected RIP from
; the assembled code.

bits 64

%define TA_DATA		0x34000
%define TA_IST_TOP	0x33000
%define TA_USER_STACK	0x3B000
%define RFLAGS_TF	0x100
%define DR7_L0_W8	0xD0401		; L0, R/W0 = write, LEN0 = 8 bytes, bit 10
%define DR7_OFF		0x400
%define DR6_CLEAR	0xFFFF0FF0

section .rodata

global ta_code_start, ta_code_end
global ta_debug, ta_debug_stepped, ta_debug_stored, ta_debug_hlt
global ta_db_loop, ta_db_loop_spin
global ta_tf_fault
global ta_ac, ta_ac_user, ta_ac_ud, ta_ac_hlt, ta_ud_hlt
global ta_invd, ta_invd_hlt
global ta_xsetbv, ta_xsetbv_avx, ta_xsetbv_hlt
global ta_xgetbv, ta_xgetbv_hlt
global ta_tsc, ta_tsc_wrmsr
global ta_dr7_off, ta_dr7_off_hlt
global ta_db_handler, ta_gp_handler, ta_ac_handler, ta_ud_handler

align 16
ta_code_start:

; A guest that single-steps one instruction (TF) and takes a data
; breakpoint, with its own #DB handler: R12 counts the #DBs, R13 collects
; the DR6 values the handler saw, R15 and R14 the first and last #DB RIP.
ta_debug:
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	pushfq
	or qword [rsp], RFLAGS_TF
	popfq
	nop				; TF was set at its start: #DB after it
ta_debug_stepped:
	mov eax, TA_DATA
	mov dr0, rax
	mov eax, DR7_L0_W8
	mov dr7, rax
	mov qword [TA_DATA], rax	; the data breakpoint: #DB after the store
ta_debug_stored:
	mov eax, DR7_OFF
	mov dr7, rax
ta_debug_hlt:
	hlt

; CVE-2015-8104: a write breakpoint on the top of the #DB handler's IST
; stack, where every delivery of #DB pushes SS. The first #DB comes from a
; store there; each delivery then raises the next one, and the CPU would
; deliver #DB forever without reaching an instruction boundary.
ta_db_loop:
	xor r12d, r12d
	mov eax, TA_IST_TOP - 8
	mov dr0, rax
	mov eax, DR7_L0_W8
	mov dr7, rax
	mov qword [TA_IST_TOP - 8], rax
ta_db_loop_spin:
	jmp ta_db_loop_spin

; A single-step #DB whose delivery faults: the VMM gives this program an
; IDT that ends before vector 1, so #DB becomes #GP, then #DF, then a
; triple fault.
ta_tf_fault:
	pushfq
	or qword [rsp], RFLAGS_TF
	popfq
	nop
	hlt

; Alignment checking: CR0.AM, then CPL 3 with RFLAGS.AC and a misaligned
; load. A CPU that checks alignment raises #AC (its handler halts at
; ta_ac_hlt with the error code in R13, the faulting RIP in R14); one that
; does not runs into UD2 (ta_ud_hlt, its RIP in R14).
ta_ac:
	mov rax, cr0
	or eax, 1 << 18
	mov cr0, rax
	push 0x1B			; SS: user data
	push TA_USER_STACK
	push 0x40002			; RFLAGS: AC
	push 0x23			; CS: user code
	lea rax, [rel ta_ac_user]
	push rax
	iretq
ta_ac_user:
	mov eax, [rsp + 1]
ta_ac_ud:
	ud2

; INVD, then HLT: INVD must not reach the CPU, and the guest goes on.
ta_invd:
	invd
ta_invd_hlt:
	hlt

; XSETBV (CR4.OSXSAVE set by the VMM): x87|SSE is accepted and XGETBV
; reads it back (R12); x87|SSE|AVX must fault with #GP (the handler puts
; 13 in R13 and the RIP in R15, and skips it); XCR0 is still x87|SSE (R14).
ta_xsetbv:
	xor r13d, r13d
	xor r15d, r15d
	xor ecx, ecx
	xor edx, edx
	mov eax, 3
	xsetbv
	xor ecx, ecx
	xgetbv
	mov r12, rax
	xor ecx, ecx
	xor edx, edx
	mov eax, 7
ta_xsetbv_avx:
	xsetbv
	xor ecx, ecx
	xgetbv
	mov r14, rax
ta_xsetbv_hlt:
	hlt

; XGETBV: R12 = the XCR0 this guest sees, which must be the one its VMM
; set (XFEM), whatever an earlier guest on the CPU did.
ta_xgetbv:
	xor ecx, ecx
	xgetbv
	mov r12, rax
ta_xgetbv_hlt:
	hlt

; WRMSR to IA32_TSC: must exit to the VMM.
ta_tsc:
	mov ecx, 0x10
	xor eax, eax
	xor edx, edx
ta_tsc_wrmsr:
	wrmsr
	hlt

; Turns the guest's breakpoints off from inside the guest, then HLT: what
; a VMM runs after stopping a guest that left breakpoints armed, under an
; emulator that does not switch them at VMRUN and #VMEXIT (QEMU 7.2's TCG).
ta_dr7_off:
	mov eax, DR7_OFF
	mov dr7, rax
ta_dr7_off_hlt:
	hlt

; ---- handlers (interrupt gates, CPL 0) ----

ta_db_handler:
	push rax
	inc r12
	mov rax, dr6
	or r13, rax
	mov rax, [rsp + 8]		; the RIP after the trap
	test r15, r15
	jnz .later
	mov r15, rax
	jmp .seen
.later:
	mov r14, rax
.seen:
	mov eax, DR6_CLEAR		; DR6 is the handler's to clear
	mov dr6, rax
	and qword [rsp + 24], ~RFLAGS_TF
	pop rax
	iretq

ta_gp_handler:
	mov r13d, 13
	mov r15, [rsp + 8]
	add qword [rsp + 8], 3		; past the 3-byte XSETBV
	add rsp, 8			; the error code
	iretq

ta_ac_handler:
	mov r13, [rsp]			; the error code
	mov r14, [rsp + 8]
ta_ac_hlt:
	hlt

ta_ud_handler:
	mov r14, [rsp]
ta_ud_hlt:
	hlt

ta_code_end:

; No executable stack for the hosted programs that link this.
section .note.GNU-stack noalloc noexec nowrite progbits
