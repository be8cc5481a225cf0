; SPDX-License-Identifier: MIT
;
; sidecar_entry(): the loader's call into the kernel, and the APs' way in
; from the trampoline. See abi/include/sidecar/image.h for the contract.
;
; The BSP path:
;   1. at the load address, under the loader's page tables: save the
;      loader's CPU state, set EFER.NXE and CR0.WP, relocate and build the
;      boot page tables (early.c), switch to them;
;   2. jump to SK_IMAGE_VA, load the sidecar's GDT and stack, run bsp_main();
;   3. jump back to the load address (identity-mapped in the boot tables),
;      restore the loader's CR3, GDT, IDT, segments, EFER, CR0, RFLAGS and
;      stack, and return bsp_main()'s result.
; Build-time constants SK_IMAGE_VA, SEL_CODE and SEL_DATA come from Meson.

bits 64
default rel

%include "callee_saved.inc"

extern early_setup
extern bsp_main
extern ap_main
extern sk_stack_top
extern sk_ap_apic_ids
extern sk_ap_cr3
extern sk_ap_count
extern __image_start

section .text.entry progbits alloc exec nowrite align=16

global sidecar_entry
sidecar_entry:
	PUSH_CALLEE_SAVED
	pushfq
	cli
	mov r12, rdi			; params_pa
	mov r13, rsi			; output_pa
	lea r14, [rel __image_start]	; we run at the load address: this is physical

	mov [rel ls_rsp], rsp
	mov rax, cr3
	mov [rel ls_cr3], rax
	mov rax, cr0
	mov [rel ls_cr0], rax
	sgdt [rel ls_gdtr]
	sidt [rel ls_idtr]
	mov [rel ls_cs], cs
	mov [rel ls_ds], ds
	mov [rel ls_es], es
	mov [rel ls_ss], ss
	mov ecx, 0xC0000080		; IA32_EFER
	rdmsr
	mov [rel ls_efer], eax
	mov [rel ls_efer + 4], edx
	or eax, 1 << 11			; NXE: the sidecar's page tables use the NX bit
	wrmsr
	mov rax, cr0
	or rax, 1 << 16			; WP: read-only pages stay read-only in ring 0
	mov cr0, rax

	mov rdi, r14
	call early_setup		; relocates, returns the boot PML4 (0: failed)
	test rax, rax
	jz .early_failed
	mov cr3, rax

	; Continue at the image's fixed address.
	lea rax, [rel .high]
	sub rax, r14
	mov rcx, SK_IMAGE_VA
	add rax, rcx
	jmp rax
.high:
	lgdt [rel boot_gdtr]
	push SEL_CODE
	lea rax, [rel .reload_cs]
	push rax
	retfq
.reload_cs:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rel sk_stack_top]
	xor ebp, ebp
	mov rdi, r12
	mov rsi, r13
	call bsp_main
	movzx r15d, al

	; Back to the load address, where the loader's page tables map us.
	lea rax, [rel .low]
	mov rcx, SK_IMAGE_VA
	sub rax, rcx
	add rax, r14
	jmp rax
.low:
	mov rax, [rel ls_cr3]
	mov cr3, rax
	jmp .restore

.early_failed:
	xor r15d, r15d
.restore:
	; The loader's stack first: ours is not mapped in its page tables.
	mov rsp, [rel ls_rsp]
	lgdt [rel ls_gdtr]
	lidt [rel ls_idtr]
	mov ax, [rel ls_ds]
	mov ds, ax
	mov ax, [rel ls_es]
	mov es, ax
	mov ax, [rel ls_ss]
	mov ss, ax
	movzx rax, word [rel ls_cs]
	push rax
	lea rax, [rel .cs_restored]
	push rax
	retfq
.cs_restored:
	mov ecx, 0xC0000080
	mov eax, [rel ls_efer]
	mov edx, [rel ls_efer + 4]
	wrmsr
	mov rax, [rel ls_cr0]
	mov cr0, rax
	mov rsp, [rel ls_rsp]
	mov eax, r15d
	popfq
	POP_CALLEE_SAVED
	ret

; An AP arrives here from the trampoline: long mode, the boot page tables,
; the trampoline's GDT, interrupts off, no stack. It finds its start-up record
; by APIC ID (the starter filled sk_ap_apic_ids and sk_ap_cr3), switches to
; its own page tables and stack, and calls ap_main(ap).
global sk_ap_entry64
sk_ap_entry64:
	mov eax, 1
	cpuid
	mov esi, ebx
	shr esi, 24			; CPUID.1:EBX[31:24], the initial xAPIC ID
	bt ecx, 21			; x2APIC supported: IDs may exceed 8 bits
	jnc .have_id
	xor eax, eax
	cpuid
	cmp eax, 0xB
	jb .have_id
	mov eax, 0xB
	xor ecx, ecx
	cpuid
	mov esi, edx			; CPUID.0BH:EDX, the x2APIC ID (SDM Vol. 3A 11.12.8.1)
.have_id:
	lea rdi, [rel sk_ap_apic_ids]
	mov ecx, [rel sk_ap_count]
	xor edx, edx
.scan:
	cmp edx, ecx
	jae .lost
	cmp [rdi + rdx * 4], esi
	je .found
	inc edx
	jmp .scan
.found:
	lea rax, [rel sk_ap_cr3]
	mov rax, [rax + rdx * 8]
	mov cr3, rax
	mov rsp, [rel sk_stack_top]
	xor ebp, ebp
	mov edi, edx
	call ap_main
.lost:
	; Not a CPU we started: nothing safe to do but stay here. The starter
	; times out and parks it with INIT.
	cli
	hlt
	jmp .lost

section .data
align 16
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF		; SEL_CODE: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF		; SEL_DATA: data, DPL 0
boot_gdt_end:
align 16
boot_gdtr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt			; relocated to SK_IMAGE_VA by early_setup

align 16
ls_gdtr:	times 10 db 0
align 16
ls_idtr:	times 10 db 0
align 8
ls_rsp:		dq 0
ls_cr3:		dq 0
ls_cr0:		dq 0
ls_efer:	dq 0
ls_cs:		dw 0
ls_ds:		dw 0
ls_es:		dw 0
ls_ss:		dw 0
