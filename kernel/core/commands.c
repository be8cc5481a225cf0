// SPDX-License-Identifier: MIT
/*
 * The command handlers. The command page belongs to an untrusted user-mode
 * VMM, which can change it at any moment even while the sidecar owns it, so
 * every request field is read exactly once (through a volatile access the
 * compiler cannot repeat) into a local, and every count is bounded before it
 * is used. Nothing in the page can make a handler fault or loop.
 */
#include <sidecar/control_ops.h>
#include <stdarg.h>

#include "sk_commands.h"
#include "sk_local_registers.h"
#include "sk_error.h"
#include "sk_platform.h"

void sk_command_error(struct sidecar_command_page *cp, const char *fmt, ...)
{
	va_list ap;

	cp->has_error = 1;
	va_start(ap, fmt);
	sk_error_vformat(&cp->error, fmt, ap);
	va_end(ap);
}

/* The guest is the only VTL on this platform: the current one, or VTL 0
 * named explicitly, as VMMs written for OpenHCL do. */
static bool target_vtl_ok(hv_input_vtl_t vtl)
{
	if (vtl & HV_INPUT_VTL_RESERVED_MASK)
		return false;
	return !(vtl & HV_INPUT_VTL_USE_TARGET_VTL) || (vtl & HV_INPUT_VTL_TARGET_VTL_MASK) == 0;
}

/* DR6 goes to the backend when the backend switches it with the guest. */
static bool backend_owns(const struct sk_vp *vp, hv_register_name_t name)
{
	return name == HV_X64_REGISTER_DR6 && vp->backend && vp->backend->owns_dr6;
}

static hv_status_t get_one(struct sk_vp *vp, hv_register_name_t name,
			   union hv_register_value *value)
{
	hv_status_t status;

	if (!backend_owns(vp, name) && sk_local_register_get(vp, name, value, &status))
		return status;
	if (vp->backend && vp->backend->get_register)
		return vp->backend->get_register(vp, name, value);
	return HV_STATUS_UNKNOWN_REGISTER_NAME;
}

static hv_status_t set_one(struct sk_vp *vp, hv_register_name_t name,
			   const union hv_register_value *value)
{
	hv_status_t status;

	if (vp->backend && vp->backend->host_owns_mtrrs && sk_local_register_msr(name))
		return HV_STATUS_ACCESS_DENIED;
	if (!backend_owns(vp, name) && sk_local_register_set(vp, name, value, &status))
		return status;
	if (vp->backend && vp->backend->set_register)
		return vp->backend->set_register(vp, name, value);
	return HV_STATUS_UNKNOWN_REGISTER_NAME;
}

/*
 * GET/SET_VP_REGISTERS: up to SIDECAR_MAX_GET_SET_VP_REGISTERS associations;
 * stops at the first failure, whose HV_STATUS_* goes to `status` (as
 * OpenHCL, which stops at the first failing hypercall). The target VTL must
 * be the current one: there is no other on this platform.
 */
static void get_set_registers(struct sk_vp *vp, struct sidecar_command_page *cp, bool set)
{
	struct sidecar_get_set_vp_register_request *req = sidecar_request_get_set(cp);
	uint16_t count = READ_ONCE_FIELD(req->count);
	hv_input_vtl_t vtl = READ_ONCE_FIELD(req->target_vtl);
	hv_status_t status = HV_STATUS_SUCCESS;

	if (count > SIDECAR_MAX_GET_SET_VP_REGISTERS) {
		sk_command_error(cp, "invalid register count: %u (at most %u)", count,
				 (unsigned int)SIDECAR_MAX_GET_SET_VP_REGISTERS);
		return;
	}
	if (!target_vtl_ok(vtl)) {
		status = HV_STATUS_INVALID_PARAMETER;
		count = 0;
	}

	for (uint16_t i = 0; i < count; i++) {
		struct hv_register_assoc *assoc = &req->regs[i];
		hv_register_name_t name = READ_ONCE_FIELD(assoc->name);
		union hv_register_value value;

		if (set) {
			value.reg128.low = READ_ONCE_FIELD(assoc->value.reg128.low);
			value.reg128.high = READ_ONCE_FIELD(assoc->value.reg128.high);
			status = set_one(vp, name, &value);
		} else {
			value.reg128.low = 0;
			value.reg128.high = 0;
			status = get_one(vp, name, &value);
			if (status == HV_STATUS_SUCCESS)
				assoc->value = value;
		}
		if (status != HV_STATUS_SUCCESS)
			break;
	}
	req->status = status;
}

