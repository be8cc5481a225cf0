// SPDX-License-Identifier: MIT
/*
 * The ABI against upstream OpenHCL, number by number.
 *
 * Every expected value below was read from upstream's source and is
 * written out as a plain number: nothing is derived from our own macros,
 * so a header that drifts from upstream fails here even when its own
 * compile-time assertions were edited along with it. Each group names the
 * upstream file and commit it was checked against; unless a group says
 * otherwise that is microsoft/openvmm main at 1488a37b7cfe (2026-08-21):
 *   SD  openhcl/sidecar_defs/src/lib.rs
 *   HV  vm/hv1/hvdef/src/lib.rs
 *   XS  vm/x86/x86defs/src/xsave.rs
 * Rust repr(C) lays out fields in order, each at the next multiple of its
 * alignment; u128 and AlignedU128 are 16-byte aligned (Rust >= 1.77), bool
 * is one byte (ours: uint8_t), open_enum and bitfield types have the size
 * and alignment of their integer.
 *
 * Our own additions (boot_ext.h, image.h, crash records, control_ops.h,
 * the guest-memory ioctl) have no upstream counterpart and are not here.
 *
 * The round trips at the end fill structures through their C fields and
 * read the bytes back at upstream's offsets.
 */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <sidecar_defs.h>
#include <sidecar/uapi.h>
#include <sidecar/vp_pages.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Tables: ours next to upstream's number ---- */

struct constant {
	const char *name;
	uint64_t ours;
	uint64_t upstream;
};
#define K(name, upstream)                                                                          \
	{                                                                                          \
#name, (uint64_t)(name), (uint64_t)(upstream)                                      \
	}

static void check_constants(const struct constant *k, size_t count)
{
	for (size_t i = 0; i < count; i++)
		cr_expect_eq(k[i].ours, k[i].upstream, "%s is %#llx, upstream %#llx", k[i].name,
			     (unsigned long long)k[i].ours, (unsigned long long)k[i].upstream);
}

struct field {
	const char *name;
	size_t off, size; /* ours */
	size_t up_off, up_size;
};
#define F(type, member, off, size)                                                                 \
	{                                                                                          \
#member, offsetof(type, member), sizeof(((type *)0)->member), off, size            \
	}
/* A trailing zero-length array (Rust [T; 0], C flexible array member). */
#define F_TAIL(type, member, off)                                                                  \
	{                                                                                          \
#member, offsetof(type, member), 0, off, 0                                         \
	}

struct layout {
	const char *name;
	size_t size, align; /* ours */
	size_t up_size, up_align;
	const struct field *fields;
	size_t count;
};
#define LAYOUT(type, size, align, fields)                                                          \
	{                                                                                          \
#type, sizeof(type), alignof(type), size, align, fields, ARRAY_LEN(fields)         \
	}

static void check_layouts(const struct layout *l, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		size_t end = 0;

		cr_expect_eq(l[i].size, l[i].up_size, "sizeof(%s) is %zu, upstream %zu", l[i].name,
			     l[i].size, l[i].up_size);
		cr_expect_eq(l[i].align, l[i].up_align, "alignof(%s) is %zu, upstream %zu",
			     l[i].name, l[i].align, l[i].up_align);
		for (size_t j = 0; j < l[i].count; j++) {
			const struct field *f = &l[i].fields[j];

			cr_expect_eq(f->off, f->up_off, "%s.%s at %zu, upstream %zu", l[i].name,
				     f->name, f->off, f->up_off);
			cr_expect_eq(f->size, f->up_size, "%s.%s is %zu bytes, upstream %zu",
				     l[i].name, f->name, f->size, f->up_size);
			/* The table itself lists upstream's fields in order, without overlap. */
			cr_expect_leq(end, f->up_off, "table of %s: %s overlaps the field before",
				      l[i].name, f->name);
			end = f->up_off + f->up_size;
		}
		cr_expect_leq(end, l[i].up_size, "table of %s: fields end past the size",
			      l[i].name);
	}
}

/* ---- SD: constants and enums ---- */

Test(upstream_sidecar_defs, constants)
{
	static const struct constant k[] = {
		K(SIDECAR_PAGE_SIZE, 4096),		 /* PAGE_SIZE */
		K(SIDECAR_MAX_NODES, 128),		 /* MAX_NODES */
		K(SIDECAR_STACK_PAGES, 3),		 /* STACK_PAGES */
		K(SIDECAR_PER_VP_PAGES, 11),		 /* PER_VP_PAGES = 8 + STACK_PAGES */
		K(SIDECAR_PER_VP_SHMEM_PAGES, 2),	 /* PER_VP_SHMEM_PAGES */
		K(SIDECAR_REQUEST_DATA_SIZE, 1024),	 /* REQUEST_DATA_SIZE = 64 * 16 (private) */
		K(SIDECAR_MAX_GET_SET_VP_REGISTERS, 31), /* (1024 - 16) / 32 */
		K(SIDECAR_MAX_CPUS_PER_NODE, 4032), /* ControlPage.cpu_status: [AtomicU8; 4032] */
		/* CpuStatus: u8 */
		K(SIDECAR_CPU_STATUS_REMOVED, 0),
		K(SIDECAR_CPU_STATUS_IDLE, 1),
		K(SIDECAR_CPU_STATUS_RUN, 2),
		K(SIDECAR_CPU_STATUS_STOP, 3),
		K(SIDECAR_CPU_STATUS_REMOVE, 4),
		/* SidecarCommand: u32 */
		K(SIDECAR_COMMAND_NONE, 0),
		K(SIDECAR_COMMAND_RUN_VP, 1),
		K(SIDECAR_COMMAND_GET_VP_REGISTERS, 2),
		K(SIDECAR_COMMAND_SET_VP_REGISTERS, 3),
		K(SIDECAR_COMMAND_TRANSLATE_GVA, 4),
		/* CpuContextX64::RAX ..= R15 */
		K(SIDECAR_CPU_CONTEXT_RAX, 0),
		K(SIDECAR_CPU_CONTEXT_RCX, 1),
		K(SIDECAR_CPU_CONTEXT_RDX, 2),
		K(SIDECAR_CPU_CONTEXT_RBX, 3),
		K(SIDECAR_CPU_CONTEXT_CR2, 4),
		K(SIDECAR_CPU_CONTEXT_RBP, 5),
		K(SIDECAR_CPU_CONTEXT_RSI, 6),
		K(SIDECAR_CPU_CONTEXT_RDI, 7),
		K(SIDECAR_CPU_CONTEXT_R8, 8),
		K(SIDECAR_CPU_CONTEXT_R9, 9),
		K(SIDECAR_CPU_CONTEXT_R10, 10),
		K(SIDECAR_CPU_CONTEXT_R11, 11),
		K(SIDECAR_CPU_CONTEXT_R12, 12),
		K(SIDECAR_CPU_CONTEXT_R13, 13),
		K(SIDECAR_CPU_CONTEXT_R14, 14),
		K(SIDECAR_CPU_CONTEXT_R15, 15),
	};

	check_constants(k, ARRAY_LEN(k));
}

