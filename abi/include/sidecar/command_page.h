/* SPDX-License-Identifier: MIT */
/*
 * The per-VP command page, shared between a sidecar CPU and the user-mode
 * VMM (binary-identical to OpenHCL's sidecar_defs::CommandPage).
 *
 * The VMM owns the page while the CPU's status is IDLE; the sidecar CPU owns
 * it from the moment the driver moves the status to RUN until the CPU moves
 * it back to IDLE. The sidecar kernel treats every byte as untrusted input:
 * it reads each request field once and bounds every count.
 */
#ifndef SIDECAR_COMMAND_PAGE_H
#define SIDECAR_COMMAND_PAGE_H

#include "abi_base.h"
#include "hvdef.h"
#include "params.h"

SIDECAR_EXTERN_C_BEGIN

/* enum SidecarCommand: u32 */
#define SIDECAR_COMMAND_NONE		 0u
#define SIDECAR_COMMAND_RUN_VP		 1u
#define SIDECAR_COMMAND_GET_VP_REGISTERS 2u
#define SIDECAR_COMMAND_SET_VP_REGISTERS 3u
#define SIDECAR_COMMAND_TRANSLATE_GVA	 4u

/*
 * The legacy FXSAVE image, 64-bit format (Intel SDM Vol. 1, 10.5.1), as
 * OpenHCL's x86defs::xsave::Fxsave: repr(C) without an alignment attribute,
 * so aligned 8 (its widest field), field names as there. FXSAVE and FXRSTOR
 * fault on an operand that is not 16-byte aligned (SDM Vol. 2A, FXSAVE):
 * code that executes them on a struct x86_fxsave of its own must align it
 * itself. The one in sidecar_cpu_context_x64 sits at offset 128 of a
 * 16-byte-aligned structure, so it is 16-byte aligned there.
 */
struct x86_fxsave {
	uint16_t fcw;
	uint16_t fsw;
	uint8_t ftw;
	uint8_t reserved;
	uint16_t fop;
	uint64_t fip;
	uint64_t fdp;
	uint32_t mxcsr;
	uint32_t mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t reserved2[48];
	uint8_t unused[48];
};
SIDECAR_ASSERT_SIZE(struct x86_fxsave, 512);
SIDECAR_ASSERT_ALIGN(struct x86_fxsave, 8);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, fcw, 0);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, fsw, 2);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, ftw, 4);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, reserved, 5);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, fop, 6);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, fip, 8);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, fdp, 16);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, mxcsr, 24);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, mxcsr_mask, 28);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, st, 32);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, xmm, 160);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, reserved2, 416);
SIDECAR_ASSERT_OFFSET(struct x86_fxsave, unused, 464);

/* Indexes into sidecar_cpu_context_x64.gps: the usual order, CR2 in RSP's place. */
#define SIDECAR_CPU_CONTEXT_RAX 0
#define SIDECAR_CPU_CONTEXT_RCX 1
#define SIDECAR_CPU_CONTEXT_RDX 2
#define SIDECAR_CPU_CONTEXT_RBX 3
#define SIDECAR_CPU_CONTEXT_CR2 4
#define SIDECAR_CPU_CONTEXT_RBP 5
#define SIDECAR_CPU_CONTEXT_RSI 6
#define SIDECAR_CPU_CONTEXT_RDI 7
#define SIDECAR_CPU_CONTEXT_R8	8
#define SIDECAR_CPU_CONTEXT_R9	9
#define SIDECAR_CPU_CONTEXT_R10 10
#define SIDECAR_CPU_CONTEXT_R11 11
#define SIDECAR_CPU_CONTEXT_R12 12
#define SIDECAR_CPU_CONTEXT_R13 13
#define SIDECAR_CPU_CONTEXT_R14 14
#define SIDECAR_CPU_CONTEXT_R15 15

struct sidecar_cpu_context_x64 {
	SIDECAR_ALIGNAS(16) uint64_t gps[16];
	struct x86_fxsave fx_state;
	uint8_t reserved[384];
};
SIDECAR_ASSERT_SIZE(struct sidecar_cpu_context_x64, 1024);
SIDECAR_ASSERT_ALIGN(struct sidecar_cpu_context_x64, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_cpu_context_x64, gps, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_cpu_context_x64, fx_state, 128);
SIDECAR_ASSERT_OFFSET(struct sidecar_cpu_context_x64, reserved, 640);

/* The size of command_page.request_data, in bytes. */
#define SIDECAR_REQUEST_DATA_SIZE 1024

/*
 * GET_VP_REGISTERS and SET_VP_REGISTERS: this header, then `count` register
 * associations in place (values filled in by GET).
 */
