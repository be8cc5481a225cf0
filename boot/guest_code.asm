; SPDX-License-Identifier: MIT
;
; The self-test's guest: 64-bit code the shim copies into guest memory and
; runs on every sidecar CPU through RUN_VP (selftest_guest.c). Each
; instruction that exits is one the VMM (the shim) must see and complete:
;
;   print:  OUT 0xE9 of each byte of the string at RSI, until its NUL
;   IN 0x71, CPUID leaf 1, RDMSR and WRMSR of MSR 0x40000100,
;   a load from the guest-physical address in RDI (0x40000000: mapped by
;   the guest's page tables, not by the nested ones), HLT. RDI because
;   CPUID, RDMSR and WRMSR leave it alone;
;   spin:   a jump to itself, for STOP;
;   bench:  OUT 0x80 and a jump back, for the exit-rate figure.
;
; Addresses are offsets from guest_code_start; the shim places the code at
; guest-physical (and, identity-mapped, virtual) GUEST_CODE_GPA.

bits 64

section .rodata

global sc_guest_code_start
global sc_guest_code_end
global sc_guest_spin
global sc_guest_bench
global sc_guest_unmapped_load

align 16
sc_guest_code_start:
.print:
	mov al, [rsi]
	test al, al
	jz .printed
	out 0xE9, al
	inc rsi
	jmp .print
.printed:
	in al, 0x71
	mov eax, 1
	xor ecx, ecx
	cpuid
	mov ecx, 0x40000100
	rdmsr
	mov ecx, 0x40000100
	mov eax, 0x11223344
	mov edx, 0x55667788
	wrmsr
sc_guest_unmapped_load:
	mov eax, [rdi]
	hlt
sc_guest_spin:
	jmp sc_guest_spin
sc_guest_bench:
	out 0x80, al
	jmp sc_guest_bench
sc_guest_code_end:
