/* SPDX-License-Identifier: MIT */
/*
 * The Hyper-V definitions the Sidecar ABI uses, binary-identical to
 * OpenHCL's hvdef crate (vm/hv1/hvdef in microsoft/openvmm) and the
 * Hyper-V TLFS. Bitfields are spelled as masks and shifts, never as C
 * bitfields, whose layout is implementation-defined.
 */
#ifndef SIDECAR_HVDEF_H
#define SIDECAR_HVDEF_H

#include "abi_base.h"

SIDECAR_EXTERN_C_BEGIN

/* ---- HvStatus: a u16 result code; 0 is success. ---- */

typedef uint16_t hv_status_t;

#define HV_STATUS_SUCCESS				       0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE		       0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT		       0x0003u
#define HV_STATUS_INVALID_ALIGNMENT			       0x0004u
#define HV_STATUS_INVALID_PARAMETER			       0x0005u
#define HV_STATUS_ACCESS_DENIED				       0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE		       0x0007u
#define HV_STATUS_OPERATION_DENIED			       0x0008u
#define HV_STATUS_UNKNOWN_PROPERTY			       0x0009u
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE		       0x000Au
#define HV_STATUS_INSUFFICIENT_MEMORY			       0x000Bu
#define HV_STATUS_PARTITION_TOO_DEEP			       0x000Cu
#define HV_STATUS_INVALID_PARTITION_ID			       0x000Du
#define HV_STATUS_INVALID_VP_INDEX			       0x000Eu
#define HV_STATUS_NOT_FOUND				       0x0010u
#define HV_STATUS_INVALID_PORT_ID			       0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID			       0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS			       0x0013u
#define HV_STATUS_NOT_ACKNOWLEDGED			       0x0014u
#define HV_STATUS_INVALID_VP_STATE			       0x0015u
#define HV_STATUS_ACKNOWLEDGED				       0x0016u
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE		       0x0017u
#define HV_STATUS_INVALID_SYNIC_STATE			       0x0018u
#define HV_STATUS_OBJECT_IN_USE				       0x0019u
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO		       0x001Au
#define HV_STATUS_NO_DATA				       0x001Bu
#define HV_STATUS_INACTIVE				       0x001Cu
#define HV_STATUS_NO_RESOURCES				       0x001Du
#define HV_STATUS_FEATURE_UNAVAILABLE			       0x001Eu
#define HV_STATUS_PARTIAL_PACKET			       0x001Fu
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED	       0x0020u
#define HV_STATUS_PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE 0x0030u
#define HV_STATUS_INSUFFICIENT_BUFFER			       0x0033u
#define HV_STATUS_INCOMPATIBLE_PROCESSOR		       0x0037u
#define HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS		       0x0038u
#define HV_STATUS_CPUID_FEATURE_VALIDATION_ERROR	       0x003Cu
#define HV_STATUS_CPUID_XSAVE_FEATURE_VALIDATION_ERROR	       0x003Du
#define HV_STATUS_PROCESSOR_STARTUP_TIMEOUT		       0x003Eu
#define HV_STATUS_SMX_ENABLED				       0x003Fu
#define HV_STATUS_INVALID_LP_INDEX			       0x0041u
#define HV_STATUS_INVALID_REGISTER_VALUE		       0x0050u
#define HV_STATUS_INVALID_VTL_STATE			       0x0051u
#define HV_STATUS_NX_NOT_DETECTED			       0x0055u
#define HV_STATUS_INVALID_DEVICE_ID			       0x0057u
#define HV_STATUS_INVALID_DEVICE_STATE			       0x0058u
#define HV_STATUS_PENDING_PAGE_REQUESTS			       0x0059u
#define HV_STATUS_PAGE_REQUEST_INVALID			       0x0060u
#define HV_STATUS_KEY_ALREADY_EXISTS			       0x0065u
#define HV_STATUS_DEVICE_ALREADY_IN_DOMAIN		       0x0066u
#define HV_STATUS_INVALID_CPU_GROUP_ID			       0x006Fu
#define HV_STATUS_INVALID_CPU_GROUP_STATE		       0x0070u
#define HV_STATUS_OPERATION_FAILED			       0x0071u
#define HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE	       0x0072u
#define HV_STATUS_INSUFFICIENT_ROOT_MEMORY		       0x0073u
#define HV_STATUS_EVENT_BUFFER_ALREADY_FREED		       0x0074u
#define HV_STATUS_TIMEOUT				       0x0078u
#define HV_STATUS_VTL_ALREADY_ENABLED			       0x0086u
#define HV_STATUS_UNKNOWN_REGISTER_NAME			       0x0087u