/* SD at 1488a37b; the value was set by bc60ac59e (#3166, 2026-04-14). */
Test(upstream_sidecar_defs, per_cpu_state)
{
	static const struct constant k[] = {
		K(SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE, 400),
	};
	static const struct field per_cpu[] = {
		F(struct sidecar_per_cpu_state, per_cpu_state_specified, 0, 1),
		F(struct sidecar_per_cpu_state, sidecar_starts_cpu, 1, 400),
	};
	static const struct layout l[] = {
		LAYOUT(struct sidecar_per_cpu_state, 401, 1, per_cpu),
	};

	check_constants(k, ARRAY_LEN(k));
	check_layouts(l, ARRAY_LEN(l));
}

/* SD required_memory(): (1 + (PER_VP_SHMEM_PAGES + PER_VP_PAGES) * n) * PAGE_SIZE. */
Test(upstream_sidecar_defs, required_memory)
{
	const struct constant k[] = {
		K(sidecar_required_memory(0), 4096),
		K(sidecar_required_memory(1), 57344),
		K(sidecar_required_memory(17), 909312),
		K(sidecar_required_memory(32), 1708032),
		K(sidecar_required_memory(4032), 214700032),
		/* usize arithmetic upstream: no 32-bit wrap. */
		K(sidecar_required_memory(UINT32_MAX), 228698418528256ull),
		K(SIDECAR_REQUIRED_MEMORY(2), 110592),
	};
	/* The macro form is a constant expression. */
	static const char fits[SIDECAR_REQUIRED_MEMORY(2) == 110592 ? 1 : -1] = {0};

	(void)fits;
	check_constants(k, ARRAY_LEN(k));
}

/* ---- SD: layouts ---- */

Test(upstream_sidecar_defs, boot_structures)
{
	static const struct field params[] = {
		F(struct sidecar_params, hypercall_page, 0, 8),
		F(struct sidecar_params, enable_logging, 8, 1),
		F(struct sidecar_params, node_count, 12, 4),
		F(struct sidecar_params, nodes, 16, 3072),
		F(struct sidecar_params, initial_state, 3088, 401),
	};
	static const struct field node_params[] = {
		F(struct sidecar_node_params, memory_base, 0, 8),
		F(struct sidecar_node_params, memory_size, 8, 8),
		F(struct sidecar_node_params, base_vp, 16, 4),
		F(struct sidecar_node_params, vp_count, 20, 4),
	};
	static const struct field output[] = {
		F(struct sidecar_output, error, 0, 256),
		F(struct sidecar_output, nodes, 256, 3072),
	};
	static const struct field node_output[] = {
		F(struct sidecar_node_output, control_page, 0, 8),
		F(struct sidecar_node_output, shmem_pages_base, 8, 8),
		F(struct sidecar_node_output, shmem_pages_size, 16, 8),
	};
	static const struct field error[] = {
		F(struct sidecar_command_error, len, 0, 1),
		F(struct sidecar_command_error, buf, 1, 255),
	};
	static const struct layout l[] = {
		/* SidecarParams is repr(C, align(4096)) */
		LAYOUT(struct sidecar_params, 4096, 4096, params),
		LAYOUT(struct sidecar_node_params, 24, 8, node_params),
		LAYOUT(struct sidecar_output, 3328, 8, output),
		LAYOUT(struct sidecar_node_output, 24, 8, node_output),
		LAYOUT(struct sidecar_command_error, 256, 1, error),
	};

	check_layouts(l, ARRAY_LEN(l));
}

Test(upstream_sidecar_defs, control_page)
{
	static const struct field cp[] = {
		F(struct sidecar_control_page, index, 0, 4),
		F(struct sidecar_control_page, base_cpu, 4, 4),
		F(struct sidecar_control_page, cpu_count, 8, 4),
		F(struct sidecar_control_page, request_vector, 12, 4),
		F(struct sidecar_control_page, response_cpu, 16, 4),
		F(struct sidecar_control_page, response_vector, 20, 4),
		F(struct sidecar_control_page, needs_attention, 24, 4),
		F(struct sidecar_control_page, reserved, 28, 36),
		F(struct sidecar_control_page, cpu_status, 64, 4032),
	};
	static const struct layout l[] = {
		/* ControlPage is repr(C, align(4096)) */
		LAYOUT(struct sidecar_control_page, 4096, 4096, cp),
	};

	check_layouts(l, ARRAY_LEN(l));
}

Test(upstream_sidecar_defs, command_page)
{
	static const struct field page[] = {
		F(struct sidecar_command_page, command, 0, 4),
		F(struct sidecar_command_page, has_error, 4, 1),
		F(struct sidecar_command_page, padding, 5, 11),
		F(struct sidecar_command_page, cpu_context, 16, 1024),
		F(struct sidecar_command_page, intercept_message, 1040, 256),
		F(struct sidecar_command_page, error, 1296, 256),
		F(struct sidecar_command_page, request_data, 1552, 1024),
		F(struct sidecar_command_page, reserved, 2576, 1520),
	};
	static const struct field context[] = {
		F(struct sidecar_cpu_context_x64, gps, 0, 128),
		F(struct sidecar_cpu_context_x64, fx_state, 128, 512),
		F(struct sidecar_cpu_context_x64, reserved, 640, 384),
	};
	static const struct field get_set[] = {
		F(struct sidecar_get_set_vp_register_request, count, 0, 2),
		F(struct sidecar_get_set_vp_register_request, target_vtl, 2, 1),
		F(struct sidecar_get_set_vp_register_request, rsvd, 3, 1),
		F(struct sidecar_get_set_vp_register_request, status, 4, 2),
		F(struct sidecar_get_set_vp_register_request, rsvd2, 6, 10),
		F_TAIL(struct sidecar_get_set_vp_register_request, regs, 16),
	};
	static const struct field gva_req[] = {
		F(struct sidecar_translate_gva_request, gvn, 0, 8),
		F(struct sidecar_translate_gva_request, control_flags, 8, 8),
	};
	static const struct field gva_resp[] = {
		F(struct sidecar_translate_gva_response, status, 0, 2),
		F(struct sidecar_translate_gva_response, rsvd, 2, 14),
		F(struct sidecar_translate_gva_response, output, 16, 64),
	};
	static const struct field run_vp[] = {
		F(struct sidecar_run_vp_response, intercept, 0, 1),
	};
	static const struct layout l[] = {
		/* CommandPage: repr(C), aligned 16 through its [u128; 64] */
		LAYOUT(struct sidecar_command_page, 4096, 16, page),
		/* CpuContextX64 is repr(C, align(16)) */
		LAYOUT(struct sidecar_cpu_context_x64, 1024, 16, context),
		/* GetSetVpRegisterRequest: 16 bytes, aligned 16 through its [HvRegisterAssoc; 0] */
		LAYOUT(struct sidecar_get_set_vp_register_request, 16, 16, get_set),
		LAYOUT(struct sidecar_translate_gva_request, 16, 8, gva_req),
		LAYOUT(struct sidecar_translate_gva_response, 80, 16, gva_resp),
		LAYOUT(struct sidecar_run_vp_response, 1, 1, run_vp),
	};

	check_layouts(l, ARRAY_LEN(l));
}

