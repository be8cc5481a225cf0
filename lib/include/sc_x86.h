/* SPDX-License-Identifier: MIT */
/*
 * x86-64 instructions and structures shared by the freestanding programs
 * (the sidecar kernel and the boot shim): thin inline wrappers, the IDT
 * gate, and the trap frame that lib/x86/isr_stubs.inc builds.
 */
#ifndef SC_X86_H
#define SC_X86_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_APIC_BASE 0x1Bu
#define MSR_IA32_EFER	   0xC0000080u
#define MSR_IA32_FS_BASE   0xC0000100u

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/*
 * The TSC frequency in kHz as CPUID enumerates it (SDM Vol. 2A, CPUID), 0
 * where it does not: leaf 15H, crystal Hz (ECX) * EBX / EAX, 0 if any is 0;
 * leaf 16H, the base frequency in MHz (EAX[15:0]), the TSC's on
 * processors with an invariant TSC.
 */
static inline uint64_t sc_tsc_khz_from_leaf_15(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
}

static inline uint64_t sc_tsc_khz_from_leaf_16(void)
{
	if (cpuid(0, 0).eax < 0x16)
		return 0;
	return (uint64_t)(cpuid(0x16, 0).eax & 0xFFFFu) * 1000;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

/* RDTSC is not ordered with earlier loads; LFENCE first makes the reading
 * happen after them (SDM Vol. 2B, RDTSC). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* A 64-bit IDT gate (SDM Vol. 3A 6.14.1). */
struct sc_idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct sc_idt_gate) == 16, "64-bit IDT gates are 16 bytes");

/* Present, DPL 0, 64-bit interrupt gate: IF is cleared on entry. */
#define SC_GATE_INTERRUPT 0x8E

static inline void sc_idt_gate_set(struct sc_idt_gate *g, uint64_t handler, uint16_t selector,
				   uint8_t ist)
{
	*g = (struct sc_idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = selector,
		.ist = ist,
		.type_attr = SC_GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

/* The operand of LGDT/LIDT. */
struct sc_table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline void sc_lidt(const void *idt, uint16_t size)
{
	struct sc_table_pointer p = {(uint16_t)(size - 1), (uint64_t)(uintptr_t)idt};

	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

/*
 * The frame the stubs of lib/x86/isr_stubs.inc hand to the C handler,
 * lowest address first: the general registers they save, the vector, the
 * error code (0 where the CPU pushes none), and what the CPU pushed (SDM
 * Vol. 3A 6.14.2).
 */
struct sc_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The stubs are this many bytes apart: stub(v) = stubs + v * SC_ISR_STUB_SIZE. */
#define SC_ISR_STUB_SIZE 16

/* "#PF page fault" and so on; vectors above 31 give "interrupt". */
const char *sc_x86_exception_name(uint64_t vector);

#endif /* SC_X86_H */