/* ---- HvInputVtl: one byte, target_vtl_value:4, use_target_vtl:1, rsvd:3. ---- */

typedef uint8_t hv_input_vtl_t;

#define HV_INPUT_VTL_TARGET_VTL_MASK 0x0Fu
#define HV_INPUT_VTL_USE_TARGET_VTL  0x10u
#define HV_INPUT_VTL_RESERVED_MASK   0xE0u
/* "Current VTL": use_target_vtl clear. */
#define HV_INPUT_VTL_CURRENT 0x00u

/* ---- Registers ---- */

typedef uint32_t hv_register_name_t;

struct hv_x64_segment_register {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_segment_register, 16);
SIDECAR_ASSERT_OFFSET(struct hv_x64_segment_register, base, 0);
SIDECAR_ASSERT_OFFSET(struct hv_x64_segment_register, limit, 8);
SIDECAR_ASSERT_OFFSET(struct hv_x64_segment_register, selector, 12);
SIDECAR_ASSERT_OFFSET(struct hv_x64_segment_register, attributes, 14);

/*
 * Segment attributes in Hyper-V's encoding: the access-rights bits of the
 * descriptor, type:4 s:1 dpl:2 p:1 in bits 0-7, avl:1 l:1 db:1 g:1 in
 * bits 12-15 (the same packing as the high word of a descriptor).
 */
#define HV_X64_SEGMENT_ATTR_TYPE_MASK 0x000Fu
#define HV_X64_SEGMENT_ATTR_S	      0x0010u
#define HV_X64_SEGMENT_ATTR_DPL_SHIFT 5
#define HV_X64_SEGMENT_ATTR_DPL_MASK  0x0060u
#define HV_X64_SEGMENT_ATTR_P	      0x0080u
#define HV_X64_SEGMENT_ATTR_AVL	      0x1000u
#define HV_X64_SEGMENT_ATTR_L	      0x2000u
#define HV_X64_SEGMENT_ATTR_DB	      0x4000u
#define HV_X64_SEGMENT_ATTR_G	      0x8000u

struct hv_x64_table_register {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_table_register, 16);
SIDECAR_ASSERT_OFFSET(struct hv_x64_table_register, limit, 6);
SIDECAR_ASSERT_OFFSET(struct hv_x64_table_register, base, 8);

/*
 * The 16-byte register value (HvRegisterValue, an AlignedU128).
 *
 * Each narrow view sits in a 16-byte anonymous structure with zero padding
 * after it, so that `.reg64 = x` in an initialiser zero-extends the value
 * as hvdef's From<u64> does: the rest of that structure is implicitly
 * zeroed (C11 6.7.9p19), where the other bytes of a union initialised
 * through a narrower member are unspecified (6.2.6.1p7) and compilers do
 * leave them dirty. The sidecar refuses a 64-bit register whose upper half
 * is not zero. An assignment to .reg64 of an existing value still writes
 * only its 8 bytes. Anonymous structures are C11; C++ compilers (GCC,
 * Clang) accept them as an extension, like the flexible array members.
 */