struct sidecar_get_set_vp_register_request {
	uint16_t count;
	hv_input_vtl_t target_vtl;
	uint8_t rsvd;
	hv_status_t status; /* output: HV_STATUS_* of the first failure */
	uint8_t rsvd2[10];
	SIDECAR_FLEX_ARRAY(struct hv_register_assoc, regs);
};
SIDECAR_ASSERT_SIZE(struct sidecar_get_set_vp_register_request, 16);
SIDECAR_ASSERT_ALIGN(struct sidecar_get_set_vp_register_request, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, count, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, target_vtl, 2);
SIDECAR_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, rsvd, 3);
SIDECAR_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, status, 4);
SIDECAR_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, rsvd2, 6);
SIDECAR_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, regs, 16);

/* The most registers one GET/SET_VP_REGISTERS command carries: 31. */
#define SIDECAR_MAX_GET_SET_VP_REGISTERS                                                           \
	((SIDECAR_REQUEST_DATA_SIZE - sizeof(struct sidecar_get_set_vp_register_request)) /        \
	 sizeof(struct hv_register_assoc))
SIDECAR_STATIC_ASSERT(SIDECAR_MAX_GET_SET_VP_REGISTERS == 31,
		      "SIDECAR_MAX_GET_SET_VP_REGISTERS must be 31");

struct sidecar_translate_gva_request {
	/* The guest virtual page number. */
	uint64_t gvn;
	/* HV_TRANSLATE_GVA_* flags, input VTL in bits 56-63. */
	uint64_t control_flags;
};
SIDECAR_ASSERT_SIZE(struct sidecar_translate_gva_request, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_translate_gva_request, gvn, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_translate_gva_request, control_flags, 8);

struct sidecar_translate_gva_response {
	SIDECAR_ALIGNAS(16) hv_status_t status;
	uint16_t rsvd[7];
	struct hv_translate_virtual_address_ex_output_x64 output;
};
SIDECAR_ASSERT_SIZE(struct sidecar_translate_gva_response, 80);
SIDECAR_ASSERT_ALIGN(struct sidecar_translate_gva_response, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_translate_gva_response, status, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_translate_gva_response, rsvd, 2);
SIDECAR_ASSERT_OFFSET(struct sidecar_translate_gva_response, output, 16);

struct sidecar_run_vp_response {
	/* Non-zero if the VP stopped because of an intercept; the message is
	 * in command_page.intercept_message. */
	uint8_t intercept;
};
SIDECAR_ASSERT_SIZE(struct sidecar_run_vp_response, 1);

struct sidecar_command_page {
	/* SIDECAR_COMMAND_*; the sidecar replaces it with NONE when it takes it. */
	SIDECAR_ALIGNAS(16) uint32_t command;
	/* Non-zero if the command failed; the reason is in error. */
	uint8_t has_error;
	uint8_t padding[11];
	/* Guest GPRs and FX state, loaded by RUN_VP and saved when it returns. */
	struct sidecar_cpu_context_x64 cpu_context;
	/* The message of the last intercept. */
	struct hv_message intercept_message;
	/* The error, if has_error is non-zero. */
	struct sidecar_command_error error;
	/* Request and response data (u128 array in OpenHCL). */
	struct hv_u128 request_data[SIDECAR_REQUEST_DATA_SIZE / 16];
	uint64_t reserved[190];
};
SIDECAR_ASSERT_SIZE(struct sidecar_command_page, SIDECAR_PAGE_SIZE);
SIDECAR_ASSERT_ALIGN(struct sidecar_command_page, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, command, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, has_error, 4);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, padding, 5);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, cpu_context, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, intercept_message, 1040);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, error, 1296);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, request_data, 1552);
SIDECAR_ASSERT_OFFSET(struct sidecar_command_page, reserved, 2576);

/*
 * Typed views of request_data. The command page is shared memory with no
 * declared C type for these bytes, so the VMM and the sidecar read each
 * request through the same structure it was written with.
 */
static inline struct sidecar_get_set_vp_register_request *
sidecar_request_get_set(struct sidecar_command_page *page)
{
	return (struct sidecar_get_set_vp_register_request *)(void *)page->request_data;
}

static inline struct sidecar_translate_gva_request *
sidecar_request_translate_gva(struct sidecar_command_page *page)
{
	return (struct sidecar_translate_gva_request *)(void *)page->request_data;
}

static inline struct sidecar_translate_gva_response *
sidecar_response_translate_gva(struct sidecar_command_page *page)
{
	return (struct sidecar_translate_gva_response *)(void *)page->request_data;
}

static inline struct sidecar_run_vp_response *
sidecar_response_run_vp(struct sidecar_command_page *page)
{
	return (struct sidecar_run_vp_response *)(void *)page->request_data;
}

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_COMMAND_PAGE_H */