/* ---- XS: Fxsave is repr(C) with no align attribute: aligned 8 (u64 fip, fdp) ---- */

Test(upstream_x86defs, fxsave)
{
	static const struct field fx[] = {
		F(struct x86_fxsave, fcw, 0, 2),	 F(struct x86_fxsave, fsw, 2, 2),
		F(struct x86_fxsave, ftw, 4, 1),	 F(struct x86_fxsave, reserved, 5, 1),
		F(struct x86_fxsave, fop, 6, 2),	 F(struct x86_fxsave, fip, 8, 8),
		F(struct x86_fxsave, fdp, 16, 8),	 F(struct x86_fxsave, mxcsr, 24, 4),
		F(struct x86_fxsave, mxcsr_mask, 28, 4), F(struct x86_fxsave, st, 32, 128),
		F(struct x86_fxsave, xmm, 160, 256),	 F(struct x86_fxsave, reserved2, 416, 48),
		F(struct x86_fxsave, unused, 464, 48),
	};
	static const struct layout l[] = {
		LAYOUT(struct x86_fxsave, 512, 8, fx),
	};

	check_layouts(l, ARRAY_LEN(l));
}

/* ---- HV: layouts ---- */

Test(upstream_hvdef, layouts)
{
	static const struct field u128[] = {
		F(struct hv_u128, low, 0, 8),
		F(struct hv_u128, high, 8, 8),
	};
	static const struct field value[] = {
		F(union hv_register_value, reg128, 0, 16),
	};
	static const struct field assoc[] = {
		F(struct hv_register_assoc, name, 0, 4),
		F(struct hv_register_assoc, pad, 4, 12),
		F(struct hv_register_assoc, value, 16, 16),
	};
	static const struct field segment[] = {
		F(struct hv_x64_segment_register, base, 0, 8),
		F(struct hv_x64_segment_register, limit, 8, 4),
		F(struct hv_x64_segment_register, selector, 12, 2),
		F(struct hv_x64_segment_register, attributes, 14, 2),
	};
	static const struct field table[] = {
		F(struct hv_x64_table_register, pad, 0, 6),
		F(struct hv_x64_table_register, limit, 6, 2),
		F(struct hv_x64_table_register, base, 8, 8),
	};
	static const struct field header[] = {
		F(struct hv_message_header, typ, 0, 4),	  F(struct hv_message_header, len, 4, 1),
		F(struct hv_message_header, flags, 5, 1), F(struct hv_message_header, rsvd, 6, 2),
		F(struct hv_message_header, id, 8, 8),
	};
	static const struct field message[] = {
		F(struct hv_message, header, 0, 16),
		F(struct hv_message, payload_buffer, 16, 240),
	};
	static const struct field pending_event[] = {
		F(struct hv_x64_pending_event, reg_0, 0, 16),
		F(struct hv_x64_pending_event, reg_1, 16, 16),
	};
	static const struct field result_ex[] = {
		F(struct hv_translate_gva_result_ex_x64, result, 0, 8),
		F(struct hv_translate_gva_result_ex_x64, reserved, 8, 8),
		F(struct hv_translate_gva_result_ex_x64, event_info, 16, 32),
	};
	static const struct field output_ex[] = {
		F(struct hv_translate_virtual_address_ex_output_x64, translation_result, 0, 48),
		F(struct hv_translate_virtual_address_ex_output_x64, gpa_page, 48, 8),
		F(struct hv_translate_virtual_address_ex_output_x64, reserved, 56, 8),
	};
	static const struct layout l[] = {
		/* u128 / AlignedU128 (repr(C, align(16))) */
		LAYOUT(struct hv_u128, 16, 16, u128),
		/* HvRegisterValue(AlignedU128) */
		LAYOUT(union hv_register_value, 16, 16, value),
		LAYOUT(struct hv_register_assoc, 32, 16, assoc),
		LAYOUT(struct hv_x64_segment_register, 16, 8, segment),
		LAYOUT(struct hv_x64_table_register, 16, 8, table),
		LAYOUT(struct hv_message_header, 16, 8, header),
		/* HvMessage is repr(C, align(16)) */
		LAYOUT(struct hv_message, 256, 16, message),
		/* reg_0 is a bitfield(u128), reg_1 an AlignedU128 */
		LAYOUT(struct hv_x64_pending_event, 32, 16, pending_event),
		LAYOUT(struct hv_translate_gva_result_ex_x64, 48, 16, result_ex),
		LAYOUT(struct hv_translate_virtual_address_ex_output_x64, 64, 16, output_ex),
	};

	check_layouts(l, ARRAY_LEN(l));
}