union hv_register_value {
	struct hv_u128 reg128;
	struct {
		uint64_t reg64;
		uint64_t reg64_zero;
	};
	struct {
		uint32_t reg32;
		uint8_t reg32_zero[12];
	};
	struct {
		uint16_t reg16;
		uint8_t reg16_zero[14];
	};
	struct {
		uint8_t reg8;
		uint8_t reg8_zero[15];
	};
	uint8_t bytes[16];
	struct hv_x64_segment_register segment;
	struct hv_x64_table_register table;
};
SIDECAR_ASSERT_SIZE(union hv_register_value, 16);
SIDECAR_ASSERT_ALIGN(union hv_register_value, 16);
SIDECAR_ASSERT_OFFSET(union hv_register_value, reg64, 0);
SIDECAR_ASSERT_OFFSET(union hv_register_value, reg64_zero, 8);
SIDECAR_ASSERT_OFFSET(union hv_register_value, reg8_zero, 1);

struct hv_register_assoc {
	hv_register_name_t name;
	uint32_t pad[3];
	union hv_register_value value;
};
SIDECAR_ASSERT_SIZE(struct hv_register_assoc, 32);
SIDECAR_ASSERT_ALIGN(struct hv_register_assoc, 16);
SIDECAR_ASSERT_OFFSET(struct hv_register_assoc, name, 0);
SIDECAR_ASSERT_OFFSET(struct hv_register_assoc, pad, 4);
SIDECAR_ASSERT_OFFSET(struct hv_register_assoc, value, 16);

/* HvX64RegisterName values (the ones x64 sidecar users need). */
#define HV_X64_REGISTER_PENDING_INTERRUPTION	     0x00010002u
#define HV_X64_REGISTER_INTERRUPT_STATE		     0x00010003u
#define HV_X64_REGISTER_PENDING_EVENT0		     0x00010004u
#define HV_X64_REGISTER_PENDING_EVENT1		     0x00010005u
#define HV_X64_REGISTER_DELIVERABILITY_NOTIFICATIONS 0x00010006u

#define HV_X64_REGISTER_RAX    0x00020000u
#define HV_X64_REGISTER_RCX    0x00020001u
#define HV_X64_REGISTER_RDX    0x00020002u
#define HV_X64_REGISTER_RBX    0x00020003u
#define HV_X64_REGISTER_RSP    0x00020004u
#define HV_X64_REGISTER_RBP    0x00020005u
#define HV_X64_REGISTER_RSI    0x00020006u
#define HV_X64_REGISTER_RDI    0x00020007u
#define HV_X64_REGISTER_R8     0x00020008u
#define HV_X64_REGISTER_R9     0x00020009u
#define HV_X64_REGISTER_R10    0x0002000Au
#define HV_X64_REGISTER_R11    0x0002000Bu
#define HV_X64_REGISTER_R12    0x0002000Cu
#define HV_X64_REGISTER_R13    0x0002000Du
#define HV_X64_REGISTER_R14    0x0002000Eu
#define HV_X64_REGISTER_R15    0x0002000Fu
#define HV_X64_REGISTER_RIP    0x00020010u
#define HV_X64_REGISTER_RFLAGS 0x00020011u

#define HV_X64_REGISTER_XMM0		   0x00030000u /* .. XMM15 = 0x0003000F */
#define HV_X64_REGISTER_FP_MMX0		   0x00030010u /* .. FP_MMX7 = 0x00030017 */
#define HV_X64_REGISTER_FP_CONTROL_STATUS  0x00030018u
#define HV_X64_REGISTER_XMM_CONTROL_STATUS 0x00030019u

#define HV_X64_REGISTER_CR0  0x00040000u
#define HV_X64_REGISTER_CR2  0x00040001u
#define HV_X64_REGISTER_CR3  0x00040002u
#define HV_X64_REGISTER_CR4  0x00040003u
#define HV_X64_REGISTER_CR8  0x00040004u
#define HV_X64_REGISTER_XFEM 0x00040005u

