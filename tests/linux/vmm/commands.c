// SPDX-License-Identifier: MIT
/*
 * Every command on every sidecar CPU through the library's synchronous
 * calls: NONE; GET/SET_VP_REGISTERS of the registers the sidecar CPU keeps
 * itself (DR0-DR3, MTRRs) and of the guest's architectural state, more
 * than fit in one command (the library chunks them); an unknown and a
 * read-only name; TRANSLATE_GVA on the test guest's page tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_vmm.h"

#define PART "commands"

/* A guest-state register and the value written to it, read back as `back`
 * (the same unless the architecture changes it). */
struct reg_case {
	hv_register_name_t name;
	union hv_register_value value;
};

static struct hv_x64_segment_register seg(uint16_t selector, uint16_t attributes)
{
	return (struct hv_x64_segment_register){0x1000u * selector, 0xFFFFF, selector, attributes};
}

/* 46 registers: two commands' worth of guest state. Values are distinct
 * per CPU (`k`) so that a register of the wrong CPU is noticed. */
static size_t guest_state(struct reg_case *c, uint64_t k)
{
	static const hv_register_name_t gprs[] = {
		HV_X64_REGISTER_RAX, HV_X64_REGISTER_RCX, HV_X64_REGISTER_RDX, HV_X64_REGISTER_RBX,
		HV_X64_REGISTER_RBP, HV_X64_REGISTER_RSI, HV_X64_REGISTER_RDI, HV_X64_REGISTER_R8,
		HV_X64_REGISTER_R9,  HV_X64_REGISTER_R10, HV_X64_REGISTER_R11, HV_X64_REGISTER_R12,
		HV_X64_REGISTER_R13, HV_X64_REGISTER_R14, HV_X64_REGISTER_R15,
	};
	static const hv_register_name_t msrs[] = {
		HV_X64_REGISTER_STAR,		HV_X64_REGISTER_LSTAR,
		HV_X64_REGISTER_CSTAR,		HV_X64_REGISTER_SFMASK,
		HV_X64_REGISTER_KERNEL_GS_BASE, HV_X64_REGISTER_SYSENTER_CS,
		HV_X64_REGISTER_SYSENTER_EIP,	HV_X64_REGISTER_SYSENTER_ESP,
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
		c[n++] = (struct reg_case){gprs[i], {.reg64 = k << 32 | 0x1000 | i}};
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		c[n++] = (struct reg_case){msrs[i], {.reg64 = k << 32 | 0x2000 | i}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_CR2, {.reg64 = k << 32 | 0xC2}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_RSP, {.reg64 = k << 32 | 0x5F0}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_RIP, {.reg64 = k << 32 | 0x1F0}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_RFLAGS, {.reg64 = 0x202}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_CR0, {.reg64 = 0x80010033}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_CR3, {.reg64 = TG_PML4}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_CR4, {.reg64 = 0x620}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_CR8, {.reg64 = 5}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_EFER, {.reg64 = 0xD00}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_DR7, {.reg64 = 0x401}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_PAT, {.reg64 = 0x0007040600070406ull}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_CS, {.segment = seg(0x08, 0xA09B)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_SS, {.segment = seg(0x10, 0xC093)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_DS, {.segment = seg(0x18, 0xC093)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_ES, {.segment = seg(0x20, 0xC093)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_FS, {.segment = seg(0x28, 0xC093)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_GS, {.segment = seg(0x30, 0xC093)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_TR, {.segment = seg(0x38, 0x8B)}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_LDTR, {.segment = seg(0x40, 0x82)}};
	c[n].name = HV_X64_REGISTER_GDTR;
	c[n].value.table.limit = 23;
	c[n++].value.table.base = TG_GDT;
	c[n].name = HV_X64_REGISTER_IDTR;
	c[n].value.table.limit = 0xFFF;
	c[n++].value.table.base = k << 20;
	c[n++] = (struct reg_case){HV_X64_REGISTER_PENDING_INTERRUPTION, {.reg64 = 0}};
	c[n++] = (struct reg_case){HV_X64_REGISTER_INTERRUPT_STATE, {.reg64 = 0}};
	return n;
}

static bool same(hv_register_name_t name, const union hv_register_value *a,
		 const union hv_register_value *b)
{
	if (sidecar_vmm_register_kind(name) == SIDECAR_REGISTER_SEGMENT)
		return a->segment.base == b->segment.base && a->segment.limit == b->segment.limit &&
		       a->segment.selector == b->segment.selector &&
		       a->segment.attributes == b->segment.attributes;
	if (sidecar_vmm_register_kind(name) == SIDECAR_REGISTER_TABLE)
		return a->table.limit == b->table.limit && a->table.base == b->table.base;
	return a->reg128.low == b->reg128.low && a->reg128.high == b->reg128.high;
}

static void local_registers(struct tv *t, size_t i)
{
	struct sidecar_vp *vp = t->vps[i];
	struct hv_register_assoc regs[5] = {
		{.name = HV_X64_REGISTER_DR0},
		{.name = HV_X64_REGISTER_DR1},
		{.name = HV_X64_REGISTER_DR2},
		{.name = HV_X64_REGISTER_DR3},
		{.name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE},
	};
	uint32_t cpu = t->cpus[i];
	int r;

	for (int d = 0; d < 4; d++)
		regs[d].value.reg64 =
			0xFFFF800000000000ull | (uint64_t)cpu << 16 | (uint64_t)d << 4;
	r = sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, 4);
	tv_check(t, r == 0, PART, "CPU %u: set DR0-DR3: %s", cpu, sidecar_vp_error_message(vp));
	memset(regs, 0, sizeof(regs));
	regs[0].name = HV_X64_REGISTER_DR0;
	regs[1].name = HV_X64_REGISTER_DR1;
	regs[2].name = HV_X64_REGISTER_DR2;
	regs[3].name = HV_X64_REGISTER_DR3;
	regs[4].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
	r = sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, regs, 5);
	tv_check(t, r == 0, PART, "CPU %u: get DR0-DR3, MTRR_DEF_TYPE: %s", cpu,
		 sidecar_vp_error_message(vp));
	for (int d = 0; d < 4 && r == 0; d++) {
		uint64_t want = 0xFFFF800000000000ull | (uint64_t)cpu << 16 | (uint64_t)d << 4;

		tv_check(t, regs[d].value.reg64 == want, PART,
			 "CPU %u: DR%d reads %#llx, wrote %#llx", cpu, d,
			 (unsigned long long)regs[d].value.reg64, (unsigned long long)want);
	}
}

static void guest_registers(struct tv *t, size_t i)
{
	struct sidecar_vp *vp = t->vps[i];
	struct reg_case cases[64];
	struct hv_register_assoc regs[64];
	uint32_t cpu = t->cpus[i];
	size_t n = guest_state(cases, cpu);
	uint64_t tsc = 0x100000000000ull * (cpu + 1);
	union hv_register_value v;
	int r;

	for (size_t j = 0; j < n; j++) {
		memset(&regs[j], 0, sizeof(regs[j]));
		regs[j].name = cases[j].name;
		regs[j].value = cases[j].value;
	}
	r = sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, n);
	tv_check(t, r == 0, PART, "CPU %u: set %zu guest registers: %s", cpu, n,
		 sidecar_vp_error_message(vp));
	memset(regs, 0, sizeof(regs));
	for (size_t j = 0; j < n; j++)
		regs[j].name = cases[j].name;
	r = sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, regs, n);
	tv_check(t, r == 0, PART, "CPU %u: get %zu guest registers: %s", cpu, n,
		 sidecar_vp_error_message(vp));
	for (size_t j = 0; j < n && r == 0; j++)
		tv_check(t, same(cases[j].name, &regs[j].value, &cases[j].value), PART,
			 "CPU %u: %s reads %#llx:%#llx, wrote %#llx:%#llx", cpu,
			 sidecar_vmm_register_name(cases[j].name),
			 (unsigned long long)regs[j].value.reg128.high,
			 (unsigned long long)regs[j].value.reg128.low,
			 (unsigned long long)cases[j].value.reg128.high,
			 (unsigned long long)cases[j].value.reg128.low);
	/* GPRs live in cpu_context, where the VMM sees them directly. */
	tv_check(t,
		 sidecar_vp_cpu_context(vp)->gps[SIDECAR_CPU_CONTEXT_R15] == cases[14].value.reg64,
		 PART, "CPU %u: R15 set by name is not in cpu_context", cpu);

	/* The TSC is stored as an offset: it reads back at least the value
	 * written, and runs on. */
	v.reg64 = tsc;
	r = sidecar_vp_set_register(vp, HV_X64_REGISTER_TSC, &v);
	tv_check(t, r == 0, PART, "CPU %u: set TSC: %s", cpu, sidecar_vp_error_message(vp));
	r = sidecar_vp_get_register(vp, HV_X64_REGISTER_TSC, &v);
	tv_check(t, r == 0 && v.reg64 >= tsc && v.reg64 - tsc < 1000000000000ull, PART,
		 "CPU %u: TSC reads %#llx after writing %#llx", cpu, (unsigned long long)v.reg64,
		 (unsigned long long)tsc);

	/* Bad values and names come back as HV_STATUS_* codes. */
	v.reg64 = 16;
	r = sidecar_vp_set_register(vp, HV_X64_REGISTER_CR8, &v);
	tv_check(t,
		 r == -SIDECAR_VMM_EHV &&
			 sidecar_vp_hv_status(vp) == HV_STATUS_INVALID_REGISTER_VALUE,
		 PART, "CPU %u: CR8 = 16 gave %d (%s), expected HV_STATUS_INVALID_REGISTER_VALUE",
		 cpu, r, sidecar_vp_error_message(vp));
	r = sidecar_vp_get_register(vp, 0x7FFF0000u, &v);
	tv_check(t,
		 r == -SIDECAR_VMM_EHV &&
			 sidecar_vp_hv_status(vp) == HV_STATUS_UNKNOWN_REGISTER_NAME,
		 PART,
		 "CPU %u: register 0x7fff0000 gave %d (%s), expected "
		 "HV_STATUS_UNKNOWN_REGISTER_NAME",
		 cpu, r, sidecar_vp_error_message(vp));
	v.reg64 = 0;
	r = sidecar_vp_set_register(vp, HV_X64_REGISTER_MSR_MTRR_CAP, &v);
	tv_check(t, r == -SIDECAR_VMM_EHV && sidecar_vp_hv_status(vp) == HV_STATUS_ACCESS_DENIED,
		 PART, "CPU %u: writing MTRR_CAP gave %d (%s), expected HV_STATUS_ACCESS_DENIED",
		 cpu, r, sidecar_vp_error_message(vp));
	v.reg64 = 0;
	sidecar_vp_set_register(vp, HV_X64_REGISTER_CR8, &v);
}

static void translate(struct tv *t, size_t i, uint64_t gva, uint32_t want, uint64_t page)
{
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sidecar_vp *vp = t->vps[i];
	uint32_t result;
	int r;

	memset(&out, 0, sizeof(out));
	r = sidecar_vp_translate_gva(
		vp, gva >> 12, HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_EXECUTE,
		&out);
	result = (uint32_t)out.translation_result.result & HV_TRANSLATE_GVA_RESULT_CODE_MASK;
	tv_check(t,
		 r == 0 && result == want &&
			 (want != HV_TRANSLATE_GVA_SUCCESS || out.gpa_page == page),
		 PART,
		 "CPU %u: translate %#llx: %d (%s), result %u page %#llx; expected result %u "
		 "page %#llx",
		 t->cpus[i], (unsigned long long)gva, r, sidecar_vp_error_message(vp), result,
		 (unsigned long long)out.gpa_page, want, (unsigned long long)page);
}

void part_commands(struct tv *t)
{
	unsigned int failed = t->failed;
	uint32_t *vps = calloc(t->count, sizeof(*vps));
	struct reg_case cases[64];
	size_t nregs = guest_state(cases, 0);

	for (uint32_t i = 0; i < t->count; i++)
		vps[i] = t->cpus[i];
	tv_check(t, t->guest && tg_build(t->guest, t->guest_size, vps, t->count), PART,
		 "guest memory of %llu bytes does not hold the test guest for %u VPs",
		 (unsigned long long)t->guest_size, t->count);
	free(vps);
	for (uint32_t i = 0; i < t->count; i++) {
		int r = sidecar_vp_test(t->vps[i]);

		tv_check(t, r == 0, PART, "CPU %u: NONE: %d (%s)", t->cpus[i], r,
			 sidecar_vp_error_message(t->vps[i]));
		local_registers(t, i);
		guest_registers(t, i);
		/* guest_state() left paging on with the test guest's tables. */
		translate(t, i, TG_CODE + 0x123, HV_TRANSLATE_GVA_SUCCESS, TG_CODE >> 12);
		translate(t, i, TG_NOT_PRESENT_GVA, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT, 0);
		translate(t, i, TG_UNMAPPED_GPA, HV_TRANSLATE_GVA_GPA_UNMAPPED, 0);
	}
	tv_part_done(t, PART, failed,
		     "NONE, 5 local and %zu guest registers, 3 errors, 3 translations on %u CPUs",
		     nregs, t->count);
}
