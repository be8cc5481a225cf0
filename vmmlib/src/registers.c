// SPDX-License-Identifier: MIT
/*
 * The x64 register names of Hyper-V (HvX64RegisterName), in lower case, as
 * sidecarctl and VMM configuration files spell them. One table, shared by
 * the library and sidecarctl.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "sidecar_vmm.h"

struct register_entry {
	const char *name;
	hv_register_name_t value;
	enum sidecar_register_kind kind;
};

/* Table entries, one per line (clang-format would spread each over four). */
/* clang-format off */
#define R64(n, v) { n, v, SIDECAR_REGISTER_U64 }
#define R128(n, v) { n, v, SIDECAR_REGISTER_U128 }
#define SEG(n, v) { n, v, SIDECAR_REGISTER_SEGMENT }
#define TBL(n, v) { n, v, SIDECAR_REGISTER_TABLE }

/* Sixteen numbered registers, with hexadecimal suffixes 0-f as Hyper-V
 * numbers them (MTRR_PHYS_BASE0 .. MTRR_PHYS_BASEF). */
#define HEX16(mk, prefix, base)                                                                    \
	mk(prefix "0", (base) + 0x0), mk(prefix "1", (base) + 0x1), mk(prefix "2", (base) + 0x2),  \
	mk(prefix "3", (base) + 0x3), mk(prefix "4", (base) + 0x4), mk(prefix "5", (base) + 0x5),  \
	mk(prefix "6", (base) + 0x6), mk(prefix "7", (base) + 0x7), mk(prefix "8", (base) + 0x8),  \
	mk(prefix "9", (base) + 0x9), mk(prefix "a", (base) + 0xA), mk(prefix "b", (base) + 0xB),  \
	mk(prefix "c", (base) + 0xC), mk(prefix "d", (base) + 0xD), mk(prefix "e", (base) + 0xE),  \
	mk(prefix "f", (base) + 0xF)
/* clang-format on */

