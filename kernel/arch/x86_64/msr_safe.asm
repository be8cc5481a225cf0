; SPDX-License-Identifier: MIT
;
; RDMSR and WRMSR that report a #GP instead of taking the CPU down: an
; unimplemented MSR, or a value with reserved bits set, makes them fault
; (SDM Vol. 2B, RDMSR/WRMSR). sk_trap() finds the faulting instruction in
; .ex_table and resumes at its fixup, which returns false.

bits 64
default rel

section .text

; bool sk_rdmsr_safe(uint32_t msr, uint64_t *value)
global sk_rdmsr_safe
sk_rdmsr_safe:
	mov ecx, edi
.insn:
	rdmsr
	shl rdx, 32
	or rax, rdx
	mov [rsi], rax
	mov eax, 1
	ret
.fault:
	xor eax, eax
	ret

; bool sk_wrmsr_safe(uint32_t msr, uint64_t value)
global sk_wrmsr_safe
sk_wrmsr_safe:
	mov ecx, edi
	mov eax, esi
	mov rdx, rsi
	shr rdx, 32
.insn:
	wrmsr
	mov eax, 1
	ret
.fault:
	xor eax, eax
	ret

; Writable as far as the linker knows, so that it may hold relocations; the
; image page table maps it read-only once early.c has relocated it.
section .ex_table progbits alloc noexec write align=8
	dq sk_rdmsr_safe.insn, sk_rdmsr_safe.fault
	dq sk_wrmsr_safe.insn, sk_wrmsr_safe.fault