Test(upstream_hvdef, intercept_messages)
{
	static const struct field header[] = {
		F(struct hv_x64_intercept_message_header, vp_index, 0, 4),
		F(struct hv_x64_intercept_message_header, instruction_length_and_cr8, 4, 1),
		F(struct hv_x64_intercept_message_header, intercept_access_type, 5, 1),
		F(struct hv_x64_intercept_message_header, execution_state, 6, 2),
		F(struct hv_x64_intercept_message_header, cs_segment, 8, 16),
		F(struct hv_x64_intercept_message_header, rip, 24, 8),
		F(struct hv_x64_intercept_message_header, rflags, 32, 8),
	};
	static const struct field io[] = {
		F(struct hv_x64_io_port_intercept_message, header, 0, 40),
		F(struct hv_x64_io_port_intercept_message, port_number, 40, 2),
		F(struct hv_x64_io_port_intercept_message, access_info, 42, 1),
		F(struct hv_x64_io_port_intercept_message, instruction_byte_count, 43, 1),
		F(struct hv_x64_io_port_intercept_message, reserved, 44, 4),
		F(struct hv_x64_io_port_intercept_message, rax, 48, 8),
		F(struct hv_x64_io_port_intercept_message, instruction_bytes, 56, 16),
		F(struct hv_x64_io_port_intercept_message, ds_segment, 72, 16),
		F(struct hv_x64_io_port_intercept_message, es_segment, 88, 16),
		F(struct hv_x64_io_port_intercept_message, rcx, 104, 8),
		F(struct hv_x64_io_port_intercept_message, rsi, 112, 8),
		F(struct hv_x64_io_port_intercept_message, rdi, 120, 8),
	};
	static const struct field memory[] = {
		F(struct hv_x64_memory_intercept_message, header, 0, 40),
		F(struct hv_x64_memory_intercept_message, cache_type, 40, 4),
		F(struct hv_x64_memory_intercept_message, instruction_byte_count, 44, 1),
		F(struct hv_x64_memory_intercept_message, memory_access_info, 45, 1),
		F(struct hv_x64_memory_intercept_message, tpr_priority, 46, 1),
		F(struct hv_x64_memory_intercept_message, reserved, 47, 1),
		F(struct hv_x64_memory_intercept_message, guest_virtual_address, 48, 8),
		F(struct hv_x64_memory_intercept_message, guest_physical_address, 56, 8),
		F(struct hv_x64_memory_intercept_message, instruction_bytes, 64, 16),
	};
	static const struct field msr[] = {
		F(struct hv_x64_msr_intercept_message, header, 0, 40),
		F(struct hv_x64_msr_intercept_message, msr_number, 40, 4),
		F(struct hv_x64_msr_intercept_message, reserved, 44, 4),
		F(struct hv_x64_msr_intercept_message, rdx, 48, 8),
		F(struct hv_x64_msr_intercept_message, rax, 56, 8),
	};
	static const struct field cpuid[] = {
		F(struct hv_x64_cpuid_intercept_message, header, 0, 40),
		F(struct hv_x64_cpuid_intercept_message, rax, 40, 8),
		F(struct hv_x64_cpuid_intercept_message, rcx, 48, 8),
		F(struct hv_x64_cpuid_intercept_message, rdx, 56, 8),
		F(struct hv_x64_cpuid_intercept_message, rbx, 64, 8),
		F(struct hv_x64_cpuid_intercept_message, default_result_rax, 72, 8),
		F(struct hv_x64_cpuid_intercept_message, default_result_rcx, 80, 8),
		F(struct hv_x64_cpuid_intercept_message, default_result_rdx, 88, 8),
		F(struct hv_x64_cpuid_intercept_message, default_result_rbx, 96, 8),
	};
	static const struct field exception[] = {
		F(struct hv_x64_exception_intercept_message, header, 0, 40),
		F(struct hv_x64_exception_intercept_message, vector, 40, 2),
		F(struct hv_x64_exception_intercept_message, exception_info, 42, 1),
		F(struct hv_x64_exception_intercept_message, instruction_byte_count, 43, 1),
		F(struct hv_x64_exception_intercept_message, error_code, 44, 4),
		F(struct hv_x64_exception_intercept_message, exception_parameter, 48, 8),
		F(struct hv_x64_exception_intercept_message, reserved, 56, 8),
		F(struct hv_x64_exception_intercept_message, instruction_bytes, 64, 16),
		F(struct hv_x64_exception_intercept_message, ds_segment, 80, 16),
		F(struct hv_x64_exception_intercept_message, ss_segment, 96, 16),
		F(struct hv_x64_exception_intercept_message, rax, 112, 8),
		F(struct hv_x64_exception_intercept_message, rcx, 120, 8),
		F(struct hv_x64_exception_intercept_message, rdx, 128, 8),
		F(struct hv_x64_exception_intercept_message, rbx, 136, 8),
		F(struct hv_x64_exception_intercept_message, rsp, 144, 8),
		F(struct hv_x64_exception_intercept_message, rbp, 152, 8),
		F(struct hv_x64_exception_intercept_message, rsi, 160, 8),
		F(struct hv_x64_exception_intercept_message, rdi, 168, 8),
		F(struct hv_x64_exception_intercept_message, r8, 176, 8),
		F(struct hv_x64_exception_intercept_message, r9, 184, 8),
		F(struct hv_x64_exception_intercept_message, r10, 192, 8),
		F(struct hv_x64_exception_intercept_message, r11, 200, 8),
		F(struct hv_x64_exception_intercept_message, r12, 208, 8),
		F(struct hv_x64_exception_intercept_message, r13, 216, 8),
		F(struct hv_x64_exception_intercept_message, r14, 224, 8),
		F(struct hv_x64_exception_intercept_message, r15, 232, 8),
	};
	static const struct field halt[] = {
		F(struct hv_x64_halt_message, header, 0, 40),
	};
	static const struct field unrecoverable[] = {
		F(struct hv_x64_unrecoverable_exception_message, header, 0, 40),
	};
	static const struct layout l[] = {
		LAYOUT(struct hv_x64_intercept_message_header, 40, 8, header),
		LAYOUT(struct hv_x64_io_port_intercept_message, 128, 8, io),
		LAYOUT(struct hv_x64_memory_intercept_message, 80, 8, memory),
		LAYOUT(struct hv_x64_msr_intercept_message, 64, 8, msr),
		LAYOUT(struct hv_x64_cpuid_intercept_message, 104, 8, cpuid),
		LAYOUT(struct hv_x64_exception_intercept_message, 240, 8, exception),
		LAYOUT(struct hv_x64_halt_message, 40, 8, halt),
		LAYOUT(struct hv_x64_unrecoverable_exception_message, 40, 8, unrecoverable),
	};

	check_layouts(l, ARRAY_LEN(l));
}

/* ---- HV: values ---- */