#define HV_X64_REGISTER_DR0 0x00050000u
#define HV_X64_REGISTER_DR1 0x00050001u
#define HV_X64_REGISTER_DR2 0x00050002u
#define HV_X64_REGISTER_DR3 0x00050003u
#define HV_X64_REGISTER_DR6 0x00050004u
#define HV_X64_REGISTER_DR7 0x00050005u

#define HV_X64_REGISTER_ES   0x00060000u
#define HV_X64_REGISTER_CS   0x00060001u
#define HV_X64_REGISTER_SS   0x00060002u
#define HV_X64_REGISTER_DS   0x00060003u
#define HV_X64_REGISTER_FS   0x00060004u
#define HV_X64_REGISTER_GS   0x00060005u
#define HV_X64_REGISTER_LDTR 0x00060006u
#define HV_X64_REGISTER_TR   0x00060007u

#define HV_X64_REGISTER_IDTR 0x00070000u
#define HV_X64_REGISTER_GDTR 0x00070001u

#define HV_X64_REGISTER_TSC		      0x00080000u
#define HV_X64_REGISTER_EFER		      0x00080001u
#define HV_X64_REGISTER_KERNEL_GS_BASE	      0x00080002u
#define HV_X64_REGISTER_APIC_BASE	      0x00080003u
#define HV_X64_REGISTER_PAT		      0x00080004u
#define HV_X64_REGISTER_SYSENTER_CS	      0x00080005u
#define HV_X64_REGISTER_SYSENTER_EIP	      0x00080006u
#define HV_X64_REGISTER_SYSENTER_ESP	      0x00080007u
#define HV_X64_REGISTER_STAR		      0x00080008u
#define HV_X64_REGISTER_LSTAR		      0x00080009u
#define HV_X64_REGISTER_CSTAR		      0x0008000Au
#define HV_X64_REGISTER_SFMASK		      0x0008000Bu
#define HV_X64_REGISTER_INITIAL_APIC_ID	      0x0008000Cu
#define HV_X64_REGISTER_MSR_MTRR_CAP	      0x0008000Du
#define HV_X64_REGISTER_MSR_MTRR_DEF_TYPE     0x0008000Eu
#define HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0   0x00080010u /* .. BASEF = 0x0008001F */
#define HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0   0x00080040u /* .. MASKF = 0x0008004F */
#define HV_X64_REGISTER_MSR_MTRR_FIX64K_00000 0x00080070u
#define HV_X64_REGISTER_MSR_MTRR_FIX16K_80000 0x00080071u
#define HV_X64_REGISTER_MSR_MTRR_FIX16K_A0000 0x00080072u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_C0000  0x00080073u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_C8000  0x00080074u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_D0000  0x00080075u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_D8000  0x00080076u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_E0000  0x00080077u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_E8000  0x00080078u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_F0000  0x00080079u
#define HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000  0x0008007Au
#define HV_X64_REGISTER_TSC_AUX		      0x0008007Bu

/* HvX64PendingInterruptionRegister (u64). */
#define HV_X64_PENDING_INTERRUPTION_PENDING		     (1ull << 0)
#define HV_X64_PENDING_INTERRUPTION_TYPE_SHIFT		     1
#define HV_X64_PENDING_INTERRUPTION_TYPE_MASK		     (0x7ull << 1)
#define HV_X64_PENDING_INTERRUPTION_DELIVER_ERROR_CODE	     (1ull << 4)
#define HV_X64_PENDING_INTERRUPTION_INSTRUCTION_LENGTH_SHIFT 5
#define HV_X64_PENDING_INTERRUPTION_INSTRUCTION_LENGTH_MASK  (0xFull << 5)
#define HV_X64_PENDING_INTERRUPTION_NESTED_EVENT	     (1ull << 9)
#define HV_X64_PENDING_INTERRUPTION_VECTOR_SHIFT	     16
#define HV_X64_PENDING_INTERRUPTION_VECTOR_MASK		     (0xFFFFull << 16)
#define HV_X64_PENDING_INTERRUPTION_ERROR_CODE_SHIFT	     32

