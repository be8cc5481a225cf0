// SPDX-License-Identifier: MIT
/*
 * The errors of VP calls: what sidecar_vp_last_error() reports. Every VP
 * call resets the record first and fills it on failure through these
 * helpers (vp.c's synchronous commands, run.c's runs); they call only the
 * library's leaf files (format.c, names.c), so neither vp.c nor run.c
 * depends on the other for them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "vp_error.h"
#include "vmm_internal.h"

void vmm_vp_error_reset(struct sidecar_vp *vp, uint32_t command)
{
	vp->error.source = SIDECAR_VMM_ERROR_NONE;
	vp->error.err = 0;
	vp->error.command = command;
	vp->error.hv_status = HV_STATUS_SUCCESS;
	vp->error.first_register = 0;
	vp->error.register_count = 0;
	vp->error.message[0] = '\0';
}

int vmm_vp_fail(struct sidecar_vp *vp, enum sidecar_vmm_error_source source, int err,
		const char *fmt, ...)
{
	va_list ap;

	vp->error.source = source;
	vp->error.err = err;
	va_start(ap, fmt);
	if (vsnprintf(vp->error.message, sizeof(vp->error.message), fmt, ap) < 0)
		vp->error.message[0] = '\0';
	va_end(ap);
	return err;
}

int vmm_vp_fail_driver(struct sidecar_vp *vp, int err, const char *operation)
{
	char buf[128];

	switch (err) {
	case -EBUSY:
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_DRIVER, err,
				   "%s: cpu %u is busy with another command (another process?)",
				   operation, vp->cpu);
	case -ENOENT:
		return vmm_vp_fail(
			vp, SIDECAR_VMM_ERROR_DRIVER, err,
			"%s: cpu %u is not in the sidecar (converted to Linux, or removed)",
			operation, vp->cpu);
	case -EINTR:
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_DRIVER, err,
				   "%s: cpu %u: interrupted by a signal", operation, vp->cpu);
	default:
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_DRIVER, err, "%s: cpu %u: %s", operation,
				   vp->cpu, vmm_strerror(err, buf, sizeof(buf)));
	}
}

int vmm_vp_fail_sidecar(struct sidecar_vp *vp)
{
	const struct sidecar_command_error *e = &vp->page->error;
	size_t len = e->len;
	char text[sizeof(e->buf) + 1];

	if (len > sizeof(e->buf))
		len = sizeof(e->buf);
	/* The text is the sidecar's (UTF-8, not terminated); keep it one line. */
	for (size_t i = 0; i < len; i++) {
		uint8_t c = e->buf[i];

		text[i] = (char)(c < 0x20 || c == 0x7F ? ' ' : c);
	}
	text[len] = '\0';
	return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_SIDECAR, -SIDECAR_VMM_ESIDECAR, "%s",
			   len ? text : "the sidecar reported an error without a message");
}

int vmm_vp_fail_hv(struct sidecar_vp *vp, hv_status_t status)
{
	const char *name = sidecar_hv_status_name(status);
	const char *command = sidecar_command_name(vp->error.command);

	vp->error.hv_status = status;
	if (!name)
		name = "HV status";
	if (vp->error.register_count)
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_HV, -SIDECAR_VMM_EHV,
				   "%s: %s (0x%04x) in registers %zu-%zu", command, name, status,
				   vp->error.first_register,
				   vp->error.first_register + vp->error.register_count - 1);
	return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_HV, -SIDECAR_VMM_EHV, "%s: %s (0x%04x)", command,
			   name, status);
}

int sidecar_vp_last_error(const struct sidecar_vp *vp, struct sidecar_vp_error *error)
{
	if (!vp)
		return -EINVAL;
	if (error)
		*error = vp->error;
	return vp->error.err;
}

const char *sidecar_vp_error_message(const struct sidecar_vp *vp)
{
	return vp ? vp->error.message : "no VP";
}

hv_status_t sidecar_vp_hv_status(const struct sidecar_vp *vp)
{
	return vp ? vp->error.hv_status : HV_STATUS_SUCCESS;
}
