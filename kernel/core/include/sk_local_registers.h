/* SPDX-License-Identifier: MIT */
/* Registers kept on the sidecar's own CPU (kernel/core/local_registers.c). */
#ifndef SK_LOCAL_REGISTERS_H
#define SK_LOCAL_REGISTERS_H

#include "sk_vp.h"

/*
 * Registers that live on the sidecar's own CPU rather than in the guest
 * backend: the MTRRs and DR0-DR3, DR6 (as OpenHCL's sidecar). Returns false
 * if `name` is not one of them; otherwise the HV_STATUS_* in *status.
 */
bool sk_local_register_get(struct sk_vp *vp, hv_register_name_t name,
			   union hv_register_value *value, hv_status_t *status);
bool sk_local_register_set(struct sk_vp *vp, hv_register_name_t name,
			   const union hv_register_value *value, hv_status_t *status);

/* The MSR a local register name maps to, or 0. */
uint32_t sk_local_register_msr(hv_register_name_t name);

#endif /* SK_LOCAL_REGISTERS_H */
