; SPDX-License-Identifier: MIT
;
; The test guest's program (test_guest.h): 64-bit code that a VMM copies
; into guest memory at TG_CODE and runs on a sidecar CPU with RUN_VP. Each
; labelled instruction exits to the VMM, which must see it and complete it:
;
;   print:  OUT 0xE9 of each byte of the string at RSI, until its NUL;
;   IN 0x71, CPUID leaf 1, RDMSR and WRMSR of MSR 0x40000100;
;   a load from the guest-physical address in RDI (0x40000000: mapped by
;   the guest's page tables, not by the nested ones), HLT. RDI because
;   CPUID, RDMSR and WRMSR leave it alone;
;   spin:   a jump to itself, for STOP;
;   bench:  OUT 0x80 and a jump back, for the exit-rate figure.
;
; The labels are exported so that the C side computes every expected RIP
; from the assembled code rather than from hand-counted offsets.

bits 64

section .rodata

global tg_code_start
global tg_code_end
global tg_code_out
global tg_code_in
global tg_code_cpuid
global tg_code_rdmsr
global tg_code_wrmsr
global tg_code_load
global tg_code_hlt
global tg_code_spin
global tg_code_bench

align 16
tg_code_start:
print_next:
	mov al, [rsi]
	test al, al
	jz printed
tg_code_out:
	out 0xE9, al
	inc rsi
	jmp print_next
printed:
tg_code_in:
	in al, 0x71
	mov eax, 1
	xor ecx, ecx
tg_code_cpuid:
	cpuid
	mov ecx, 0x40000100
tg_code_rdmsr:
	rdmsr
	mov ecx, 0x40000100
	mov eax, 0x11223344
	mov edx, 0x55667788
tg_code_wrmsr:
	wrmsr
tg_code_load:
	mov eax, [rdi]
tg_code_hlt:
	hlt
tg_code_spin:
	jmp tg_code_spin
tg_code_bench:
	out 0x80, al
	jmp tg_code_bench
tg_code_end:

; No executable stack for the hosted programs that link this.
section .note.GNU-stack noalloc noexec nowrite progbits
