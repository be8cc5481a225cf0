; SPDX-License-Identifier: MIT
;
; The shim's way in: the Multiboot (v1) header QEMU's loader looks for, the
; 32-bit entry point it jumps to, and the switch to long mode.
;
;  1. Multiboot spec 3.2: EAX = 0x2BADB002, EBX = physical address of the
;     multiboot info, flat 32-bit protected mode, paging off, IF = 0, no
;     usable stack, GDTR/IDTR undefined;
;  2. zero .bss, check CPUID for long mode, NX and PAE (or report on COM1
;     and exit through isa-debug-exit while still in 32-bit code);
;  3. identity-map the first 4 GiB with 2 MiB pages (one PML4 entry, four
;     PDPT entries, four page directories; SDM Vol. 3A 5.5);
;  4. CR4.PAE, EFER.LME and EFER.NXE, then CR0.PG: long mode is active
;     (SDM Vol. 3A 10.8.5); a far jump through a 64-bit code descriptor
;     leaves compatibility mode;
;  5. stack, FS base (stack-protector canary for Debian's libfdt.a), then
;     shim_main(magic, mbi).

MB_MAGIC		equ 0x1BADB002
MB_BOOTLOADER_MAGIC	equ 0x2BADB002
MB_FLAG_PAGE_ALIGN	equ 1 << 0	; modules page aligned
MB_FLAG_MEMORY_INFO	equ 1 << 1	; mem_lower/upper and the memory map
MB_FLAG_AOUT_KLUDGE	equ 1 << 16	; load addresses come from this header
MB_FLAGS		equ MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_AOUT_KLUDGE

CR0_PE			equ 1 << 0
CR0_MP			equ 1 << 1
CR0_EM			equ 1 << 2
CR0_NE			equ 1 << 5
CR0_WP			equ 1 << 16
CR0_PG			equ 1 << 31
CR4_PAE			equ 1 << 5
CR4_OSFXSR		equ 1 << 9
CR4_OSXMMEXCPT		equ 1 << 10
MSR_EFER		equ 0xC0000080
EFER_LME		equ 1 << 8
EFER_NXE		equ 1 << 11
MSR_FS_BASE		equ 0xC0000100

PTE_P			equ 1 << 0
PTE_RW			equ 1 << 1
PTE_PS			equ 1 << 7

SEL_CODE64		equ 0x08
SEL_DATA		equ 0x10

COM1			equ 0x3F8
DEBUG_EXIT_PORT		equ 0xF4
EXIT_BOOT_ERROR		equ 0x12

STACK_SIZE		equ 64 * 1024

extern __load_start
extern __load_end
extern __bss_start
extern __bss_end
extern shim_main
extern shim_tls_block

global boot_pml4
global boot_pdpt
global boot_pd
global boot_stack
global boot_stack_top

; Multiboot spec 3.1.1: the header sits in the first 8192 bytes, 4-byte
; aligned; the linker script puts this section first. With flag 16 set the
; loader takes the load addresses from here and ignores the file format
; (QEMU refuses to load ELF64 files otherwise).
section .multiboot progbits alloc noexec nowrite align=4
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd (-(MB_MAGIC + MB_FLAGS)) & 0xFFFFFFFF
	dd mb_header		; header_addr
	dd __load_start		; load_addr: the first byte of the file
	dd __load_end		; load_end_addr: end of .data
	dd __bss_end		; bss_end_addr
	dd _start32		; entry_addr

section .text.boot progbits alloc exec nowrite align=16
bits 32

global _start32
_start32:
	cli
	cld
	mov esi, eax			; the loader's magic, checked in C
	mov ebp, ebx			; the multiboot info

	; The loader zeroes bss_end_addr - load_end_addr (Multiboot spec
	; 3.1.3); zero it again rather than trust every loader with it.
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, boot_stack_top

	; CPUID 0x80000001 EDX: LM (bit 29), NX (bit 20); leaf 1 EDX: PAE (bit 6).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	test edx, 1 << 20
	jz .no_nx
	mov eax, 1
	cpuid
	test edx, 1 << 6
	jz .no_pae

	; PML4[0] -> PDPT; PDPT[0..3] -> the four page directories.
	mov eax, boot_pdpt
	or eax, PTE_P | PTE_RW
	mov [boot_pml4], eax
	mov eax, boot_pd
	or eax, PTE_P | PTE_RW
	xor ecx, ecx
.pdpt_loop:
	mov [boot_pdpt + ecx * 8], eax
	add eax, 4096
	inc ecx
	cmp ecx, 4
	jb .pdpt_loop

	; 2048 entries of 2 MiB: 0 .. 4 GiB, present, writable, executable.
	xor ecx, ecx
.pd_loop:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_RW | PTE_PS
	mov [boot_pd + ecx * 8], eax
	inc ecx
	cmp ecx, 2048
	jb .pd_loop

	mov eax, boot_pml4
	mov cr3, eax
	; SSE enabled (CR4.OSFXSR, CR0.EM clear): code the shim links but does
	; not compile (libfdt.a) may use it.
	mov eax, cr4
	or eax, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT
	mov cr4, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	and eax, ~CR0_EM
	or eax, CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG
	mov cr0, eax

	lgdt [gdt_descriptor]
	jmp SEL_CODE64:long_entry

.no_long_mode:
	mov esi, msg_no_long_mode
	jmp early_fail
.no_nx:
	mov esi, msg_no_nx
	jmp early_fail
.no_pae:
	mov esi, msg_no_pae
	jmp early_fail

; Prints the NUL-terminated string at ESI on COM1 (115200 8N1, polled) and
; exits with the boot-error code. Only for failures before long mode, where
; the C code cannot run.
early_fail:
	mov dx, COM1 + 3
	mov al, 0x80			; LCR.DLAB
	out dx, al
	mov dx, COM1
	mov al, 1			; divisor 1: 115200 baud
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03			; 8N1
	out dx, al
.next_char:
	lodsb
	test al, al
	jz .done
	mov bl, al
	mov ecx, 1000000		; never hang on a UART that does not drain
.wait_thre:
	mov dx, COM1 + 5
	in al, dx
	test al, 0x20
	jnz .send
	dec ecx
	jnz .wait_thre
.send:
	mov al, bl
	mov dx, COM1
	out dx, al
	jmp .next_char
.done:
	mov al, EXIT_BOOT_ERROR
	out DEBUG_EXIT_PORT, al
.halt32:
	cli
	hlt
	jmp .halt32

bits 64
long_entry:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	lea rsp, [rel boot_stack_top]

	; GCC's stack protector reads its canary at %fs:0x28 (the System V
	; TLS layout); Debian builds libfdt.a with it. FS base is written
	; after the FS selector load, which would otherwise reset it.
	mov ecx, MSR_FS_BASE
	lea rax, [rel shim_tls_block]
	mov rdx, rax
	shr rdx, 32
	wrmsr

	; The upper halves of the registers are undefined after the mode
	; switch (SDM Vol. 1 3.4.1.1): 32-bit moves zero-extend them.
	mov edi, esi			; magic
	mov esi, ebp			; multiboot info
	xor ebp, ebp			; end of the frame-pointer chain
	call shim_main
.halt64:
	cli
	hlt
	jmp .halt64

section .rodata progbits alloc noexec nowrite align=16
; Null, 64-bit code (L = 1, D = 0), data (SDM Vol. 3A 3.4.5).
gdt:
	dq 0
	dq 0x00AF9A000000FFFF
	dq 0x00CF92000000FFFF
gdt_end:

gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

msg_no_long_mode:
	db "sidecar-shim: boot error: this CPU has no long mode (CPUID 0x80000001 EDX.LM)", 13, 10, 0
msg_no_nx:
	db "sidecar-shim: boot error: this CPU has no NX bit (CPUID 0x80000001 EDX.NX)", 13, 10, 0
msg_no_pae:
	db "sidecar-shim: boot error: this CPU has no PAE (CPUID 1 EDX.PAE)", 13, 10, 0

section .bss nobits alloc noexec write align=4096
boot_pml4:
	resb 4096
boot_pdpt:
	resb 4096
boot_pd:
	resb 4 * 4096
boot_stack:
	resb STACK_SIZE
boot_stack_top:
