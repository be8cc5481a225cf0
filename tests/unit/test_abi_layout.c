// SPDX-License-Identifier: MIT
/*
 * The ABI layout, checked again at run time (the headers already assert it
 * at compile time), and round trips: structures filled through their C
 * fields and read back as bytes at the offsets docs/abi.md documents, which
 * are those of OpenHCL's sidecar_defs and hvdef crates.
 */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <sidecar_defs.h>

#define CHECK_SIZE(type, size) cr_expect_eq(sizeof(type), (size_t)(size), "sizeof(%s)", #type)
#define CHECK_ALIGN(type, al) cr_expect_eq(alignof(type), (size_t)(al), "alignof(%s)", #type)
#define CHECK_OFF(type, field, off) \
	cr_expect_eq(offsetof(type, field), (size_t)(off), "offsetof(%s, %s)", #type, #field)

static uint64_t le64(const void *base, size_t off)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const void *base, size_t off)
{
	const uint8_t *p = (const uint8_t *)base + off;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const void *base, size_t off)
{
	const uint8_t *p = (const uint8_t *)base + off;

	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t byte_at(const void *base, size_t off)
{
	return ((const uint8_t *)base)[off];
}

Test(abi_layout, constants)
{
	cr_expect_eq(SIDECAR_PAGE_SIZE, 4096);
	cr_expect_eq(SIDECAR_MAX_NODES, 128);
	cr_expect_eq(SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE, 1000);
	cr_expect_eq(SIDECAR_STACK_PAGES, 3);
	cr_expect_eq(SIDECAR_PER_VP_PAGES, 11);
	cr_expect_eq(SIDECAR_PER_VP_SHMEM_PAGES, 2);
	cr_expect_eq(SIDECAR_MAX_GET_SET_VP_REGISTERS, 31);
	cr_expect_eq(SIDECAR_MAX_CPUS_PER_NODE, 4032);
	cr_expect_eq(HV_MESSAGE_SIZE, 256);
	cr_expect_eq(HV_MESSAGE_PAYLOAD_SIZE, 240);
}

Test(abi_layout, enum_values)
{
	cr_expect_eq(SIDECAR_CPU_STATUS_REMOVED, 0);
	cr_expect_eq(SIDECAR_CPU_STATUS_IDLE, 1);
	cr_expect_eq(SIDECAR_CPU_STATUS_RUN, 2);
	cr_expect_eq(SIDECAR_CPU_STATUS_STOP, 3);
	cr_expect_eq(SIDECAR_CPU_STATUS_REMOVE, 4);
	cr_expect_eq(SIDECAR_COMMAND_NONE, 0);
	cr_expect_eq(SIDECAR_COMMAND_RUN_VP, 1);
	cr_expect_eq(SIDECAR_COMMAND_GET_VP_REGISTERS, 2);
	cr_expect_eq(SIDECAR_COMMAND_SET_VP_REGISTERS, 3);
	cr_expect_eq(SIDECAR_COMMAND_TRANSLATE_GVA, 4);
	cr_expect_eq(HV_STATUS_SUCCESS, 0);
	cr_expect_eq(HV_STATUS_INVALID_PARAMETER, 5);
	cr_expect_eq(HV_STATUS_UNKNOWN_REGISTER_NAME, 0x87);
	cr_expect_eq(HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, 0x80010000u);
	cr_expect_eq(HV_MESSAGE_TYPE_UNMAPPED_GPA, 0x80000000u);
	cr_expect_eq(HV_X64_REGISTER_DR6, 0x00050004u);
	cr_expect_eq(HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000, 0x0008007Au);
	cr_expect_eq(HV_TRANSLATE_GVA_GPA_UNACCEPTED, 9);
}

Test(abi_layout, required_memory)
{
	/* (1 + 13 * n) pages */
	cr_expect_eq(sidecar_required_memory(0), 4096u);
	cr_expect_eq(sidecar_required_memory(1), 14u * 4096);
	cr_expect_eq(sidecar_required_memory(17), (1u + 13 * 17) * 4096);
	cr_expect_eq(sidecar_required_memory(32), (1u + 13 * 32) * 4096);
	cr_expect_eq(sidecar_required_memory(4032), (1ull + 13 * 4032) * 4096);
	cr_expect_eq(sidecar_required_memory(UINT32_MAX), (1ull + 13ull * UINT32_MAX) * 4096,
		     "no 32-bit overflow");
	/* Usable in a constant expression through the macro. */
	static const char fits[SIDECAR_REQUIRED_MEMORY(2) == 27 * 4096 ? 1 : -1] = { 0 };
	(void)fits;
}

Test(abi_layout, params)
{
	CHECK_SIZE(struct sidecar_params, 4096);
	CHECK_ALIGN(struct sidecar_params, 4096);
	CHECK_OFF(struct sidecar_params, hypercall_page, 0);
	CHECK_OFF(struct sidecar_params, enable_logging, 8);
	CHECK_OFF(struct sidecar_params, node_count, 12);
	CHECK_OFF(struct sidecar_params, nodes, 16);
	CHECK_OFF(struct sidecar_params, initial_state, 3088);
	CHECK_SIZE(struct sidecar_node_params, 24);
	CHECK_OFF(struct sidecar_node_params, memory_base, 0);
	CHECK_OFF(struct sidecar_node_params, memory_size, 8);
	CHECK_OFF(struct sidecar_node_params, base_vp, 16);
	CHECK_OFF(struct sidecar_node_params, vp_count, 20);
	CHECK_SIZE(struct sidecar_per_cpu_state, 1001);
	CHECK_OFF(struct sidecar_per_cpu_state, per_cpu_state_specified, 0);
	CHECK_OFF(struct sidecar_per_cpu_state, sidecar_starts_cpu, 1);
}

Test(abi_layout, output)
{
	CHECK_SIZE(struct sidecar_output, 3328);
	CHECK_ALIGN(struct sidecar_output, 8);
	CHECK_OFF(struct sidecar_output, error, 0);
	CHECK_OFF(struct sidecar_output, nodes, 256);
	CHECK_SIZE(struct sidecar_node_output, 24);
	CHECK_OFF(struct sidecar_node_output, control_page, 0);
	CHECK_OFF(struct sidecar_node_output, shmem_pages_base, 8);
	CHECK_OFF(struct sidecar_node_output, shmem_pages_size, 16);
	CHECK_SIZE(struct sidecar_command_error, 256);
	CHECK_OFF(struct sidecar_command_error, len, 0);
	CHECK_OFF(struct sidecar_command_error, buf, 1);
}

Test(abi_layout, control_page)
{
	CHECK_SIZE(struct sidecar_control_page, 4096);
	CHECK_ALIGN(struct sidecar_control_page, 4096);
	CHECK_OFF(struct sidecar_control_page, index, 0);
	CHECK_OFF(struct sidecar_control_page, base_cpu, 4);
	CHECK_OFF(struct sidecar_control_page, cpu_count, 8);
	CHECK_OFF(struct sidecar_control_page, request_vector, 12);
	CHECK_OFF(struct sidecar_control_page, response_cpu, 16);
	CHECK_OFF(struct sidecar_control_page, response_vector, 20);
	CHECK_OFF(struct sidecar_control_page, needs_attention, 24);
	CHECK_OFF(struct sidecar_control_page, reserved, 28);
	CHECK_OFF(struct sidecar_control_page, cpu_status, 64);
}

Test(abi_layout, command_page)
{
	CHECK_SIZE(struct sidecar_command_page, 4096);
	CHECK_ALIGN(struct sidecar_command_page, 16);
	CHECK_OFF(struct sidecar_command_page, command, 0);
	CHECK_OFF(struct sidecar_command_page, has_error, 4);
	CHECK_OFF(struct sidecar_command_page, padding, 5);
	CHECK_OFF(struct sidecar_command_page, cpu_context, 16);
	CHECK_OFF(struct sidecar_command_page, intercept_message, 1040);
	CHECK_OFF(struct sidecar_command_page, error, 1296);
	CHECK_OFF(struct sidecar_command_page, request_data, 1552);
	CHECK_OFF(struct sidecar_command_page, reserved, 2576);

	CHECK_SIZE(struct sidecar_cpu_context_x64, 1024);
	CHECK_ALIGN(struct sidecar_cpu_context_x64, 16);
	CHECK_OFF(struct sidecar_cpu_context_x64, gps, 0);
	CHECK_OFF(struct sidecar_cpu_context_x64, fx_state, 128);
	CHECK_OFF(struct sidecar_cpu_context_x64, reserved, 640);

	CHECK_SIZE(struct x86_fxsave, 512);
	CHECK_ALIGN(struct x86_fxsave, 16);
	CHECK_OFF(struct x86_fxsave, fcw, 0);
	CHECK_OFF(struct x86_fxsave, fsw, 2);
	CHECK_OFF(struct x86_fxsave, ftw, 4);
	CHECK_OFF(struct x86_fxsave, fop, 6);
	CHECK_OFF(struct x86_fxsave, fip, 8);
	CHECK_OFF(struct x86_fxsave, fdp, 16);
	CHECK_OFF(struct x86_fxsave, mxcsr, 24);
	CHECK_OFF(struct x86_fxsave, mxcsr_mask, 28);
	CHECK_OFF(struct x86_fxsave, st, 32);
	CHECK_OFF(struct x86_fxsave, xmm, 160);
	CHECK_OFF(struct x86_fxsave, reserved2, 416);
	CHECK_OFF(struct x86_fxsave, available, 464);
}

Test(abi_layout, requests)
{
	CHECK_SIZE(struct sidecar_get_set_vp_register_request, 16);
	CHECK_ALIGN(struct sidecar_get_set_vp_register_request, 16);
	CHECK_OFF(struct sidecar_get_set_vp_register_request, count, 0);
	CHECK_OFF(struct sidecar_get_set_vp_register_request, target_vtl, 2);
	CHECK_OFF(struct sidecar_get_set_vp_register_request, rsvd, 3);
	CHECK_OFF(struct sidecar_get_set_vp_register_request, status, 4);
	CHECK_OFF(struct sidecar_get_set_vp_register_request, rsvd2, 6);
	CHECK_OFF(struct sidecar_get_set_vp_register_request, regs, 16);

	CHECK_SIZE(struct sidecar_translate_gva_request, 16);
	CHECK_OFF(struct sidecar_translate_gva_request, gvn, 0);
	CHECK_OFF(struct sidecar_translate_gva_request, control_flags, 8);

	CHECK_SIZE(struct sidecar_translate_gva_response, 80);
	CHECK_ALIGN(struct sidecar_translate_gva_response, 16);
	CHECK_OFF(struct sidecar_translate_gva_response, status, 0);
	CHECK_OFF(struct sidecar_translate_gva_response, rsvd, 2);
	CHECK_OFF(struct sidecar_translate_gva_response, output, 16);

	CHECK_SIZE(struct sidecar_run_vp_response, 1);
	CHECK_OFF(struct sidecar_run_vp_response, intercept, 0);
}

Test(abi_layout, hv_types)
{
	CHECK_SIZE(struct hv_u128, 16);
	CHECK_ALIGN(struct hv_u128, 16);
	CHECK_SIZE(union hv_register_value, 16);
	CHECK_ALIGN(union hv_register_value, 16);
	CHECK_SIZE(struct hv_register_assoc, 32);
	CHECK_ALIGN(struct hv_register_assoc, 16);
	CHECK_OFF(struct hv_register_assoc, name, 0);
	CHECK_OFF(struct hv_register_assoc, pad, 4);
	CHECK_OFF(struct hv_register_assoc, value, 16);

	CHECK_SIZE(struct hv_x64_segment_register, 16);
	CHECK_OFF(struct hv_x64_segment_register, base, 0);
	CHECK_OFF(struct hv_x64_segment_register, limit, 8);
	CHECK_OFF(struct hv_x64_segment_register, selector, 12);
	CHECK_OFF(struct hv_x64_segment_register, attributes, 14);
	CHECK_SIZE(struct hv_x64_table_register, 16);
	CHECK_OFF(struct hv_x64_table_register, pad, 0);
	CHECK_OFF(struct hv_x64_table_register, limit, 6);
	CHECK_OFF(struct hv_x64_table_register, base, 8);

	CHECK_SIZE(struct hv_message_header, 16);
	CHECK_OFF(struct hv_message_header, typ, 0);
	CHECK_OFF(struct hv_message_header, len, 4);
	CHECK_OFF(struct hv_message_header, flags, 5);
	CHECK_OFF(struct hv_message_header, rsvd, 6);
	CHECK_OFF(struct hv_message_header, id, 8);
	CHECK_SIZE(struct hv_message, 256);
	CHECK_ALIGN(struct hv_message, 16);
	CHECK_OFF(struct hv_message, header, 0);
	CHECK_OFF(struct hv_message, payload_buffer, 16);

	CHECK_SIZE(struct hv_x64_pending_event, 32);
	CHECK_SIZE(struct hv_translate_gva_result_ex_x64, 0x30);
	CHECK_OFF(struct hv_translate_gva_result_ex_x64, result, 0);
	CHECK_OFF(struct hv_translate_gva_result_ex_x64, reserved, 8);
	CHECK_OFF(struct hv_translate_gva_result_ex_x64, event_info, 16);
	CHECK_SIZE(struct hv_translate_virtual_address_ex_output_x64, 0x40);
	CHECK_OFF(struct hv_translate_virtual_address_ex_output_x64, translation_result, 0);
	CHECK_OFF(struct hv_translate_virtual_address_ex_output_x64, gpa_page, 0x30);
	CHECK_OFF(struct hv_translate_virtual_address_ex_output_x64, reserved, 0x38);
}

Test(abi_layout, intercept_messages)
{
	CHECK_SIZE(struct hv_x64_intercept_message_header, 40);
	CHECK_OFF(struct hv_x64_intercept_message_header, vp_index, 0);
	CHECK_OFF(struct hv_x64_intercept_message_header, instruction_length_and_cr8, 4);
	CHECK_OFF(struct hv_x64_intercept_message_header, intercept_access_type, 5);
	CHECK_OFF(struct hv_x64_intercept_message_header, execution_state, 6);
	CHECK_OFF(struct hv_x64_intercept_message_header, cs_segment, 8);
	CHECK_OFF(struct hv_x64_intercept_message_header, rip, 24);
	CHECK_OFF(struct hv_x64_intercept_message_header, rflags, 32);

	CHECK_SIZE(struct hv_x64_io_port_intercept_message, 128);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, port_number, 40);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, access_info, 42);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, instruction_byte_count, 43);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, reserved, 44);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, rax, 48);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, instruction_bytes, 56);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, ds_segment, 72);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, es_segment, 88);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, rcx, 104);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, rsi, 112);
	CHECK_OFF(struct hv_x64_io_port_intercept_message, rdi, 120);

	CHECK_SIZE(struct hv_x64_memory_intercept_message, 80);
	CHECK_OFF(struct hv_x64_memory_intercept_message, cache_type, 40);
	CHECK_OFF(struct hv_x64_memory_intercept_message, instruction_byte_count, 44);
	CHECK_OFF(struct hv_x64_memory_intercept_message, memory_access_info, 45);
	CHECK_OFF(struct hv_x64_memory_intercept_message, tpr_priority, 46);
	CHECK_OFF(struct hv_x64_memory_intercept_message, reserved, 47);
	CHECK_OFF(struct hv_x64_memory_intercept_message, guest_virtual_address, 48);
	CHECK_OFF(struct hv_x64_memory_intercept_message, guest_physical_address, 56);
	CHECK_OFF(struct hv_x64_memory_intercept_message, instruction_bytes, 64);

	CHECK_SIZE(struct hv_x64_msr_intercept_message, 64);
	CHECK_OFF(struct hv_x64_msr_intercept_message, msr_number, 40);
	CHECK_OFF(struct hv_x64_msr_intercept_message, reserved, 44);
	CHECK_OFF(struct hv_x64_msr_intercept_message, rdx, 48);
	CHECK_OFF(struct hv_x64_msr_intercept_message, rax, 56);

	CHECK_SIZE(struct hv_x64_cpuid_intercept_message, 104);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, rax, 40);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, rcx, 48);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, rdx, 56);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, rbx, 64);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, default_result_rax, 72);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, default_result_rcx, 80);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, default_result_rdx, 88);
	CHECK_OFF(struct hv_x64_cpuid_intercept_message, default_result_rbx, 96);

	CHECK_SIZE(struct hv_x64_exception_intercept_message, 240);
	CHECK_OFF(struct hv_x64_exception_intercept_message, vector, 40);
	CHECK_OFF(struct hv_x64_exception_intercept_message, exception_info, 42);
	CHECK_OFF(struct hv_x64_exception_intercept_message, instruction_byte_count, 43);
	CHECK_OFF(struct hv_x64_exception_intercept_message, error_code, 44);
	CHECK_OFF(struct hv_x64_exception_intercept_message, exception_parameter, 48);
	CHECK_OFF(struct hv_x64_exception_intercept_message, instruction_bytes, 64);
	CHECK_OFF(struct hv_x64_exception_intercept_message, ds_segment, 80);
	CHECK_OFF(struct hv_x64_exception_intercept_message, ss_segment, 96);
	CHECK_OFF(struct hv_x64_exception_intercept_message, rax, 112);
	CHECK_OFF(struct hv_x64_exception_intercept_message, rsp, 144);
	CHECK_OFF(struct hv_x64_exception_intercept_message, r15, 232);

	CHECK_SIZE(struct hv_x64_halt_message, 40);
	CHECK_SIZE(struct hv_x64_unrecoverable_exception_message, 40);
}