/* HvX64PendingInterruptionType. */
#define HV_X64_PENDING_INTERRUPT		     0u
#define HV_X64_PENDING_NMI			     2u
#define HV_X64_PENDING_EXCEPTION		     3u
#define HV_X64_PENDING_SOFTWARE_INTERRUPT	     4u
#define HV_X64_PENDING_PRIVILEGED_SOFTWARE_EXCEPTION 5u
#define HV_X64_PENDING_SOFTWARE_EXCEPTION	     6u

/* HvX64InterruptStateRegister (u64). */
#define HV_X64_INTERRUPT_STATE_INTERRUPT_SHADOW (1ull << 0)
#define HV_X64_INTERRUPT_STATE_NMI_MASKED	(1ull << 1)

/* ---- Messages ---- */

#define HV_MESSAGE_SIZE		256
#define HV_MESSAGE_PAYLOAD_SIZE 240

/* HvMessageType. */
#define HV_MESSAGE_TYPE_NONE			     0x00000000u
#define HV_MESSAGE_TYPE_UNMAPPED_GPA		     0x80000000u
#define HV_MESSAGE_TYPE_GPA_INTERCEPT		     0x80000001u
#define HV_MESSAGE_TYPE_UNACCEPTED_GPA		     0x80000003u
#define HV_MESSAGE_TYPE_GPA_ATTRIBUTE_INTERCEPT	     0x80000004u
#define HV_MESSAGE_TYPE_TIMER_EXPIRED		     0x80000010u
#define HV_MESSAGE_TYPE_INVALID_VP_REGISTER_VALUE    0x80000020u
#define HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION	     0x80000021u
#define HV_MESSAGE_TYPE_UNSUPPORTED_FEATURE	     0x80000022u
#define HV_MESSAGE_TYPE_HYPERCALL_INTERCEPT	     0x80000050u
#define HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT	     0x80010000u
#define HV_MESSAGE_TYPE_MSR_INTERCEPT		     0x80010001u
#define HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT	     0x80010002u
#define HV_MESSAGE_TYPE_EXCEPTION_INTERCEPT	     0x80010003u
#define HV_MESSAGE_TYPE_X64_APIC_EOI		     0x80010004u
#define HV_MESSAGE_TYPE_REGISTER_INTERCEPT	     0x80010006u
#define HV_MESSAGE_TYPE_X64_HALT		     0x80010007u
#define HV_MESSAGE_TYPE_X64_INTERRUPTION_DELIVERABLE 0x80010008u
#define HV_MESSAGE_TYPE_X64_SIPI_INTERCEPT	     0x80010009u

/* HvMessageFlags (u8). */
#define HV_MESSAGE_FLAG_MESSAGE_PENDING 0x01u

struct hv_message_header {
	uint32_t typ;  /* HV_MESSAGE_TYPE_* */
	uint8_t len;   /* payload bytes in use */
	uint8_t flags; /* HV_MESSAGE_FLAG_* */
	uint16_t rsvd;
	uint64_t id;
};
SIDECAR_ASSERT_SIZE(struct hv_message_header, 16);
SIDECAR_ASSERT_OFFSET(struct hv_message_header, typ, 0);
SIDECAR_ASSERT_OFFSET(struct hv_message_header, len, 4);
SIDECAR_ASSERT_OFFSET(struct hv_message_header, flags, 5);
SIDECAR_ASSERT_OFFSET(struct hv_message_header, rsvd, 6);
SIDECAR_ASSERT_OFFSET(struct hv_message_header, id, 8);

struct hv_message {
	SIDECAR_ALIGNAS(16) struct hv_message_header header;
	uint8_t payload_buffer[HV_MESSAGE_PAYLOAD_SIZE];
};
SIDECAR_ASSERT_SIZE(struct hv_message, HV_MESSAGE_SIZE);
SIDECAR_ASSERT_ALIGN(struct hv_message, 16);
SIDECAR_ASSERT_OFFSET(struct hv_message, header, 0);
SIDECAR_ASSERT_OFFSET(struct hv_message, payload_buffer, 16);