/* HvStatus::SUCCESS and every HvError code (hv_error! HvError). */
Test(upstream_hvdef, status_codes)
{
	static const struct constant k[] = {
		K(HV_STATUS_SUCCESS, 0x0000),
		K(HV_STATUS_INVALID_HYPERCALL_CODE, 0x0002),
		K(HV_STATUS_INVALID_HYPERCALL_INPUT, 0x0003),
		K(HV_STATUS_INVALID_ALIGNMENT, 0x0004),
		K(HV_STATUS_INVALID_PARAMETER, 0x0005),
		K(HV_STATUS_ACCESS_DENIED, 0x0006),
		K(HV_STATUS_INVALID_PARTITION_STATE, 0x0007),
		K(HV_STATUS_OPERATION_DENIED, 0x0008),
		K(HV_STATUS_UNKNOWN_PROPERTY, 0x0009),
		K(HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE, 0x000A),
		K(HV_STATUS_INSUFFICIENT_MEMORY, 0x000B),
		K(HV_STATUS_PARTITION_TOO_DEEP, 0x000C),
		K(HV_STATUS_INVALID_PARTITION_ID, 0x000D),
		K(HV_STATUS_INVALID_VP_INDEX, 0x000E),
		K(HV_STATUS_NOT_FOUND, 0x0010),
		K(HV_STATUS_INVALID_PORT_ID, 0x0011),
		K(HV_STATUS_INVALID_CONNECTION_ID, 0x0012),
		K(HV_STATUS_INSUFFICIENT_BUFFERS, 0x0013),
		K(HV_STATUS_NOT_ACKNOWLEDGED, 0x0014),
		K(HV_STATUS_INVALID_VP_STATE, 0x0015),
		K(HV_STATUS_ACKNOWLEDGED, 0x0016),
		K(HV_STATUS_INVALID_SAVE_RESTORE_STATE, 0x0017),
		K(HV_STATUS_INVALID_SYNIC_STATE, 0x0018),
		K(HV_STATUS_OBJECT_IN_USE, 0x0019),
		K(HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO, 0x001A),
		K(HV_STATUS_NO_DATA, 0x001B),
		K(HV_STATUS_INACTIVE, 0x001C),
		K(HV_STATUS_NO_RESOURCES, 0x001D),
		K(HV_STATUS_FEATURE_UNAVAILABLE, 0x001E),
		K(HV_STATUS_PARTIAL_PACKET, 0x001F),
		K(HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED, 0x0020),
		K(HV_STATUS_PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE, 0x0030),
		K(HV_STATUS_INSUFFICIENT_BUFFER, 0x0033),
		K(HV_STATUS_INCOMPATIBLE_PROCESSOR, 0x0037),
		K(HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS, 0x0038),
		K(HV_STATUS_CPUID_FEATURE_VALIDATION_ERROR, 0x003C),
		K(HV_STATUS_CPUID_XSAVE_FEATURE_VALIDATION_ERROR, 0x003D),
		K(HV_STATUS_PROCESSOR_STARTUP_TIMEOUT, 0x003E),
		K(HV_STATUS_SMX_ENABLED, 0x003F),
		K(HV_STATUS_INVALID_LP_INDEX, 0x0041),
		K(HV_STATUS_INVALID_REGISTER_VALUE, 0x0050),
		K(HV_STATUS_INVALID_VTL_STATE, 0x0051),
		K(HV_STATUS_NX_NOT_DETECTED, 0x0055),
		K(HV_STATUS_INVALID_DEVICE_ID, 0x0057),
		K(HV_STATUS_INVALID_DEVICE_STATE, 0x0058),
		K(HV_STATUS_PENDING_PAGE_REQUESTS, 0x0059),
		K(HV_STATUS_PAGE_REQUEST_INVALID, 0x0060),
		K(HV_STATUS_KEY_ALREADY_EXISTS, 0x0065),
		K(HV_STATUS_DEVICE_ALREADY_IN_DOMAIN, 0x0066),
		K(HV_STATUS_INVALID_CPU_GROUP_ID, 0x006F),
		K(HV_STATUS_INVALID_CPU_GROUP_STATE, 0x0070),
		K(HV_STATUS_OPERATION_FAILED, 0x0071),
		K(HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE, 0x0072),
		K(HV_STATUS_INSUFFICIENT_ROOT_MEMORY, 0x0073),
		K(HV_STATUS_EVENT_BUFFER_ALREADY_FREED, 0x0074),
		K(HV_STATUS_TIMEOUT, 0x0078),
		K(HV_STATUS_VTL_ALREADY_ENABLED, 0x0086),
		K(HV_STATUS_UNKNOWN_REGISTER_NAME, 0x0087),
	};

	check_constants(k, ARRAY_LEN(k));
}

/* HvX64RegisterName, and the names registers! adds to every architecture's enum. */
Test(upstream_hvdef, register_names)
{
	static const struct constant k[] = {
		K(HV_X64_REGISTER_PENDING_INTERRUPTION, 0x00010002),
		K(HV_X64_REGISTER_INTERRUPT_STATE, 0x00010003),
		K(HV_X64_REGISTER_PENDING_EVENT0, 0x00010004),
		K(HV_X64_REGISTER_PENDING_EVENT1, 0x00010005),
		K(HV_X64_REGISTER_DELIVERABILITY_NOTIFICATIONS, 0x00010006),
		K(HV_X64_REGISTER_RAX, 0x00020000),
		K(HV_X64_REGISTER_RCX, 0x00020001),
		K(HV_X64_REGISTER_RDX, 0x00020002),
		K(HV_X64_REGISTER_RBX, 0x00020003),
		K(HV_X64_REGISTER_RSP, 0x00020004),
		K(HV_X64_REGISTER_RBP, 0x00020005),
		K(HV_X64_REGISTER_RSI, 0x00020006),
		K(HV_X64_REGISTER_RDI, 0x00020007),
		K(HV_X64_REGISTER_R8, 0x00020008),
		K(HV_X64_REGISTER_R9, 0x00020009),
		K(HV_X64_REGISTER_R10, 0x0002000A),
		K(HV_X64_REGISTER_R11, 0x0002000B),
		K(HV_X64_REGISTER_R12, 0x0002000C),
		K(HV_X64_REGISTER_R13, 0x0002000D),
		K(HV_X64_REGISTER_R14, 0x0002000E),
		K(HV_X64_REGISTER_R15, 0x0002000F),
		K(HV_X64_REGISTER_RIP, 0x00020010),
		K(HV_X64_REGISTER_RFLAGS, 0x00020011),
		K(HV_X64_REGISTER_XMM0, 0x00030000),
		K(HV_X64_REGISTER_FP_MMX0, 0x00030010),
		K(HV_X64_REGISTER_FP_CONTROL_STATUS, 0x00030018),
		K(HV_X64_REGISTER_XMM_CONTROL_STATUS, 0x00030019),
		K(HV_X64_REGISTER_CR0, 0x00040000),
		K(HV_X64_REGISTER_CR2, 0x00040001),
		K(HV_X64_REGISTER_CR3, 0x00040002),
		K(HV_X64_REGISTER_CR4, 0x00040003),
		K(HV_X64_REGISTER_CR8, 0x00040004),
		K(HV_X64_REGISTER_XFEM, 0x00040005),
		K(HV_X64_REGISTER_DR0, 0x00050000),
		K(HV_X64_REGISTER_DR1, 0x00050001),
		K(HV_X64_REGISTER_DR2, 0x00050002),
		K(HV_X64_REGISTER_DR3, 0x00050003),
		K(HV_X64_REGISTER_DR6, 0x00050004),
		K(HV_X64_REGISTER_DR7, 0x00050005),
		K(HV_X64_REGISTER_ES, 0x00060000),
		K(HV_X64_REGISTER_CS, 0x00060001),
		K(HV_X64_REGISTER_SS, 0x00060002),
		K(HV_X64_REGISTER_DS, 0x00060003),
		K(HV_X64_REGISTER_FS, 0x00060004),
		K(HV_X64_REGISTER_GS, 0x00060005),
		K(HV_X64_REGISTER_LDTR, 0x00060006),
		K(HV_X64_REGISTER_TR, 0x00060007),
		K(HV_X64_REGISTER_IDTR, 0x00070000),
		K(HV_X64_REGISTER_GDTR, 0x00070001),
		K(HV_X64_REGISTER_TSC, 0x00080000),
		K(HV_X64_REGISTER_EFER, 0x00080001),
		K(HV_X64_REGISTER_KERNEL_GS_BASE, 0x00080002),
		K(HV_X64_REGISTER_APIC_BASE, 0x00080003),
		K(HV_X64_REGISTER_PAT, 0x00080004),
		K(HV_X64_REGISTER_SYSENTER_CS, 0x00080005),
		K(HV_X64_REGISTER_SYSENTER_EIP, 0x00080006),
		K(HV_X64_REGISTER_SYSENTER_ESP, 0x00080007),
		K(HV_X64_REGISTER_STAR, 0x00080008),
		K(HV_X64_REGISTER_LSTAR, 0x00080009),
		K(HV_X64_REGISTER_CSTAR, 0x0008000A),
		K(HV_X64_REGISTER_SFMASK, 0x0008000B),
		K(HV_X64_REGISTER_INITIAL_APIC_ID, 0x0008000C),
		K(HV_X64_REGISTER_MSR_MTRR_CAP, 0x0008000D),
		K(HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, 0x0008000E),
		K(HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0, 0x00080010),
		K(HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0, 0x00080040),
		K(HV_X64_REGISTER_MSR_MTRR_FIX64K_00000, 0x00080070),
		K(HV_X64_REGISTER_MSR_MTRR_FIX16K_80000, 0x00080071),
		K(HV_X64_REGISTER_MSR_MTRR_FIX16K_A0000, 0x00080072),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000, 0x00080073),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_C8000, 0x00080074),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_D0000, 0x00080075),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_D8000, 0x00080076),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_E0000, 0x00080077),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_E8000, 0x00080078),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_F0000, 0x00080079),
		K(HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000, 0x0008007A),
		K(HV_X64_REGISTER_TSC_AUX, 0x0008007B),
	};

	check_constants(k, ARRAY_LEN(k));
}

