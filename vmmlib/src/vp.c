// SPDX-License-Identifier: MIT
/*
 * VP ownership and the synchronous commands (their errors: vp_error.c). A
 * synchronous command is written into the VP's command page and run with
 * SIDECAR_IOCTL_RUN, which returns when the sidecar CPU is idle again; its
 * result is then read from the same page, as OpenHCL's client does:
 * has_error first (the sidecar refused the command), then the command's
 * HV status.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "vp_error.h"
#include "vmm_internal.h"

/* ---- Ownership ---- */

int sidecar_vp_acquire(struct sidecar_vmm *vmm, uint32_t cpu, struct sidecar_vp **out)
{
	struct vmm_node *node;
	struct sidecar_vp *vp;
	int n;

	if (!out)
		return -EINVAL;
	*out = NULL;
	n = sidecar_vmm_node_of(vmm, cpu);
	if (n < 0)
		return n;
	node = &vmm->nodes[n];
	vp = &node->vps[cpu - node->base_cpu];
	/* Acquire pairs with the release in sidecar_vp_release(): what the
	 * previous owner did to the VP happens before the new owner uses it. */
	if (atomic_exchange_explicit(&vp->owned, true, memory_order_acquire))
		return -EBUSY;
	vmm_vp_error_reset(vp, SIDECAR_COMMAND_NONE);
	*out = vp;
	return 0;
}

void sidecar_vp_release(struct sidecar_vp *vp)
{
	enum vmm_run_state state;

	if (!vp)
		return;
	pthread_mutex_lock(&vp->node->lock);
	state = vp->state;
	pthread_mutex_unlock(&vp->node->lock);
	if (state != VMM_RUN_NONE) {
		/* A run the owner did not wait for: stop it, and wait so that
		 * the next owner finds the VP idle. */
		sidecar_vp_cancel(vp);
		while (sidecar_vp_wait(vp, -1) == -EINTR)
			;
	}
	atomic_store_explicit(&vp->owned, false, memory_order_release);
}

uint32_t sidecar_vp_cpu(const struct sidecar_vp *vp)
{
	return vp ? vp->cpu : UINT32_MAX;
}

struct sidecar_cpu_context_x64 *sidecar_vp_cpu_context(struct sidecar_vp *vp)
{
	return vp ? &vp->page->cpu_context : NULL;
}

const struct hv_message *sidecar_vp_intercept_message(const struct sidecar_vp *vp)
{
	return vp ? &vp->page->intercept_message : NULL;
}

void *sidecar_vp_register_page(struct sidecar_vp *vp)
{
	return vp ? vp->register_page : NULL;
}

/* ---- Synchronous commands ---- */

/* Synchronous commands need the VP stopped: no run of sidecar_vp_start()
 * still unwaited. Only the owner starts runs, so the state cannot become
 * RUNNING behind our back once seen IDLE. */
static int check_stopped(struct sidecar_vp *vp)
{
	enum vmm_run_state state;

	pthread_mutex_lock(&vp->node->lock);
	state = vp->state;
	pthread_mutex_unlock(&vp->node->lock);
	if (state != VMM_RUN_NONE)
		return vmm_vp_fail(
			vp, SIDECAR_VMM_ERROR_ARGUMENT, -EBUSY,
			"%s: cpu %u has a run in progress: sidecar_vp_wait() for it first",
			sidecar_command_name(vp->error.command), vp->cpu);
	return 0;
}

/* Runs the command already in the page; 0 or a recorded error. */
static int run_sync(struct sidecar_vp *vp)
{
	struct sidecar_vmm *vmm = vp->node->vmm;
	char op[40];
	int r;

	r = VMM_CALL(vmm, ioctl_cpu, vp->node->fd, SIDECAR_IOCTL_RUN, vp->cpu);
	if (r < 0) {
		vmm_format(op, sizeof(op), "%s", sidecar_command_name(vp->error.command));
		return vmm_vp_fail_driver(vp, r, op);
	}
	if (vp->page->has_error)
		return vmm_vp_fail_sidecar(vp);
	return 0;
}

/* Starts a synchronous call: argument check and state. */
static int begin(struct sidecar_vp *vp, uint32_t command)
{
	vmm_vp_error_reset(vp, command);
	return check_stopped(vp);
}

int sidecar_vp_test(struct sidecar_vp *vp)
{
	int r;

	if (!vp)
		return -EINVAL;
	r = begin(vp, SIDECAR_COMMAND_NONE);
	if (r < 0)
		return r;
	vp->page->command = SIDECAR_COMMAND_NONE;
	return run_sync(vp);
}

/*
 * GET/SET_VP_REGISTERS in commands of up to 31 registers, stopping at the
 * first failing command (OpenHCL: regs.chunks(MAX_GET_SET_VP_REGISTERS)).
 * `in` has names (and values for SET); `out` receives GET's values.
 */
