; SPDX-License-Identifier: MIT
;
; The AP start-up trampoline. The BSP copies this blob to the loader's
; trampoline page (below 1 MiB) and patches the fields marked PATCHED; the
; SIPI vector names that page, so an AP starts here in real mode with
; CS = page >> 4 and IP = 0 (SDM Vol. 3A 8.4.4.1). It goes through 32-bit
; protected mode to long mode on the sidecar's boot page tables and jumps to
; sk_ap_entry64 at SK_IMAGE_VA. Every AP runs this same code at the same
; time: nothing here is written, and no stack is used.

bits 16

section .rodata

global sk_trampoline_start
global sk_trampoline_end
global sk_trampoline_gdtr_base
global sk_trampoline_pm32
global sk_trampoline_lm64
global sk_trampoline_jmp32
global sk_trampoline_jmp64
global sk_trampoline_cr3
global sk_trampoline_entry64

align 16
sk_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4			; ebx = the trampoline's physical address
	o32 lgdt [gdtr - sk_trampoline_start]
	mov eax, cr0
	or eax, 1			; PE
	mov cr0, eax
	o32 jmp far [jmp32 - sk_trampoline_start]

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, (1 << 5) | (1 << 9) | (1 << 10)	; PAE, OSFXSR, OSXMMEXCPT
	mov cr4, eax
	mov eax, [ebx + boot_cr3 - sk_trampoline_start]
	mov cr3, eax
	mov ecx, 0xC0000080		; IA32_EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)	; LME, NXE
	wrmsr
	mov eax, cr0
	and eax, ~(1 << 2)		; EM off
	or eax, (1 << 31) | (1 << 16) | (1 << 5) | (1 << 1)	; PG, WP, NE, MP
	mov cr0, eax			; long mode is active from here (SDM Vol. 3A 9.8.5)
	jmp far [ebx + jmp64 - sk_trampoline_start]

bits 64
lm64:
	mov ebx, ebx			; the upper half of rbx is undefined after the mode switch
	mov rax, [rbx + ap_entry - sk_trampoline_start]
	jmp rax

align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF		; 0x08: 32-bit code
	dq 0x00CF92000000FFFF		; 0x10: data
	dq 0x00AF9A000000FFFF		; 0x18: 64-bit code
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
sk_trampoline_gdtr_base:
	dd 0				; PATCHED: physical address of gdt
jmp32:
	dd 0				; PATCHED: physical address of pm32
	dw 0x08
jmp64:
	dd 0				; PATCHED: physical address of lm64
	dw 0x18
align 4
sk_trampoline_cr3:
boot_cr3:
	dd 0				; PATCHED: the boot PML4 (below 4 GiB)
align 8
sk_trampoline_entry64:
ap_entry:
	dq 0				; PATCHED: sk_ap_entry64 at SK_IMAGE_VA
sk_trampoline_end:

; Offsets the BSP patches, relative to sk_trampoline_start.
align 4
sk_trampoline_pm32:	dd pm32 - sk_trampoline_start
sk_trampoline_lm64:	dd lm64 - sk_trampoline_start
sk_trampoline_jmp32:	dd jmp32 - sk_trampoline_start
sk_trampoline_jmp64:	dd jmp64 - sk_trampoline_start
global sk_trampoline_gdt
sk_trampoline_gdt:	dd gdt - sk_trampoline_start