static const struct register_entry registers[] = {
	/* Pending events and interrupt state. */
	R64("pending_interruption", HV_X64_REGISTER_PENDING_INTERRUPTION),
	R64("interrupt_state", HV_X64_REGISTER_INTERRUPT_STATE),
	R128("pending_event0", HV_X64_REGISTER_PENDING_EVENT0),
	R128("pending_event1", HV_X64_REGISTER_PENDING_EVENT1),
	R64("deliverability_notifications", HV_X64_REGISTER_DELIVERABILITY_NOTIFICATIONS),
	/* General purpose. */
	R64("rax", HV_X64_REGISTER_RAX),
	R64("rcx", HV_X64_REGISTER_RCX),
	R64("rdx", HV_X64_REGISTER_RDX),
	R64("rbx", HV_X64_REGISTER_RBX),
	R64("rsp", HV_X64_REGISTER_RSP),
	R64("rbp", HV_X64_REGISTER_RBP),
	R64("rsi", HV_X64_REGISTER_RSI),
	R64("rdi", HV_X64_REGISTER_RDI),
	R64("r8", HV_X64_REGISTER_R8),
	R64("r9", HV_X64_REGISTER_R9),
	R64("r10", HV_X64_REGISTER_R10),
	R64("r11", HV_X64_REGISTER_R11),
	R64("r12", HV_X64_REGISTER_R12),
	R64("r13", HV_X64_REGISTER_R13),
	R64("r14", HV_X64_REGISTER_R14),
	R64("r15", HV_X64_REGISTER_R15),
	R64("rip", HV_X64_REGISTER_RIP),
	R64("rflags", HV_X64_REGISTER_RFLAGS),
	/* Floating point and vector. */
	R128("xmm0", HV_X64_REGISTER_XMM0 + 0),
	R128("xmm1", HV_X64_REGISTER_XMM0 + 1),
	R128("xmm2", HV_X64_REGISTER_XMM0 + 2),
	R128("xmm3", HV_X64_REGISTER_XMM0 + 3),
	R128("xmm4", HV_X64_REGISTER_XMM0 + 4),
	R128("xmm5", HV_X64_REGISTER_XMM0 + 5),
	R128("xmm6", HV_X64_REGISTER_XMM0 + 6),
	R128("xmm7", HV_X64_REGISTER_XMM0 + 7),
	R128("xmm8", HV_X64_REGISTER_XMM0 + 8),
	R128("xmm9", HV_X64_REGISTER_XMM0 + 9),
	R128("xmm10", HV_X64_REGISTER_XMM0 + 10),
	R128("xmm11", HV_X64_REGISTER_XMM0 + 11),
	R128("xmm12", HV_X64_REGISTER_XMM0 + 12),
	R128("xmm13", HV_X64_REGISTER_XMM0 + 13),
	R128("xmm14", HV_X64_REGISTER_XMM0 + 14),
	R128("xmm15", HV_X64_REGISTER_XMM0 + 15),
	R128("fp_mmx0", HV_X64_REGISTER_FP_MMX0 + 0),
	R128("fp_mmx1", HV_X64_REGISTER_FP_MMX0 + 1),
	R128("fp_mmx2", HV_X64_REGISTER_FP_MMX0 + 2),
	R128("fp_mmx3", HV_X64_REGISTER_FP_MMX0 + 3),
	R128("fp_mmx4", HV_X64_REGISTER_FP_MMX0 + 4),
	R128("fp_mmx5", HV_X64_REGISTER_FP_MMX0 + 5),
	R128("fp_mmx6", HV_X64_REGISTER_FP_MMX0 + 6),
	R128("fp_mmx7", HV_X64_REGISTER_FP_MMX0 + 7),
	R128("fp_control_status", HV_X64_REGISTER_FP_CONTROL_STATUS),
	R128("xmm_control_status", HV_X64_REGISTER_XMM_CONTROL_STATUS),
	/* Control. */
	R64("cr0", HV_X64_REGISTER_CR0),
	R64("cr2", HV_X64_REGISTER_CR2),
	R64("cr3", HV_X64_REGISTER_CR3),
	R64("cr4", HV_X64_REGISTER_CR4),
	R64("cr8", HV_X64_REGISTER_CR8),
	R64("xfem", HV_X64_REGISTER_XFEM),
	/* Debug. */
	R64("dr0", HV_X64_REGISTER_DR0),
	R64("dr1", HV_X64_REGISTER_DR1),
	R64("dr2", HV_X64_REGISTER_DR2),
	R64("dr3", HV_X64_REGISTER_DR3),
	R64("dr6", HV_X64_REGISTER_DR6),
	R64("dr7", HV_X64_REGISTER_DR7),
	/* Segments and descriptor tables. */
	SEG("es", HV_X64_REGISTER_ES),
	SEG("cs", HV_X64_REGISTER_CS),
	SEG("ss", HV_X64_REGISTER_SS),
	SEG("ds", HV_X64_REGISTER_DS),
	SEG("fs", HV_X64_REGISTER_FS),
	SEG("gs", HV_X64_REGISTER_GS),
	SEG("ldtr", HV_X64_REGISTER_LDTR),
	SEG("tr", HV_X64_REGISTER_TR),
	TBL("idtr", HV_X64_REGISTER_IDTR),
	TBL("gdtr", HV_X64_REGISTER_GDTR),
	/* MSRs. */
	R64("tsc", HV_X64_REGISTER_TSC),
	R64("efer", HV_X64_REGISTER_EFER),
	R64("kernel_gs_base", HV_X64_REGISTER_KERNEL_GS_BASE),
	R64("apic_base", HV_X64_REGISTER_APIC_BASE),
	R64("pat", HV_X64_REGISTER_PAT),
	R64("sysenter_cs", HV_X64_REGISTER_SYSENTER_CS),
	R64("sysenter_eip", HV_X64_REGISTER_SYSENTER_EIP),
	R64("sysenter_esp", HV_X64_REGISTER_SYSENTER_ESP),
	R64("star", HV_X64_REGISTER_STAR),
	R64("lstar", HV_X64_REGISTER_LSTAR),
	R64("cstar", HV_X64_REGISTER_CSTAR),
	R64("sfmask", HV_X64_REGISTER_SFMASK),
	R64("initial_apic_id", HV_X64_REGISTER_INITIAL_APIC_ID),
	R64("tsc_aux", HV_X64_REGISTER_TSC_AUX),
	/* MTRRs (the sidecar handles these on its own CPU). */
	R64("mtrr_cap", HV_X64_REGISTER_MSR_MTRR_CAP),
	R64("mtrr_def_type", HV_X64_REGISTER_MSR_MTRR_DEF_TYPE),
	HEX16(R64, "mtrr_phys_base", HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0),
	HEX16(R64, "mtrr_phys_mask", HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0),
	R64("mtrr_fix64k_00000", HV_X64_REGISTER_MSR_MTRR_FIX64K_00000),
	R64("mtrr_fix16k_80000", HV_X64_REGISTER_MSR_MTRR_FIX16K_80000),
	R64("mtrr_fix16k_a0000", HV_X64_REGISTER_MSR_MTRR_FIX16K_A0000),
	R64("mtrr_fix4k_c0000", HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000),
	R64("mtrr_fix4k_c8000", HV_X64_REGISTER_MSR_MTRR_FIX4K_C8000),
	R64("mtrr_fix4k_d0000", HV_X64_REGISTER_MSR_MTRR_FIX4K_D0000),
	R64("mtrr_fix4k_d8000", HV_X64_REGISTER_MSR_MTRR_FIX4K_D8000),
	R64("mtrr_fix4k_e0000", HV_X64_REGISTER_MSR_MTRR_FIX4K_E0000),
	R64("mtrr_fix4k_e8000", HV_X64_REGISTER_MSR_MTRR_FIX4K_E8000),
	R64("mtrr_fix4k_f0000", HV_X64_REGISTER_MSR_MTRR_FIX4K_F0000),
	R64("mtrr_fix4k_f8000", HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000),
};