/* ---- Round trips ---- */

Test(abi_roundtrip, command_page_get_registers)
{
	static struct sidecar_command_page page;
	struct sidecar_get_set_vp_register_request *req;
	const uint8_t *raw = (const uint8_t *)&page;

	memset(&page, 0xA5, sizeof(page));
	page.command = SIDECAR_COMMAND_GET_VP_REGISTERS;
	page.has_error = 1;
	page.error.len = 3;
	memcpy(page.error.buf, "bad", 3);
	page.cpu_context.gps[SIDECAR_CPU_CONTEXT_CR2] = 0x1122334455667788ull;
	page.cpu_context.gps[SIDECAR_CPU_CONTEXT_R15] = 0xF15F15F15ull;
	page.cpu_context.fx_state.mxcsr = 0x1F80;
	page.cpu_context.fx_state.xmm[3][0] = 0x33;

	req = sidecar_request_get_set(&page);
	req->count = 3;
	req->target_vtl = HV_INPUT_VTL_USE_TARGET_VTL | 2;
	req->rsvd = 0;
	req->status = HV_STATUS_UNKNOWN_REGISTER_NAME;
	req->regs[0].name = HV_X64_REGISTER_DR0;
	req->regs[0].value.reg64 = 0xD0D0D0D0D0D0D0D0ull;
	req->regs[1].name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
	req->regs[1].value.reg128.low = 0x0C06;
	req->regs[1].value.reg128.high = 0xFFFF0000FFFF0000ull;
	req->regs[2].name = HV_X64_REGISTER_CS;
	req->regs[2].value.segment.base = 0x1000;
	req->regs[2].value.segment.limit = 0xFFFFF;
	req->regs[2].value.segment.selector = 0x10;
	req->regs[2].value.segment.attributes = 0xA09B;

	cr_expect_eq(le32(raw, 0), SIDECAR_COMMAND_GET_VP_REGISTERS);
	cr_expect_eq(byte_at(raw, 4), 1);
	cr_expect_eq(le64(raw, 16 + 4 * 8), 0x1122334455667788ull, "CR2 in RSP's slot");
	cr_expect_eq(le64(raw, 16 + 15 * 8), 0xF15F15F15ull);
	cr_expect_eq(le32(raw, 16 + 128 + 24), 0x1F80, "fx_state.mxcsr");
	cr_expect_eq(byte_at(raw, 16 + 128 + 160 + 3 * 16), 0x33, "fx_state.xmm[3]");
	cr_expect_eq(byte_at(raw, 1296), 3, "error.len");
	cr_expect_eq(memcmp(raw + 1297, "bad", 3), 0, "error.buf");

	/* request_data at 1552: header, then 32-byte associations from +16. */
	cr_expect_eq(le16(raw, 1552 + 0), 3, "count");
	cr_expect_eq(byte_at(raw, 1552 + 2), 0x12, "target_vtl");
	cr_expect_eq(le16(raw, 1552 + 4), HV_STATUS_UNKNOWN_REGISTER_NAME, "status");
	cr_expect_eq(le32(raw, 1552 + 16 + 0), HV_X64_REGISTER_DR0);
	cr_expect_eq(le64(raw, 1552 + 16 + 16), 0xD0D0D0D0D0D0D0D0ull);
	cr_expect_eq(le32(raw, 1552 + 48 + 0), HV_X64_REGISTER_MSR_MTRR_DEF_TYPE);
	cr_expect_eq(le64(raw, 1552 + 48 + 16), 0x0C06);
	cr_expect_eq(le64(raw, 1552 + 48 + 24), 0xFFFF0000FFFF0000ull, "high half of u128");
	cr_expect_eq(le32(raw, 1552 + 80), HV_X64_REGISTER_CS);
	cr_expect_eq(le64(raw, 1552 + 80 + 16), 0x1000, "segment base");
	cr_expect_eq(le32(raw, 1552 + 80 + 24), 0xFFFFF, "segment limit");
	cr_expect_eq(le16(raw, 1552 + 80 + 28), 0x10, "segment selector");
	cr_expect_eq(le16(raw, 1552 + 80 + 30), 0xA09B, "segment attributes");

	/* The last allowed association ends inside request_data. */
	cr_expect_leq(1552 + 16 + SIDECAR_MAX_GET_SET_VP_REGISTERS * 32, 1552 + 1024);
	cr_expect_gt(1552 + 16 + (SIDECAR_MAX_GET_SET_VP_REGISTERS + 1) * 32, 1552 + 1024);
}

