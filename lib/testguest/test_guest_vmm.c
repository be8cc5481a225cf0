// SPDX-License-Identifier: MIT
#include <cpuid.h>
#include <string.h>

#include "test_guest_vmm.h"

int tg_vmm_reset(struct sidecar_vp *vp, uint32_t slot)
{
	struct hv_register_assoc regs[SIDECAR_MAX_GET_SET_VP_REGISTERS];
	size_t n = tg_setup_registers(regs, slot);
	struct sidecar_cpu_context_x64 *ctx = sidecar_vp_cpu_context(vp);

	memset(ctx->gps, 0, sizeof(ctx->gps));
	tg_reset_fx(&ctx->fx_state);
	return sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, n);
}

int tg_vmm_set_rip(struct sidecar_vp *vp, uint64_t rip)
{
	union hv_register_value v = {.reg64 = rip};

	return sidecar_vp_set_register(vp, HV_X64_REGISTER_RIP, &v);
}

struct tg_cpuid tg_host_leaf1(void)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid(1, eax, ebx, ecx, edx);
	return (struct tg_cpuid){eax, ebx, ecx, edx};
}