/* HvInterceptAccessType (u8). */
#define HV_INTERCEPT_ACCESS_READ    0u
#define HV_INTERCEPT_ACCESS_WRITE   1u
#define HV_INTERCEPT_ACCESS_EXECUTE 2u

/* HvX64VpExecutionState (u16). */
#define HV_X64_VP_EXECUTION_STATE_CPL_MASK		      0x0003u
#define HV_X64_VP_EXECUTION_STATE_CR0_PE		      0x0004u
#define HV_X64_VP_EXECUTION_STATE_CR0_AM		      0x0008u
#define HV_X64_VP_EXECUTION_STATE_EFER_LMA		      0x0010u
#define HV_X64_VP_EXECUTION_STATE_DEBUG_ACTIVE		      0x0020u
#define HV_X64_VP_EXECUTION_STATE_INTERRUPTION_PENDING	      0x0040u
#define HV_X64_VP_EXECUTION_STATE_VTL_SHIFT		      7
#define HV_X64_VP_EXECUTION_STATE_VTL_MASK		      0x0780u
#define HV_X64_VP_EXECUTION_STATE_ENCLAVE_MODE		      0x0800u
#define HV_X64_VP_EXECUTION_STATE_INTERRUPT_SHADOW	      0x1000u
#define HV_X64_VP_EXECUTION_STATE_VIRTUALIZATION_FAULT_ACTIVE 0x2000u

struct hv_x64_intercept_message_header {
	uint32_t vp_index;
	uint8_t instruction_length_and_cr8; /* length in bits 0-3, CR8 in bits 4-7 */
	uint8_t intercept_access_type;	    /* HV_INTERCEPT_ACCESS_* */
	uint16_t execution_state;	    /* HV_X64_VP_EXECUTION_STATE_* */
	struct hv_x64_segment_register cs_segment;
	uint64_t rip;
	uint64_t rflags;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_intercept_message_header, 40);
SIDECAR_ASSERT_OFFSET(struct hv_x64_intercept_message_header, instruction_length_and_cr8, 4);
SIDECAR_ASSERT_OFFSET(struct hv_x64_intercept_message_header, intercept_access_type, 5);
SIDECAR_ASSERT_OFFSET(struct hv_x64_intercept_message_header, execution_state, 6);
SIDECAR_ASSERT_OFFSET(struct hv_x64_intercept_message_header, cs_segment, 8);
SIDECAR_ASSERT_OFFSET(struct hv_x64_intercept_message_header, rip, 24);
SIDECAR_ASSERT_OFFSET(struct hv_x64_intercept_message_header, rflags, 32);

/* HvX64IoPortAccessInfo (u8). */
#define HV_X64_IO_PORT_ACCESS_SIZE_MASK	 0x07u
#define HV_X64_IO_PORT_ACCESS_STRING_OP	 0x08u
#define HV_X64_IO_PORT_ACCESS_REP_PREFIX 0x10u

struct hv_x64_io_port_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint16_t port_number;
	uint8_t access_info; /* HV_X64_IO_PORT_ACCESS_* */
	uint8_t instruction_byte_count;
	uint32_t reserved;
	uint64_t rax;
	uint8_t instruction_bytes[16];
	struct hv_x64_segment_register ds_segment;
	struct hv_x64_segment_register es_segment;
	uint64_t rcx;
	uint64_t rsi;
	uint64_t rdi;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_io_port_intercept_message, 128);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, port_number, 40);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, access_info, 42);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, instruction_byte_count, 43);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, rax, 48);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, instruction_bytes, 56);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, ds_segment, 72);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, es_segment, 88);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, rcx, 104);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, rsi, 112);
SIDECAR_ASSERT_OFFSET(struct hv_x64_io_port_intercept_message, rdi, 120);