Test(abi_roundtrip, translate_gva)
{
	static struct sidecar_command_page page;
	const uint8_t *raw = (const uint8_t *)&page;
	struct sidecar_translate_gva_request *req = sidecar_request_translate_gva(&page);
	struct sidecar_translate_gva_response *resp;

	memset(&page, 0, sizeof(page));
	req->gvn = 0xFFFFF800012ull;
	req->control_flags = HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_WRITE |
			     HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS |
			     ((uint64_t)(HV_INPUT_VTL_USE_TARGET_VTL | 0) << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT);
	cr_expect_eq(le64(raw, 1552), 0xFFFFF800012ull);
	cr_expect_eq(le64(raw, 1560), 0x1000000000000013ull);

	resp = sidecar_response_translate_gva(&page);
	resp->status = HV_STATUS_SUCCESS;
	resp->output.translation_result.result =
		HV_TRANSLATE_GVA_PAGE_NOT_PRESENT |
		((uint64_t)HV_CACHE_TYPE_WRITE_BACK << HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT);
	resp->output.gpa_page = 0xABCDE;
	cr_expect_eq(le16(raw, 1552), 0);
	cr_expect_eq(le32(raw, 1552 + 16), HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	cr_expect_eq(byte_at(raw, 1552 + 16 + 4), HV_CACHE_TYPE_WRITE_BACK);
	cr_expect_eq(le64(raw, 1552 + 16 + 0x30), 0xABCDE);
}

Test(abi_roundtrip, run_vp_and_intercept_message)
{
	static struct sidecar_command_page page;
	const uint8_t *raw = (const uint8_t *)&page;
	struct hv_x64_io_port_intercept_message io;

	memset(&page, 0, sizeof(page));
	sidecar_response_run_vp(&page)->intercept = 1;
	cr_expect_eq(byte_at(raw, 1552), 1);

	memset(&io, 0, sizeof(io));
	io.header.vp_index = 7;
	io.header.instruction_length_and_cr8 = 1;
	io.header.execution_state = HV_X64_VP_EXECUTION_STATE_CR0_PE |
				    HV_X64_VP_EXECUTION_STATE_EFER_LMA;
	io.header.rip = 0x401000;
	io.port_number = 0xE9;
	io.access_info = 1;
	io.rax = 'A';
	page.intercept_message.header.typ = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT;
	page.intercept_message.header.len = sizeof(io);
	memcpy(page.intercept_message.payload_buffer, &io, sizeof(io));

	cr_expect_eq(le32(raw, 1040), 0x80010000u, "message type");
	cr_expect_eq(byte_at(raw, 1044), 128, "payload length");
	cr_expect_eq(le32(raw, 1056 + 0), 7, "vp_index");
	cr_expect_eq(le16(raw, 1056 + 6), 0x14, "execution_state");
	cr_expect_eq(le64(raw, 1056 + 24), 0x401000, "rip");
	cr_expect_eq(le16(raw, 1056 + 40), 0xE9, "port");
	cr_expect_eq(le64(raw, 1056 + 48), 'A', "rax");
}

Test(abi_roundtrip, params_and_output)
{
	static struct sidecar_params params;
	static struct sidecar_output output;
	const uint8_t *raw = (const uint8_t *)&params;

	memset(&params, 0, sizeof(params));
	params.hypercall_page = 0x123000;
	params.enable_logging = 1;
	params.node_count = 2;
	params.nodes[1].memory_base = 0x7F000000;
	params.nodes[1].memory_size = sidecar_required_memory(16);
	params.nodes[1].base_vp = 17;
	params.nodes[1].vp_count = 16;
	params.initial_state.per_cpu_state_specified = 1;
	params.initial_state.sidecar_starts_cpu[999] = 1;

	cr_expect_eq(le64(raw, 0), 0x123000);
	cr_expect_eq(byte_at(raw, 8), 1);
	cr_expect_eq(le32(raw, 12), 2);
	cr_expect_eq(le64(raw, 16 + 24 + 0), 0x7F000000);
	cr_expect_eq(le64(raw, 16 + 24 + 8), (1 + 13 * 16) * 4096);
	cr_expect_eq(le32(raw, 16 + 24 + 16), 17);
	cr_expect_eq(le32(raw, 16 + 24 + 20), 16);
	cr_expect_eq(byte_at(raw, 3088), 1);
	cr_expect_eq(byte_at(raw, 3089 + 999), 1);

	memset(&output, 0, sizeof(output));
	output.error.len = 2;
	output.nodes[127].shmem_pages_size = 0x20000;
	cr_expect_eq(byte_at(&output, 0), 2);
	cr_expect_eq(le64(&output, 256 + 127 * 24 + 16), 0x20000);
}

Test(abi_roundtrip, control_page_atomics)
{
	static struct sidecar_control_page cp;
	const uint8_t *raw = (const uint8_t *)&cp;
	uint8_t expected = SIDECAR_CPU_STATUS_IDLE;

	memset(&cp, 0, sizeof(cp));
	atomic_store_explicit(&cp.response_cpu, 0x42, memory_order_relaxed);
	atomic_store_explicit(&cp.response_vector, 0xF3, memory_order_relaxed);
	atomic_store_explicit(&cp.needs_attention, 1, memory_order_release);
	atomic_store_explicit(&cp.cpu_status[4031], SIDECAR_CPU_STATUS_IDLE, memory_order_release);
	cr_expect(atomic_compare_exchange_strong_explicit(&cp.cpu_status[4031], &expected,
							  SIDECAR_CPU_STATUS_RUN,
							  memory_order_release,
							  memory_order_relaxed));
	cr_expect_eq(le32(raw, 16), 0x42);
	cr_expect_eq(le32(raw, 20), 0xF3);
	cr_expect_eq(le32(raw, 24), 1);
	cr_expect_eq(byte_at(raw, 64 + 4031), SIDECAR_CPU_STATUS_RUN);
}