/* HvMessageType, HV_MESSAGE_SIZE, HV_MESSAGE_PAYLOAD_SIZE, HvMessageFlags. */
Test(upstream_hvdef, messages)
{
	static const struct constant k[] = {
		K(HV_MESSAGE_SIZE, 256),
		K(HV_MESSAGE_PAYLOAD_SIZE, 240),
		K(HV_MESSAGE_FLAG_MESSAGE_PENDING, 0x01), /* message_pending: bit 0 */
		K(HV_MESSAGE_TYPE_NONE, 0x00000000),
		K(HV_MESSAGE_TYPE_UNMAPPED_GPA, 0x80000000),
		K(HV_MESSAGE_TYPE_GPA_INTERCEPT, 0x80000001),
		K(HV_MESSAGE_TYPE_UNACCEPTED_GPA, 0x80000003),
		K(HV_MESSAGE_TYPE_GPA_ATTRIBUTE_INTERCEPT, 0x80000004),
		K(HV_MESSAGE_TYPE_TIMER_EXPIRED, 0x80000010),
		K(HV_MESSAGE_TYPE_INVALID_VP_REGISTER_VALUE, 0x80000020),
		K(HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION, 0x80000021),
		K(HV_MESSAGE_TYPE_UNSUPPORTED_FEATURE, 0x80000022),
		K(HV_MESSAGE_TYPE_HYPERCALL_INTERCEPT, 0x80000050),
		K(HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, 0x80010000),
		K(HV_MESSAGE_TYPE_MSR_INTERCEPT, 0x80010001),
		K(HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT, 0x80010002),
		K(HV_MESSAGE_TYPE_EXCEPTION_INTERCEPT, 0x80010003),
		K(HV_MESSAGE_TYPE_X64_APIC_EOI, 0x80010004),
		K(HV_MESSAGE_TYPE_REGISTER_INTERCEPT, 0x80010006),
		K(HV_MESSAGE_TYPE_X64_HALT, 0x80010007),
		K(HV_MESSAGE_TYPE_X64_INTERRUPTION_DELIVERABLE, 0x80010008),
		K(HV_MESSAGE_TYPE_X64_SIPI_INTERCEPT, 0x80010009),
	};

	check_constants(k, ARRAY_LEN(k));
}

/*
 * TranslateGvaResultCode, HvCacheType, HvInterceptAccessType,
 * HvX64PendingInterruptionType.
 */
Test(upstream_hvdef, enums)
{
	static const struct constant k[] = {
		K(HV_TRANSLATE_GVA_SUCCESS, 0x0),
		K(HV_TRANSLATE_GVA_PAGE_NOT_PRESENT, 0x1),
		K(HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION, 0x2),
		K(HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS, 0x3),
		K(HV_TRANSLATE_GVA_GPA_UNMAPPED, 0x4),
		K(HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS, 0x5),
		K(HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS, 0x6),
		K(HV_TRANSLATE_GVA_GPA_ILLEGAL_OVERLAY_ACCESS, 0x7),
		K(HV_TRANSLATE_GVA_INTERCEPT, 0x8),
		K(HV_TRANSLATE_GVA_GPA_UNACCEPTED, 0x9),
		K(HV_CACHE_TYPE_UNCACHED, 0x0),
		K(HV_CACHE_TYPE_WRITE_COMBINING, 0x1),
		K(HV_CACHE_TYPE_WRITE_THROUGH, 0x4),
		K(HV_CACHE_TYPE_WRITE_PROTECTED, 0x5),
		K(HV_CACHE_TYPE_WRITE_BACK, 0x6),
		K(HV_INTERCEPT_ACCESS_READ, 0x0),
		K(HV_INTERCEPT_ACCESS_WRITE, 0x1),
		K(HV_INTERCEPT_ACCESS_EXECUTE, 0x2),
		K(HV_X64_PENDING_INTERRUPT, 0x0),
		K(HV_X64_PENDING_NMI, 0x2),
		K(HV_X64_PENDING_EXCEPTION, 0x3),
		K(HV_X64_PENDING_SOFTWARE_INTERRUPT, 0x4),
		K(HV_X64_PENDING_PRIVILEGED_SOFTWARE_EXCEPTION, 0x5),
		K(HV_X64_PENDING_SOFTWARE_EXCEPTION, 0x6),
	};

	check_constants(k, ARRAY_LEN(k));
}

/*
 * Bitfields, as masks: bit positions follow from the field order and
 * #[bits(n)] widths of each #[bitfield] struct (bool is one bit). Segment
 * attributes are x86defs::SegmentAttributes (vm/x86/x86defs/src/lib.rs).
 */