#define REGISTER_COUNT (sizeof(registers) / sizeof(registers[0]))

static const struct register_entry *find(hv_register_name_t name)
{
	for (size_t i = 0; i < REGISTER_COUNT; i++) {
		if (registers[i].value == name)
			return &registers[i];
	}
	return NULL;
}

static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	}
	return *a == *b;
}

/* "0x2000e" or bare hex "2000e", at most 32 bits. */
static bool parse_number(const char *text, hv_register_name_t *name)
{
	uint64_t v = 0;
	const char *p = text;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!*p)
		return false;
	for (; *p; p++) {
		int c = tolower((unsigned char)*p);
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (unsigned int)(c - 'a' + 10);
		else
			return false;
		v = v * 16 + digit;
		if (v > UINT32_MAX)
			return false;
	}
	*name = (hv_register_name_t)v;
	return true;
}

int sidecar_vmm_register_by_name(const char *text, hv_register_name_t *name)
{
	hv_register_name_t value;

	if (!text || !name)
		return -EINVAL;
	for (size_t i = 0; i < REGISTER_COUNT; i++) {
		if (same_name(text, registers[i].name)) {
			*name = registers[i].value;
			return 0;
		}
	}
	if (!parse_number(text, &value))
		return -EINVAL;
	*name = value;
	return 0;
}

const char *sidecar_vmm_register_name(hv_register_name_t name)
{
	const struct register_entry *e = find(name);

	return e ? e->name : NULL;
}

enum sidecar_register_kind sidecar_vmm_register_kind(hv_register_name_t name)
{
	const struct register_entry *e = find(name);

	return e ? e->kind : SIDECAR_REGISTER_U64;
}

size_t sidecar_vmm_register_count(void)
{
	return REGISTER_COUNT;
}

const char *sidecar_vmm_register_at(size_t index, hv_register_name_t *name)
{
	if (index >= REGISTER_COUNT)
		return NULL;
	if (name)
		*name = registers[index].value;
	return registers[index].name;
}
