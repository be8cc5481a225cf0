/* SPDX-License-Identifier: MIT */
/*
 * Intercept messages in Hyper-V's format (hvdef: HvX64*InterceptMessage),
 * written into command_page.intercept_message when RUN_VP stops on an exit
 * the VMM must handle. The encoders take a backend-neutral description of
 * the exit, so any VP backend (SVM today) produces byte-identical messages
 * and the unit tests can check every field.
 *
 * As on Hyper-V, RIP in the message is the intercepted instruction's and
 * instruction_length tells how far to advance it: completing the
 * instruction (writing RAX for IN/RDMSR/CPUID, moving RIP) is the VMM's job.
 */
#ifndef SK_INTERCEPT_H
#define SK_INTERCEPT_H

#include <sidecar_defs.h>
#include <stdbool.h>
#include <stdint.h>

/* The guest state every intercept message header carries. */
struct sk_exit_state {
	uint32_t vp_index;
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0;
	uint64_t efer;
	uint64_t cr8;
	uint8_t cpl;
	bool interrupt_shadow;
	bool interruption_pending;
	uint8_t instruction_length; /* 0 when unknown */
	struct hv_x64_segment_register cs, ds, es, ss;
	uint64_t gps[16]; /* RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
	/* The intercepted instruction, as far as it could be fetched. */
	uint8_t instruction_bytes[16];
	uint8_t instruction_byte_count;
};

enum sk_gp {
	SK_RAX,
	SK_RCX,
	SK_RDX,
	SK_RBX,
	SK_RSP,
	SK_RBP,
	SK_RSI,
	SK_RDI,
	SK_R8,
	SK_R9,
	SK_R10,
	SK_R11,
	SK_R12,
	SK_R13,
	SK_R14,
	SK_R15,
};

/* IN or OUT (string and REP forms included). */
void sk_msg_io_port(struct hv_message *msg, const struct sk_exit_state *st, uint16_t port,
		    uint8_t access_size, bool is_write, bool is_string, bool has_rep);

/* RDMSR or WRMSR of an intercepted MSR (number in ECX). */
void sk_msg_msr(struct hv_message *msg, const struct sk_exit_state *st, uint32_t msr,
		bool is_write);

/* CPUID, with the results the CPU would give by default. */
void sk_msg_cpuid(struct hv_message *msg, const struct sk_exit_state *st, uint64_t default_rax,
		  uint64_t default_rbx, uint64_t default_rcx, uint64_t default_rdx);

/* An access to guest-physical memory that is not mapped (message type
 * UNMAPPED_GPA). access_type is HV_INTERCEPT_ACCESS_READ/WRITE/EXECUTE. */
void sk_msg_unmapped_gpa(struct hv_message *msg, const struct sk_exit_state *st, uint64_t gpa,
			 bool gva_valid, uint64_t gva, uint8_t access_type);

/* HLT. */
void sk_msg_halt(struct hv_message *msg, const struct sk_exit_state *st);

/* A triple fault or shutdown: the guest cannot continue. */
void sk_msg_unrecoverable_exception(struct hv_message *msg, const struct sk_exit_state *st);

/* The HvX64VpExecutionState bits of the header. */
uint16_t sk_msg_execution_state(const struct sk_exit_state *st);

#endif /* SK_INTERCEPT_H */