/* HvX64MemoryAccessInfo (u8). */
#define HV_X64_MEMORY_ACCESS_GVA_VALID		      0x01u
#define HV_X64_MEMORY_ACCESS_GVA_GPA_VALID	      0x02u
#define HV_X64_MEMORY_ACCESS_HYPERCALL_OUTPUT_PENDING 0x04u
#define HV_X64_MEMORY_ACCESS_TLB_LOCKED		      0x08u
#define HV_X64_MEMORY_ACCESS_SUPERVISOR_SHADOW_STACK  0x10u

/* HvCacheType (u32). */
#define HV_CACHE_TYPE_UNCACHED	      0u
#define HV_CACHE_TYPE_WRITE_COMBINING 1u
#define HV_CACHE_TYPE_WRITE_THROUGH   4u
#define HV_CACHE_TYPE_WRITE_PROTECTED 5u
#define HV_CACHE_TYPE_WRITE_BACK      6u

struct hv_x64_memory_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint32_t cache_type; /* HV_CACHE_TYPE_* */
	uint8_t instruction_byte_count;
	uint8_t memory_access_info; /* HV_X64_MEMORY_ACCESS_* */
	uint8_t tpr_priority;
	uint8_t reserved;
	uint64_t guest_virtual_address;
	uint64_t guest_physical_address;
	uint8_t instruction_bytes[16];
};
SIDECAR_ASSERT_SIZE(struct hv_x64_memory_intercept_message, 0x50);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, cache_type, 40);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, instruction_byte_count, 44);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, memory_access_info, 45);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, tpr_priority, 46);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, guest_virtual_address, 48);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, guest_physical_address, 56);
SIDECAR_ASSERT_OFFSET(struct hv_x64_memory_intercept_message, instruction_bytes, 64);

struct hv_x64_msr_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint32_t msr_number;
	uint32_t reserved;
	uint64_t rdx;
	uint64_t rax;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_msr_intercept_message, 64);
SIDECAR_ASSERT_OFFSET(struct hv_x64_msr_intercept_message, msr_number, 40);
SIDECAR_ASSERT_OFFSET(struct hv_x64_msr_intercept_message, rdx, 48);
SIDECAR_ASSERT_OFFSET(struct hv_x64_msr_intercept_message, rax, 56);

struct hv_x64_cpuid_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rbx;
	uint64_t default_result_rax;
	uint64_t default_result_rcx;
	uint64_t default_result_rdx;
	uint64_t default_result_rbx;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_cpuid_intercept_message, 104);
SIDECAR_ASSERT_OFFSET(struct hv_x64_cpuid_intercept_message, rax, 40);
SIDECAR_ASSERT_OFFSET(struct hv_x64_cpuid_intercept_message, rbx, 64);
SIDECAR_ASSERT_OFFSET(struct hv_x64_cpuid_intercept_message, default_result_rax, 72);
SIDECAR_ASSERT_OFFSET(struct hv_x64_cpuid_intercept_message, default_result_rbx, 96);

/* HvX64ExceptionInfo (u8). */
#define HV_X64_EXCEPTION_INFO_ERROR_CODE_VALID	 0x01u
#define HV_X64_EXCEPTION_INFO_SOFTWARE_EXCEPTION 0x02u

struct hv_x64_exception_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint16_t vector;
	uint8_t exception_info; /* HV_X64_EXCEPTION_INFO_* */
	uint8_t instruction_byte_count;
	uint32_t error_code;
	uint64_t exception_parameter;
	uint64_t reserved;
	uint8_t instruction_bytes[16];
	struct hv_x64_segment_register ds_segment;
	struct hv_x64_segment_register ss_segment;
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_exception_intercept_message, 240);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, vector, 40);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, error_code, 44);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, exception_parameter, 48);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, instruction_bytes, 64);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, ds_segment, 80);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, ss_segment, 96);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, rax, 112);
SIDECAR_ASSERT_OFFSET(struct hv_x64_exception_intercept_message, r15, 232);

