; SPDX-License-Identifier: MIT
;
; The last step of the shim: enter Linux through the 64-bit boot protocol
; (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"):
;
;  - 64-bit mode, paging on, the kernel's init_size buffer, the zero page
;    and the command line identity-mapped (the shim's own tables map all
;    RAM 1:1);
;  - a GDT with __BOOT_CS (0x10) a flat execute/read code segment and
;    __BOOT_DS (0x18) a flat read/write data segment; CS = __BOOT_CS and
;    DS = ES = SS = __BOOT_DS;
;  - interrupts disabled;
;  - RSI = the zero page; jump to the load address + 0x200 (startup_64).
;
; The GDT lives in the shim's image, which the e820 map gives to Linux as
; RAM: the decompressor loads its own GDT, IDT and page tables before it
; writes anywhere outside its own buffer, so the shim's need to last only
; that long.

bits 64
default rel

BOOT_CS	equ 0x10
BOOT_DS	equ 0x18

section .text

; _Noreturn void linux_enter(uint64_t startup_64, uint64_t boot_params)
global linux_enter
linux_enter:
	cli
	cld
	lgdt [linux_gdt_descriptor]
	; A far return is the one way to load CS in 64-bit mode without a
	; memory operand holding the target (SDM Vol. 2B, RET far).
	lea rax, [.reload_cs]
	push BOOT_CS
	push rax
	retfq
.reload_cs:
	mov ax, BOOT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ebp, ebp
	; RSI already holds boot_params (second argument).
	jmp rdi

section .rodata
align 16
; Null, unused, __BOOT_CS: 64-bit code (L = 1, D = 0, type 0xA execute/read),
; __BOOT_DS: data (type 0x2 read/write); base 0, limit 4 GiB (G = 1);
; SDM Vol. 3A 3.4.5.
linux_gdt:
	dq 0
	dq 0
	dq 0x00AF9A000000FFFF
	dq 0x00CF92000000FFFF
linux_gdt_end:

linux_gdt_descriptor:
	dw linux_gdt_end - linux_gdt - 1
	dq linux_gdt
