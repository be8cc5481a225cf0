// SPDX-License-Identifier: MIT
/*
 * Registers that live on the sidecar CPU itself: the guest and the sidecar
 * share them because the sidecar never uses them. OpenHCL's sidecar handles
 * the same set locally: the MTRRs (IA32_MTRR_*, SDM Vol. 3A, 12.11) and the
 * debug address registers DR0-DR3 plus DR6.
 */
#include "sk_local_registers.h"
#include "sk_platform.h"

#define MSR_MTRR_DEF_TYPE     0x2FFu
#define MSR_MTRR_FIX64K_00000 0x250u
#define MSR_MTRR_FIX16K_80000 0x258u
#define MSR_MTRR_FIX16K_A0000 0x259u
#define MSR_MTRR_FIX4K_C0000  0x268u /* .. F8000 = 0x26F */
#define MSR_MTRR_PHYSBASE0    0x200u /* base/mask pairs up to 0x20F */
#define MSR_MTRR_CAP	      0xFEu

uint32_t sk_local_register_msr(hv_register_name_t name)
{
	switch (name) {
	case HV_X64_REGISTER_MSR_MTRR_CAP:
		return MSR_MTRR_CAP;
	case HV_X64_REGISTER_MSR_MTRR_DEF_TYPE:
		return MSR_MTRR_DEF_TYPE;
	case HV_X64_REGISTER_MSR_MTRR_FIX64K_00000:
		return MSR_MTRR_FIX64K_00000;
	case HV_X64_REGISTER_MSR_MTRR_FIX16K_80000:
		return MSR_MTRR_FIX16K_80000;
	case HV_X64_REGISTER_MSR_MTRR_FIX16K_A0000:
		return MSR_MTRR_FIX16K_A0000;
	default:
		break;
	}
	if (name >= HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000 &&
	    name <= HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000)
		return MSR_MTRR_FIX4K_C0000 + (name - HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000);
	/* Hyper-V names the variable-range MTRRs 0-F, base and mask in two
	 * blocks; the MSRs interleave them (base 0x200 + 2n, mask 0x201 + 2n).
	 * OpenHCL maps pairs 0-7, the ones the architecture guarantees MSR
	 * numbers for before 0x210; so do we. */
	if (name >= HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 &&
	    name < HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 8)
		return MSR_MTRR_PHYSBASE0 + 2 * (name - HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0);
	if (name >= HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 &&
	    name < HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + 8)
		return MSR_MTRR_PHYSBASE0 + 1 + 2 * (name - HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0);
	return 0;
}

/* DR number for a local debug register name, or -1. */
static int debug_register(hv_register_name_t name)
{
	switch (name) {
	case HV_X64_REGISTER_DR0:
		return 0;
	case HV_X64_REGISTER_DR1:
		return 1;
	case HV_X64_REGISTER_DR2:
		return 2;
	case HV_X64_REGISTER_DR3:
		return 3;
	case HV_X64_REGISTER_DR6:
		return 6;
	default:
		return -1;
	}
}

bool sk_local_register_get(struct sk_vp *vp, hv_register_name_t name,
			   union hv_register_value *value, hv_status_t *status)
{
	uint32_t msr = sk_local_register_msr(name);
	int dr = debug_register(name);

	value->reg128.low = value->reg128.high = 0;
	if (msr) {
		*status = sk_plat_read_msr(vp, msr, &value->reg64) ? HV_STATUS_SUCCESS
								   : HV_STATUS_INVALID_PARAMETER;
		return true;
	}
	if (dr >= 0) {
		value->reg64 = sk_plat_read_dr(vp, (unsigned int)dr);
		*status = HV_STATUS_SUCCESS;
		return true;
	}
	return false;
}

bool sk_local_register_set(struct sk_vp *vp, hv_register_name_t name,
			   const union hv_register_value *value, hv_status_t *status)
{
	uint32_t msr = sk_local_register_msr(name);
	int dr = debug_register(name);

	if (msr == MSR_MTRR_CAP) {
		/* IA32_MTRRCAP is read-only. */
		*status = HV_STATUS_ACCESS_DENIED;
		return true;
	}
	if (msr) {
		/* A reserved bit set or an invalid memory type makes WRMSR
		 * raise #GP (SDM Vol. 3A, 12.11.2); the platform catches it. */
		*status = value->reg128.high == 0 && sk_plat_write_msr(vp, msr, value->reg64)
				  ? HV_STATUS_SUCCESS
				  : HV_STATUS_INVALID_REGISTER_VALUE;
		return true;
	}
	if (dr >= 0) {
		/* MOV to DR6 with bits 63:32 set raises #GP (SDM Vol. 3B,
		 * 18.2.6); DR0-DR3 take any linear address. */
		if (value->reg128.high != 0 || (dr == 6 && (value->reg64 >> 32) != 0)) {
			*status = HV_STATUS_INVALID_REGISTER_VALUE;
			return true;
		}
		sk_plat_write_dr(vp, (unsigned int)dr, value->reg64);
		*status = HV_STATUS_SUCCESS;
		return true;
	}
	return false;
}