/* Halt and unrecoverable-exception messages carry only the header. */
struct hv_x64_halt_message {
	struct hv_x64_intercept_message_header header;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_halt_message, 40);

struct hv_x64_unrecoverable_exception_message {
	struct hv_x64_intercept_message_header header;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_unrecoverable_exception_message, 40);

/* ---- GVA translation ---- */

/* TranslateGvaControlFlagsX64 (u64). */
#define HV_TRANSLATE_GVA_VALIDATE_READ	     (1ull << 0)
#define HV_TRANSLATE_GVA_VALIDATE_WRITE	     (1ull << 1)
#define HV_TRANSLATE_GVA_VALIDATE_EXECUTE    (1ull << 2)
#define HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT    (1ull << 3)
#define HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS (1ull << 4)
#define HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT   (1ull << 5)
#define HV_TRANSLATE_GVA_SUPERVISOR_ACCESS   (1ull << 6)
#define HV_TRANSLATE_GVA_USER_ACCESS	     (1ull << 7)
#define HV_TRANSLATE_GVA_ENFORCE_SMAP	     (1ull << 8)
#define HV_TRANSLATE_GVA_OVERRIDE_SMAP	     (1ull << 9)
#define HV_TRANSLATE_GVA_SHADOW_STACK	     (1ull << 10)
#define HV_TRANSLATE_GVA_FLAGS_MASK	     0x7FFull
#define HV_TRANSLATE_GVA_INPUT_VTL_SHIFT     56
#define HV_TRANSLATE_GVA_INPUT_VTL_MASK	     (0xFFull << 56)

/* TranslateGvaResultCode (u32). */
#define HV_TRANSLATE_GVA_SUCCESS		    0u
#define HV_TRANSLATE_GVA_PAGE_NOT_PRESENT	    1u
#define HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION	    2u
#define HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS   3u
#define HV_TRANSLATE_GVA_GPA_UNMAPPED		    4u
#define HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS	    5u
#define HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS	    6u
#define HV_TRANSLATE_GVA_GPA_ILLEGAL_OVERLAY_ACCESS 7u
#define HV_TRANSLATE_GVA_INTERCEPT		    8u
#define HV_TRANSLATE_GVA_GPA_UNACCEPTED		    9u

/* TranslateGvaResult (u64): result_code:32 cache_type:8 overlay_page:1. */
#define HV_TRANSLATE_GVA_RESULT_CODE_MASK	 0xFFFFFFFFull
#define HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT 32
#define HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_MASK	 (0xFFull << 32)
#define HV_TRANSLATE_GVA_RESULT_OVERLAY_PAGE	 (1ull << 40)

/* HvX64PendingEvent: two 128-bit registers. */
struct hv_x64_pending_event {
	struct hv_u128 reg_0;
	struct hv_u128 reg_1;
};
SIDECAR_ASSERT_SIZE(struct hv_x64_pending_event, 0x20);
SIDECAR_ASSERT_ALIGN(struct hv_x64_pending_event, 16);

struct hv_translate_gva_result_ex_x64 {
	uint64_t result; /* HV_TRANSLATE_GVA_RESULT_* */
	uint64_t reserved;
	struct hv_x64_pending_event event_info;
};
SIDECAR_ASSERT_SIZE(struct hv_translate_gva_result_ex_x64, 0x30);
SIDECAR_ASSERT_OFFSET(struct hv_translate_gva_result_ex_x64, event_info, 16);

struct hv_translate_virtual_address_ex_output_x64 {
	struct hv_translate_gva_result_ex_x64 translation_result;
	uint64_t gpa_page;
	uint64_t reserved;
};
SIDECAR_ASSERT_SIZE(struct hv_translate_virtual_address_ex_output_x64, 0x40);
SIDECAR_ASSERT_OFFSET(struct hv_translate_virtual_address_ex_output_x64, gpa_page, 0x30);
SIDECAR_ASSERT_OFFSET(struct hv_translate_virtual_address_ex_output_x64, reserved, 0x38);

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_HVDEF_H */