Test(upstream_hvdef, bitfields)
{
	static const struct constant k[] = {
		/* HvInputVtl (u8): target_vtl_value:4, use_target_vtl:1, reserved:3 */
		K(HV_INPUT_VTL_TARGET_VTL_MASK, 0x0F),
		K(HV_INPUT_VTL_USE_TARGET_VTL, 0x10),
		K(HV_INPUT_VTL_RESERVED_MASK, 0xE0),
		K(HV_INPUT_VTL_CURRENT, 0x00), /* HvInputVtl::CURRENT_VTL */
		/* HvX64PendingInterruptionRegister (u64) */
		K(HV_X64_PENDING_INTERRUPTION_PENDING, 0x1),
		K(HV_X64_PENDING_INTERRUPTION_TYPE_SHIFT, 1),
		K(HV_X64_PENDING_INTERRUPTION_TYPE_MASK, 0xE),
		K(HV_X64_PENDING_INTERRUPTION_DELIVER_ERROR_CODE, 0x10),
		K(HV_X64_PENDING_INTERRUPTION_INSTRUCTION_LENGTH_SHIFT, 5),
		K(HV_X64_PENDING_INTERRUPTION_INSTRUCTION_LENGTH_MASK, 0x1E0),
		K(HV_X64_PENDING_INTERRUPTION_NESTED_EVENT, 0x200),
		K(HV_X64_PENDING_INTERRUPTION_VECTOR_SHIFT, 16),
		K(HV_X64_PENDING_INTERRUPTION_VECTOR_MASK, 0xFFFF0000),
		K(HV_X64_PENDING_INTERRUPTION_ERROR_CODE_SHIFT, 32),
		/* HvX64InterruptStateRegister (u64) */
		K(HV_X64_INTERRUPT_STATE_INTERRUPT_SHADOW, 0x1),
		K(HV_X64_INTERRUPT_STATE_NMI_MASKED, 0x2),
		/* HvX64VpExecutionState (u16) */
		K(HV_X64_VP_EXECUTION_STATE_CPL_MASK, 0x0003),
		K(HV_X64_VP_EXECUTION_STATE_CR0_PE, 0x0004),
		K(HV_X64_VP_EXECUTION_STATE_CR0_AM, 0x0008),
		K(HV_X64_VP_EXECUTION_STATE_EFER_LMA, 0x0010),
		K(HV_X64_VP_EXECUTION_STATE_DEBUG_ACTIVE, 0x0020),
		K(HV_X64_VP_EXECUTION_STATE_INTERRUPTION_PENDING, 0x0040),
		K(HV_X64_VP_EXECUTION_STATE_VTL_SHIFT, 7),
		K(HV_X64_VP_EXECUTION_STATE_VTL_MASK, 0x0780),
		K(HV_X64_VP_EXECUTION_STATE_ENCLAVE_MODE, 0x0800),
		K(HV_X64_VP_EXECUTION_STATE_INTERRUPT_SHADOW, 0x1000),
		K(HV_X64_VP_EXECUTION_STATE_VIRTUALIZATION_FAULT_ACTIVE, 0x2000),
		/* HvX64IoPortAccessInfo::new(): size & 0x7, string_op 0x8, rep_prefix 0x10 */
		K(HV_X64_IO_PORT_ACCESS_SIZE_MASK, 0x07),
		K(HV_X64_IO_PORT_ACCESS_STRING_OP, 0x08),
		K(HV_X64_IO_PORT_ACCESS_REP_PREFIX, 0x10),
		/* HvX64MemoryAccessInfo (u8) */
		K(HV_X64_MEMORY_ACCESS_GVA_VALID, 0x01),
		K(HV_X64_MEMORY_ACCESS_GVA_GPA_VALID, 0x02),
		K(HV_X64_MEMORY_ACCESS_HYPERCALL_OUTPUT_PENDING, 0x04),
		K(HV_X64_MEMORY_ACCESS_TLB_LOCKED, 0x08),
		K(HV_X64_MEMORY_ACCESS_SUPERVISOR_SHADOW_STACK, 0x10),
		/* HvX64ExceptionInfo (u8) */
		K(HV_X64_EXCEPTION_INFO_ERROR_CODE_VALID, 0x01),
		K(HV_X64_EXCEPTION_INFO_SOFTWARE_EXCEPTION, 0x02),
		/* TranslateGvaControlFlagsX64 (u64): 11 flags, 45 unused bits, input_vtl_value:8 */
		K(HV_TRANSLATE_GVA_VALIDATE_READ, 0x1),
		K(HV_TRANSLATE_GVA_VALIDATE_WRITE, 0x2),
		K(HV_TRANSLATE_GVA_VALIDATE_EXECUTE, 0x4),
		K(HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT, 0x8),
		K(HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS, 0x10),
		K(HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT, 0x20),
		K(HV_TRANSLATE_GVA_SUPERVISOR_ACCESS, 0x40),
		K(HV_TRANSLATE_GVA_USER_ACCESS, 0x80),
		K(HV_TRANSLATE_GVA_ENFORCE_SMAP, 0x100),
		K(HV_TRANSLATE_GVA_OVERRIDE_SMAP, 0x200),
		K(HV_TRANSLATE_GVA_SHADOW_STACK, 0x400),
		K(HV_TRANSLATE_GVA_FLAGS_MASK, 0x7FF),
		K(HV_TRANSLATE_GVA_INPUT_VTL_SHIFT, 56),
		K(HV_TRANSLATE_GVA_INPUT_VTL_MASK, 0xFF00000000000000ull),
		/* TranslateGvaResult (u64): result_code:32, cache_type:8, overlay_page:1 */
		K(HV_TRANSLATE_GVA_RESULT_CODE_MASK, 0xFFFFFFFF),
		K(HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT, 32),
		K(HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_MASK, 0xFF00000000ull),
		K(HV_TRANSLATE_GVA_RESULT_OVERLAY_PAGE, 0x10000000000ull),
		/* SegmentAttributes (u16): type:4 s:1 dpl:2 p:1, 4 reserved, avl l db g */
		K(HV_X64_SEGMENT_ATTR_TYPE_MASK, 0x000F),
		K(HV_X64_SEGMENT_ATTR_S, 0x0010),
		K(HV_X64_SEGMENT_ATTR_DPL_SHIFT, 5),
		K(HV_X64_SEGMENT_ATTR_DPL_MASK, 0x0060),
		K(HV_X64_SEGMENT_ATTR_P, 0x0080),
		K(HV_X64_SEGMENT_ATTR_AVL, 0x1000),
		K(HV_X64_SEGMENT_ATTR_L, 0x2000),
		K(HV_X64_SEGMENT_ATTR_DB, 0x4000),
		K(HV_X64_SEGMENT_ATTR_G, 0x8000),
	};

	check_constants(k, ARRAY_LEN(k));
}

/*
 * ---- Node memory, as upstream's sidecar kernel lays it out ----
 * openhcl/sidecar/src/arch/x86_64/init.rs (control page, then vp_count * 2
 * shared pages, then vp_count * 11 private pages; PML4, PDPT, PD, PT first)
 * and mod.rs init_ap() (then 3 stack pages, globals, VP assist, hypercall
 * input, hypercall output), openvmm 1488a37b.
 */
