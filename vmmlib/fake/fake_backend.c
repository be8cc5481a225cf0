// SPDX-License-Identifier: MIT
/*
 * The fake VP backend of the unit tests' driver (fake_driver.h): a
 * register file per CPU and a run loop whose behaviour the test chooses,
 * run by the hosted sidecar core on each CPU's thread.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fake_internal.h"
#include "sk_commands.h"
#include "sidecar_vmm.h"

/* ---- The fake VP backend ---- */

static struct fake_vp *cpu_of_vp(struct sk_vp *vp)
{
	return vp->backend_state;
}

static union hv_register_value *find_reg(struct fake_vp *c, hv_register_name_t name, bool add)
{
	for (unsigned int i = 0; i < c->nregs; i++) {
		if (c->regs[i].name == name)
			return &c->regs[i].value;
	}
	if (!add || c->nregs == FAKE_REGS_PER_CPU)
		return NULL;
	c->regs[c->nregs].name = name;
	memset(&c->regs[c->nregs].value, 0, sizeof(c->regs[c->nregs].value));
	return &c->regs[c->nregs++].value;
}

static hv_status_t fake_get(struct sk_vp *vp, hv_register_name_t name,
			    union hv_register_value *value)
{
	union hv_register_value *v;

	if (!sidecar_vmm_register_name(name))
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	v = find_reg(cpu_of_vp(vp), name, false);
	if (v)
		*value = *v;
	else
		memset(value, 0, sizeof(*value));
	return HV_STATUS_SUCCESS;
}

static hv_status_t fake_set(struct sk_vp *vp, hv_register_name_t name,
			    const union hv_register_value *value)
{
	union hv_register_value *v;

	if (!sidecar_vmm_register_name(name))
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	/* A 64-bit register with bits above 63 set is not a valid value. */
	if (sidecar_vmm_register_kind(name) == SIDECAR_REGISTER_U64 && value->reg128.high)
		return HV_STATUS_INVALID_REGISTER_VALUE;
	v = find_reg(cpu_of_vp(vp), name, true);
	if (!v)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	*v = *value;
	return HV_STATUS_SUCCESS;
}

static void fill_header(struct sk_vp *vp, struct hv_x64_intercept_message_header *h, uint8_t length)
{
	union hv_register_value *rip = find_reg(cpu_of_vp(vp), HV_X64_REGISTER_RIP, false);

	memset(h, 0, sizeof(*h));
	h->vp_index = vp->vp_index;
	h->instruction_length_and_cr8 = length;
	h->intercept_access_type = HV_INTERCEPT_ACCESS_WRITE;
	h->rip = rip ? rip->reg64 : 0;
	h->rflags = 0x2;
}

static enum sk_run_result fake_run_once(struct sk_vp *vp, struct sidecar_command_page *cp)
{
	struct fake_vp *c = cpu_of_vp(vp);
	int mode = atomic_load(&c->mode);
	struct hv_message *m = &cp->intercept_message;

	atomic_fetch_add(&c->runs, 1);
	/* vp->commands only changes between commands: a new value is a new
	 * RUN_VP. */
	if (c->last_command != vp->commands + 1) {
		c->last_command = vp->commands + 1;
		c->attempts = 0;
	}
	c->attempts++;
	switch (mode) {
	case FAKE_RUN_FAIL:
		sk_command_error(cp, "guest state invalid on VP %u", vp->vp_index);
		return SK_RUN_FAILED;
	case FAKE_RUN_IO:
	case FAKE_RUN_HALT:
		if (c->attempts < atomic_load(&c->after))
			return SK_RUN_CONTINUE;
		memset(m, 0, sizeof(*m));
		/* The guest "executed" something: RCX counts the exits. */
		cp->cpu_context.gps[SIDECAR_CPU_CONTEXT_RCX]++;
		if (mode == FAKE_RUN_IO) {
			struct hv_x64_io_port_intercept_message io;

			memset(&io, 0, sizeof(io));
			fill_header(vp, &io.header, 2); /* out 0xe9, al */
			io.port_number = 0xE9;
			io.access_info = 1;
			io.rax = cp->cpu_context.gps[SIDECAR_CPU_CONTEXT_RAX];
			m->header.typ = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT;
			m->header.len = sizeof(io);
			memcpy(m->payload_buffer, &io, sizeof(io));
		} else {
			struct hv_x64_halt_message halt;

			fill_header(vp, &halt.header, 1);
			m->header.typ = HV_MESSAGE_TYPE_X64_HALT;
			m->header.len = sizeof(halt);
			memcpy(m->payload_buffer, &halt, sizeof(halt));
		}
		return SK_RUN_INTERCEPT;
	default: {
		/* Spinning: give the other threads (and TSan) room. */
		struct timespec ts = {0, 20000};

		nanosleep(&ts, NULL);
		return SK_RUN_CONTINUE;
	}
	}
}

static hv_status_t fake_translate(struct sk_vp *vp, uint64_t gvn, uint64_t flags,
				  struct hv_translate_virtual_address_ex_output_x64 *out)
{
	(void)vp;
	/* 48-bit virtual addresses: 36-bit page numbers. */
	if (gvn >> 36)
		return HV_STATUS_INVALID_PARAMETER;
	if (flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE) {
		out->translation_result.result = HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
		return HV_STATUS_SUCCESS;
	}
	out->translation_result.result =
		HV_TRANSLATE_GVA_SUCCESS |
		((uint64_t)HV_CACHE_TYPE_WRITE_BACK << HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT);
	out->gpa_page = gvn + 0x100;
	return HV_STATUS_SUCCESS;
}

const struct sk_vp_backend fake_vp_backend = {
	.name = "fake",
	.run_once = fake_run_once,
	.get_register = fake_get,
	.set_register = fake_set,
	.translate_gva = fake_translate,
};

void fake_vp_backend_init(struct fake_vp *c)
{
	atomic_init(&c->mode, FAKE_RUN_SPIN);
	atomic_init(&c->after, 1);
	atomic_init(&c->runs, 0);
	c->hc.vp.backend = &fake_vp_backend;
	c->hc.vp.backend_state = c;
}