static const char *no_backend(const struct sk_vp *vp)
{
	if (vp->backend)
		return vp->backend->name; /* it lacks this operation */
	return vp->no_backend_reason ? vp->no_backend_reason : "none configured";
}

static void run_vp(struct sk_vp *vp, struct sidecar_command_page *cp)
{
	bool intercept = false;

	if (!vp->backend || !vp->backend->run_once) {
		sk_command_error(cp, "no VP backend: RUN_VP needs a guest backend (%s)",
				 no_backend(vp));
		return;
	}
	/* Run until an exit the VMM must see, or until the host asks for a
	 * stop; the request IPI that accompanies STOP interrupts the guest. */
	while (sidecar_cpu_status(vp->control, vp->index_in_node) != SIDECAR_CPU_STATUS_STOP) {
		enum sk_run_result r = vp->backend->run_once(vp, cp);

		if (r == SK_RUN_FAILED)
			return;
		if (r == SK_RUN_INTERCEPT) {
			intercept = true;
			break;
		}
	}
	sidecar_response_run_vp(cp)->intercept = intercept;
}

static void translate_gva(struct sk_vp *vp, struct sidecar_command_page *cp)
{
	struct sidecar_translate_gva_request *req = sidecar_request_translate_gva(cp);
	uint64_t gvn = READ_ONCE_FIELD(req->gvn);
	uint64_t flags = READ_ONCE_FIELD(req->control_flags);
	struct sidecar_translate_gva_response *resp = sidecar_response_translate_gva(cp);
	struct hv_translate_virtual_address_ex_output_x64 out = {0};
	hv_status_t status;

	if (!vp->backend || !vp->backend->translate_gva) {
		sk_command_error(cp, "no VP backend: TRANSLATE_GVA needs a guest backend (%s)",
				 no_backend(vp));
		return;
	}
	if (!target_vtl_ok((hv_input_vtl_t)(flags >> HV_TRANSLATE_GVA_INPUT_VTL_SHIFT)))
		status = HV_STATUS_INVALID_PARAMETER;
	else
		status = vp->backend->translate_gva(vp, gvn, flags, &out);
	/* The response overlays the request: write it only after the
	 * request has been read. */
	*resp = (struct sidecar_translate_gva_response){.status = status};
	if (status == HV_STATUS_SUCCESS)
		resp->output = out;
}

void sk_command_execute(struct sk_vp *vp)
{
	struct sidecar_command_page *cp = vp->command;
	uint32_t command = READ_ONCE_FIELD(cp->command);

	cp->command = SIDECAR_COMMAND_NONE;
	cp->has_error = 0;

	switch (command) {
	case SIDECAR_COMMAND_NONE:
		break;
	case SIDECAR_COMMAND_RUN_VP:
		run_vp(vp, cp);
		break;
	case SIDECAR_COMMAND_GET_VP_REGISTERS:
		get_set_registers(vp, cp, false);
		break;
	case SIDECAR_COMMAND_SET_VP_REGISTERS:
		get_set_registers(vp, cp, true);
		break;
	case SIDECAR_COMMAND_TRANSLATE_GVA:
		translate_gva(vp, cp);
		break;
	default:
		sk_command_error(cp, "unknown command %u", command);
		break;
	}
}
