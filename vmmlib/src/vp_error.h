/* SPDX-License-Identifier: MIT */
/* The errors of VP calls (vp_error.c). */
#ifndef VMM_VP_ERROR_H
#define VMM_VP_ERROR_H

#include <stdint.h>

#include "sidecar_vmm.h"

/* Each of the vmm_vp_fail* helpers records the error and returns `err`
 * (vmm_vp_fail_sidecar: -SIDECAR_VMM_ESIDECAR, vmm_vp_fail_hv:
 * -SIDECAR_VMM_EHV). */
void vmm_vp_error_reset(struct sidecar_vp *vp, uint32_t command);
int vmm_vp_fail(struct sidecar_vp *vp, enum sidecar_vmm_error_source source, int err,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int vmm_vp_fail_driver(struct sidecar_vp *vp, int err, const char *operation);
int vmm_vp_fail_sidecar(struct sidecar_vp *vp);
/* An HV status other than success from the command in vp->error.command;
 * the message names the registers vp->error.first_register and
 * register_count describe, if any. */
int vmm_vp_fail_hv(struct sidecar_vp *vp, hv_status_t status);

#endif /* VMM_VP_ERROR_H */