static int get_set(struct sidecar_vp *vp, bool set, hv_input_vtl_t vtl,
		   const struct hv_register_assoc *in, struct hv_register_assoc *out, size_t count)
{
	uint32_t command =
		set ? SIDECAR_COMMAND_SET_VP_REGISTERS : SIDECAR_COMMAND_GET_VP_REGISTERS;
	struct sidecar_get_set_vp_register_request *req;
	int r;

	if (!vp)
		return -EINVAL;
	vmm_vp_error_reset(vp, command);
	if (!in && count)
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -EINVAL,
				   "%s: NULL register array", sidecar_command_name(command));
	r = check_stopped(vp);
	if (r < 0)
		return r;

	req = sidecar_request_get_set(vp->page);
	for (size_t first = 0; first < count; first += SIDECAR_MAX_GET_SET_VP_REGISTERS) {
		size_t n = count - first;

		if (n > SIDECAR_MAX_GET_SET_VP_REGISTERS)
			n = SIDECAR_MAX_GET_SET_VP_REGISTERS;
		vp->error.first_register = first;
		vp->error.register_count = n;

		memset(req, 0, sizeof(*req));
		req->count = (uint16_t)n;
		req->target_vtl = vtl;
		for (size_t i = 0; i < n; i++) {
			struct hv_register_assoc *a = &req->regs[i];

			memset(a, 0, sizeof(*a));
			a->name = in[first + i].name;
			if (set)
				a->value = in[first + i].value;
		}
		vp->page->command = command;
		r = run_sync(vp);
		if (r < 0)
			return r;
		if (req->status != HV_STATUS_SUCCESS)
			return vmm_vp_fail_hv(vp, req->status);
		if (!set) {
			for (size_t i = 0; i < n; i++)
				out[first + i].value = req->regs[i].value;
		}
	}
	vp->error.first_register = 0;
	vp->error.register_count = 0;
	return 0;
}

int sidecar_vp_get_registers(struct sidecar_vp *vp, hv_input_vtl_t target_vtl,
			     struct hv_register_assoc *regs, size_t count)
{
	return get_set(vp, false, target_vtl, regs, regs, count);
}

int sidecar_vp_set_registers(struct sidecar_vp *vp, hv_input_vtl_t target_vtl,
			     const struct hv_register_assoc *regs, size_t count)
{
	return get_set(vp, true, target_vtl, regs, NULL, count);
}

int sidecar_vp_get_register(struct sidecar_vp *vp, hv_register_name_t name,
			    union hv_register_value *value)
{
	struct hv_register_assoc assoc = {.name = name};
	int r;

	if (vp && !value) {
		vmm_vp_error_reset(vp, SIDECAR_COMMAND_GET_VP_REGISTERS);
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -EINVAL,
				   "GET_VP_REGISTERS: NULL value");
	}
	r = get_set(vp, false, HV_INPUT_VTL_CURRENT, &assoc, &assoc, 1);
	if (r == 0)
		*value = assoc.value;
	return r;
}

int sidecar_vp_set_register(struct sidecar_vp *vp, hv_register_name_t name,
			    const union hv_register_value *value)
{
	struct hv_register_assoc assoc = {.name = name};

	if (vp && !value) {
		vmm_vp_error_reset(vp, SIDECAR_COMMAND_SET_VP_REGISTERS);
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -EINVAL,
				   "SET_VP_REGISTERS: NULL value");
	}
	if (value)
		assoc.value = *value;
	return get_set(vp, true, HV_INPUT_VTL_CURRENT, &assoc, NULL, 1);
}

int sidecar_vp_translate_gva(struct sidecar_vp *vp, uint64_t gvn, uint64_t control_flags,
			     struct hv_translate_virtual_address_ex_output_x64 *out)
{
	struct sidecar_translate_gva_request *req;
	struct sidecar_translate_gva_response *resp;
	int r;

	if (!vp)
		return -EINVAL;
	r = begin(vp, SIDECAR_COMMAND_TRANSLATE_GVA);
	if (r < 0)
		return r;
	if (!out)
		return vmm_vp_fail(vp, SIDECAR_VMM_ERROR_ARGUMENT, -EINVAL,
				   "TRANSLATE_GVA: NULL output");
	req = sidecar_request_translate_gva(vp->page);
	memset(vp->page->request_data, 0, sizeof(struct sidecar_translate_gva_response));
	req->gvn = gvn;
	req->control_flags = control_flags;
	vp->page->command = SIDECAR_COMMAND_TRANSLATE_GVA;
	r = run_sync(vp);
	if (r < 0)
		return r;
	resp = sidecar_response_translate_gva(vp->page);
	if (resp->status != HV_STATUS_SUCCESS)
		return vmm_vp_fail_hv(vp, resp->status);
	*out = resp->output;
	return 0;
}