Test(upstream_sidecar_kernel, node_memory)
{
	const struct constant k[] = {
		K(SIDECAR_VP_PAGE_PML4, 0),
		K(SIDECAR_VP_PAGE_PDPT, 1),
		K(SIDECAR_VP_PAGE_PD, 2),
		K(SIDECAR_VP_PAGE_PT, 3),
		K(SIDECAR_VP_PAGE_STACK, 4),
		K(SIDECAR_VP_PAGE_GLOBALS, 7),
		K(SIDECAR_VP_PAGE_BACKEND, 8), /* VP assist; hypercall input, output follow */
		/* CPU i's command page at 4096 * (1 + 2i); its register page follows. */
		K(sidecar_command_page_offset(0), 0x1000),
		K(sidecar_command_page_offset(1), 0x3000),
		K(sidecar_command_page_offset(4031), 0x1F7F000),
		/* 17 CPUs: private pages start at page 1 + 34 = 35; CPU 5's at 35 + 55. */
		K(sidecar_vp_page_offset(17, 0, 0), 0x23000),
		K(sidecar_vp_page_offset(17, 5, 0), 0x5A000),
		K(sidecar_vp_page_offset(17, 16, 10), 0xDD000),
	};

	check_constants(k, ARRAY_LEN(k));
	/* The last private page of the last CPU is the last page of the node. */
	cr_expect_eq(sidecar_vp_page_offset(17, 16, 10) + 4096, sidecar_required_memory(17));
}

/*
 * ---- The driver's user-space interface ----
 * openvmm 1488a37b openhcl/sidecar_client/src/lib.rs (mod ioctl: base 0xb8,
 * request_code_none 0xf0-0xf2, ioctl_read 0xf3 of SidecarInfo) and
 * microsoft/OHCL-Linux-Kernel 056f157f include/uapi/linux/mshv.h
 * (MSHV_VTL_SIDECAR_*, struct mshv_vtl_sidecar_info).
 */
Test(upstream_mshv_uapi, sidecar_ioctls)
{
	static const struct constant k[] = {
		K(SIDECAR_IOCTL_TYPE, 0xB8),
		K(SIDECAR_IOCTL_START, 0xB8F0),	   /* _IO(0xB8, 0xf0) */
		K(SIDECAR_IOCTL_STOP, 0xB8F1),	   /* _IO(0xB8, 0xf1) */
		K(SIDECAR_IOCTL_RUN, 0xB8F2),	   /* _IO(0xB8, 0xf2) */
		K(SIDECAR_IOCTL_INFO, 0x800CB8F3), /* _IOR(0xB8, 0xf3, 12 bytes) */
	};
	static const struct field info[] = {
		F(struct sidecar_ioctl_info, base_cpu, 0, 4),
		F(struct sidecar_ioctl_info, cpu_count, 4, 4),
		F(struct sidecar_ioctl_info, per_cpu_shmem, 8, 4),
	};
	static const struct layout l[] = {
		LAYOUT(struct sidecar_ioctl_info, 12, 4, info),
	};

	check_constants(k, ARRAY_LEN(k));
	check_layouts(l, ARRAY_LEN(l));
}

/* ---- Round trips: C fields in, bytes out at upstream's offsets ---- */

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
	cr_expect_eq(le64(raw, 16 + 4 * 8), 0x1122334455667788ull, "CR2 in RSP's place");
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
	req->control_flags =
		HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_WRITE |
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
	io.header.execution_state =
		HV_X64_VP_EXECUTION_STATE_CR0_PE | HV_X64_VP_EXECUTION_STATE_EFER_LMA;
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
	params.initial_state.sidecar_starts_cpu[399] = 1;

	cr_expect_eq(le64(raw, 0), 0x123000);
	cr_expect_eq(byte_at(raw, 8), 1);
	cr_expect_eq(le32(raw, 12), 2);
	cr_expect_eq(le64(raw, 16 + 24 + 0), 0x7F000000);
	cr_expect_eq(le64(raw, 16 + 24 + 8), (1 + 13 * 16) * 4096);
	cr_expect_eq(le32(raw, 16 + 24 + 16), 17);
	cr_expect_eq(le32(raw, 16 + 24 + 20), 16);
	cr_expect_eq(byte_at(raw, 3088), 1);
	cr_expect_eq(byte_at(raw, 3089 + 399), 1, "sidecar_starts_cpu[399], the last");

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
	cr_expect(atomic_compare_exchange_strong_explicit(
		&cp.cpu_status[4031], &expected, SIDECAR_CPU_STATUS_RUN, memory_order_release,
		memory_order_relaxed));
	cr_expect_eq(le32(raw, 16), 0x42);
	cr_expect_eq(le32(raw, 20), 0xF3);
	cr_expect_eq(le32(raw, 24), 1);
	cr_expect_eq(byte_at(raw, 64 + 4031), SIDECAR_CPU_STATUS_RUN);
}

/*
 * A register value initialised through .reg64 (or .reg32, .reg16, .reg8),
 * the way a VMM writes a register list, is zero-extended to 16 bytes as
 * hvdef's HvRegisterValue::from(u64) is. The sidecar kernel refuses a
 * 64-bit register whose upper 64 bits are not zero, so bytes left
 * unspecified by a union member's initialiser (C11 6.2.6.1p7) would fail
 * the command. Built with clang -O2, a plain uint64_t union member left
 * them holding whatever a vector register held.
 */
__attribute__((noinline)) static void check_zero_extended(const struct hv_register_assoc *regs,
							  size_t count)
{
	for (size_t i = 0; i < count; i++)
		cr_expect_eq(regs[i].value.reg128.high, 0, "register %zu: upper 64 bits %#llx", i,
			     (unsigned long long)regs[i].value.reg128.high);
	cr_expect_eq(regs[count - 1].value.reg128.low, 0x7F, "reg8: bytes 1-7");
}

__attribute__((noinline)) static void write_register_list(uint64_t rip, uint64_t rflags)
{
	struct hv_register_assoc regs[] = {
		{.name = HV_X64_REGISTER_RIP, .value.reg64 = rip},
		{.name = HV_X64_REGISTER_RFLAGS, .value.reg64 = rflags},
		{.name = HV_X64_REGISTER_RAX, .value.reg64 = rip ^ rflags},
		{.name = HV_X64_REGISTER_CR8, .value.reg32 = (uint32_t)rflags},
		{.name = HV_X64_REGISTER_CR8, .value.reg16 = (uint16_t)rflags},
		{.name = HV_X64_REGISTER_CR8, .value.reg8 = 0x7F},
	};

	check_zero_extended(regs, ARRAY_LEN(regs));
}

Test(abi_roundtrip, register_values_zero_extended)
{
	write_register_list(0xFFFFFFFF81000000ull, 0x2);
}
