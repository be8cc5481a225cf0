// SPDX-License-Identifier: MIT
/*
 * The intercept-message encoders on synthetic exits, checked as bytes at
 * hvdef's offsets: what a VMM written against Hyper-V reads.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sk_intercept.h"

static struct hv_message msg;
static struct sk_exit_state st;

static uint64_t le(const void *base, size_t off, size_t size)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint64_t v = 0;

	for (size_t i = size; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* The payload, as bytes. */
static uint64_t pl(size_t off, size_t size)
{
	return le(msg.payload_buffer, off, size);
}

static void setup(void)
{
	memset(&msg, 0xCC, sizeof(msg));
	st = (struct sk_exit_state){
		.vp_index = 17,
		.rip = 0xFFFFF80012345678ull,
		.rflags = 0x246,
		.cr0 = 0x80050033, /* PG AM WP NE ET MP PE */
		.efer = 0xD01,	   /* LMA LME NXE SCE */
		.cr8 = 0x2,
		.cpl = 0,
		.instruction_length = 2,
		.cs = {.base = 0, .limit = 0xFFFFFFFF, .selector = 0x10, .attributes = 0xA09B},
		.ds = {.base = 0x1000, .limit = 0xFFFF, .selector = 0x18, .attributes = 0xC093},
		.es = {.base = 0x2000, .limit = 0xFFFF, .selector = 0x20, .attributes = 0xC093},
		.instruction_byte_count = 2,
		.instruction_bytes = {0xEE, 0x90},
	};
	for (int i = 0; i < 16; i++)
		st.gps[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
}

TestSuite(intercept, .init = setup);

static void expect_header(uint32_t type, uint8_t len, uint8_t access)
{
	cr_expect_eq(msg.header.typ, type);
	cr_expect_eq(msg.header.len, len);
	cr_expect_eq(msg.header.flags, 0);
	cr_expect_eq(msg.header.id, 0);
	cr_expect_eq(pl(0, 4), 17, "vp_index");
	cr_expect_eq(pl(4, 1), 0x22, "instruction length 2, CR8 2");
	cr_expect_eq(pl(5, 1), access, "access type");
	cr_expect_eq(pl(6, 2), 0x1C, "CPL 0, CR0.PE, CR0.AM, EFER.LMA");
	cr_expect_eq(pl(8, 8), 0, "cs base");
	cr_expect_eq(pl(16, 4), 0xFFFFFFFF, "cs limit");
	cr_expect_eq(pl(20, 2), 0x10, "cs selector");
	cr_expect_eq(pl(22, 2), 0xA09B, "cs attributes");
	cr_expect_eq(pl(24, 8), 0xFFFFF80012345678ull, "rip");
	cr_expect_eq(pl(32, 8), 0x246, "rflags");
	for (size_t i = len; i < HV_MESSAGE_PAYLOAD_SIZE; i++)
		cr_expect_eq(msg.payload_buffer[i], 0, "payload byte %zu beyond len is zero", i);
}

Test(intercept, io_port_out)
{
	sk_msg_io_port(&msg, &st, 0xE9, 1, true, false, false);
	expect_header(HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, 128, HV_INTERCEPT_ACCESS_WRITE);
	cr_expect_eq(pl(40, 2), 0xE9, "port");
	cr_expect_eq(pl(42, 1), 1, "access size 1, no string, no rep");
	cr_expect_eq(pl(43, 1), 2, "instruction byte count");
	cr_expect_eq(pl(44, 4), 0, "reserved");
	cr_expect_eq(pl(48, 8), st.gps[SK_RAX], "rax");
	cr_expect_eq(pl(56, 8), 0x90EE, "instruction bytes, then zeros");
	cr_expect_eq(pl(64, 8), 0, "instruction bytes past the count");
	cr_expect_eq(pl(72, 8), 0x1000, "ds base");
	cr_expect_eq(pl(88, 8), 0x2000, "es base");
	cr_expect_eq(pl(104, 8), st.gps[SK_RCX], "rcx");
	cr_expect_eq(pl(112, 8), st.gps[SK_RSI], "rsi");
	cr_expect_eq(pl(120, 8), st.gps[SK_RDI], "rdi");
}

Test(intercept, io_port_rep_ins_dword)
{
	st.instruction_byte_count = 3;
	st.instruction_bytes[0] = 0xF3;
	st.instruction_bytes[1] = 0x6D;
	sk_msg_io_port(&msg, &st, 0x1F0, 4, false, true, true);
	cr_expect_eq(pl(5, 1), HV_INTERCEPT_ACCESS_READ);
	cr_expect_eq(pl(40, 2), 0x1F0);
	cr_expect_eq(pl(42, 1), 4 | 0x8 | 0x10, "size 4, string, rep");
	cr_expect_eq(pl(43, 1), 3);
}

Test(intercept, msr)
{
	sk_msg_msr(&msg, &st, 0xC0011234, true);
	expect_header(HV_MESSAGE_TYPE_MSR_INTERCEPT, 64, HV_INTERCEPT_ACCESS_WRITE);
	cr_expect_eq(pl(40, 4), 0xC0011234);
	cr_expect_eq(pl(44, 4), 0, "reserved");
	cr_expect_eq(pl(48, 8), st.gps[SK_RDX]);
	cr_expect_eq(pl(56, 8), st.gps[SK_RAX]);
	sk_msg_msr(&msg, &st, 0x10, false);
	cr_expect_eq(pl(5, 1), HV_INTERCEPT_ACCESS_READ);
}

Test(intercept, cpuid)
{
	sk_msg_cpuid(&msg, &st, 0xA, 0xB, 0xC, 0xD);
	expect_header(HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT, 104, HV_INTERCEPT_ACCESS_EXECUTE);
	cr_expect_eq(pl(40, 8), st.gps[SK_RAX]);
	cr_expect_eq(pl(48, 8), st.gps[SK_RCX]);
	cr_expect_eq(pl(56, 8), st.gps[SK_RDX]);
	cr_expect_eq(pl(64, 8), st.gps[SK_RBX]);
	cr_expect_eq(pl(72, 8), 0xA, "default rax");
	cr_expect_eq(pl(80, 8), 0xC, "default rcx");
	cr_expect_eq(pl(88, 8), 0xD, "default rdx");
	cr_expect_eq(pl(96, 8), 0xB, "default rbx");
}

Test(intercept, unmapped_gpa)
{
	st.instruction_byte_count = 3;
	st.instruction_bytes[0] = 0x8B;
	st.instruction_bytes[1] = 0x03;
	st.instruction_bytes[2] = 0xC3;
	sk_msg_unmapped_gpa(&msg, &st, 0xFEE00020, false, 0xDEAD, HV_INTERCEPT_ACCESS_READ);
	expect_header(HV_MESSAGE_TYPE_UNMAPPED_GPA, 80, HV_INTERCEPT_ACCESS_READ);
	cr_expect_eq(pl(40, 4), HV_CACHE_TYPE_UNCACHED);
	cr_expect_eq(pl(44, 1), 3, "instruction byte count");
	cr_expect_eq(pl(45, 1), 0, "GVA not valid");
	cr_expect_eq(pl(46, 2), 0, "tpr_priority, reserved");
	cr_expect_eq(pl(48, 8), 0, "no GVA when not valid");
	cr_expect_eq(pl(56, 8), 0xFEE00020);
	cr_expect_eq(pl(64, 3), 0xC3038B);

	sk_msg_unmapped_gpa(&msg, &st, 0x4000000, true, 0x7000, HV_INTERCEPT_ACCESS_WRITE);
	cr_expect_eq(pl(5, 1), HV_INTERCEPT_ACCESS_WRITE);
	cr_expect_eq(pl(45, 1), HV_X64_MEMORY_ACCESS_GVA_VALID);
	cr_expect_eq(pl(48, 8), 0x7000);
}

Test(intercept, halt_and_unrecoverable)
{
	st.instruction_length = 1;
	st.interrupt_shadow = true;
	st.cpl = 3;
	sk_msg_halt(&msg, &st);
	cr_expect_eq(msg.header.typ, HV_MESSAGE_TYPE_X64_HALT);
	cr_expect_eq(msg.header.len, 40);
	cr_expect_eq(msg.header.flags, 0);
	cr_expect_eq(msg.header.id, 0);
	cr_expect_eq(pl(0, 4), 17, "vp_index");
	cr_expect_eq(pl(4, 1), 0x21);
	cr_expect_eq(pl(5, 1), HV_INTERCEPT_ACCESS_EXECUTE);
	cr_expect_eq(pl(6, 2), 0x101F, "CPL 3, PE, AM, LMA, interrupt shadow");
	cr_expect_eq(pl(24, 8), st.rip);
	for (size_t i = 40; i < HV_MESSAGE_PAYLOAD_SIZE; i++)
		cr_expect_eq(msg.payload_buffer[i], 0, "halt: payload byte %zu beyond len", i);

	memset(&msg, 0xCC, sizeof(msg));
	sk_msg_unrecoverable_exception(&msg, &st);
	cr_expect_eq(msg.header.typ, HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION);
	cr_expect_eq(msg.header.len, 40);
	cr_expect_eq(msg.header.flags, 0);
	cr_expect_eq(pl(0, 4), 17, "vp_index");
	cr_expect_eq(pl(24, 8), st.rip);
	for (size_t i = 40; i < HV_MESSAGE_PAYLOAD_SIZE; i++)
		cr_expect_eq(msg.payload_buffer[i], 0, "unrecoverable: payload byte %zu beyond len",
			     i);
}

Test(intercept, execution_state_bits)
{
	st.cr0 = 1;
	st.efer = 0;
	st.cpl = 2;
	st.interruption_pending = true;
	cr_expect_eq(sk_msg_execution_state(&st), 0x2 | 0x4 | 0x40);
	st.cr0 = 0;
	st.cpl = 0;
	st.interruption_pending = false;
	cr_expect_eq(sk_msg_execution_state(&st), 0, "real mode");
}

Test(intercept, instruction_bytes_are_bounded)
{
	st.instruction_byte_count = 200;
	memset(st.instruction_bytes, 0x66, sizeof(st.instruction_bytes));
	sk_msg_io_port(&msg, &st, 0x80, 1, true, false, false);
	cr_expect_eq(pl(43, 1), 16);
	cr_expect_eq(pl(72, 8), 0x1000, "ds base intact after the bytes");
}
