/* SPDX-License-Identifier: MIT */
/*
 * The input of fuzz_svm_exit (and what seeds_svm_exit.c writes): one
 * #VMEXIT as the CPU would leave it in the VMCB, the guest's registers, a
 * few GET/SET_VP_REGISTERS calls, then guest memory from guest-physical 0.
 */
#ifndef FUZZ_SVM_EXIT_INPUT_H
#define FUZZ_SVM_EXIT_INPUT_H

#include <stdint.h>

/* The exit codes the handler knows, picked by exit_sel; any other value
 * of exit_sel takes raw_exit_code instead. */
#define FUZZ_SVM_KNOWN_EXITS                                                                       \
	0x41, 0x51, 0x60, 0x61, 0x62, 0x63, 0x72, 0x76, 0x78, 0x7A, 0x7B, 0x7C, 0x7F, 0x80, 0x81,  \
		0x82, 0x83, 0x84, 0x85, 0x86, 0x8D, 0x400, 0xFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull

#define FUZZ_SVM_MAX_REGS   8
#define FUZZ_SVM_SAVE_SIZE  0x300 /* the state-save area, VMCB 0x400..0x6FF */
#define FUZZ_SVM_GUEST_SIZE 0x10000

struct fuzz_svm_reg {
	uint32_t name;
	uint8_t set; /* bit 0: SET (else GET) */
	uint8_t pad[3];
	uint64_t low, high;
};

struct fuzz_svm_input {
	uint8_t exit_sel;
	uint8_t insn_len; /* the decode assist's byte count, VMCB 0xD0 */
	uint8_t reg_count;
	uint8_t v_tpr;
	uint32_t pad;
	uint64_t raw_exit_code;
	uint64_t info1, info2;
	uint64_t event_inj; /* EXITINTINFO, already put back into EVENTINJ */
	uint64_t next_rip;
	uint64_t int_state;
	uint8_t insn_bytes[15];
	uint8_t pad2;
	uint64_t gps[16];
	struct fuzz_svm_reg regs[FUZZ_SVM_MAX_REGS];
	uint8_t save[FUZZ_SVM_SAVE_SIZE];
	/* then guest memory, up to FUZZ_SVM_GUEST_SIZE bytes */
};

#endif /* FUZZ_SVM_EXIT_INPUT_H */
