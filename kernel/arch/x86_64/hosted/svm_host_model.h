/* SPDX-License-Identifier: MIT */
/*
 * A model of the CPU under the SVM backend's VMCB and exit code, for the
 * hosted builds of svm_vmcb.c and svm_exit.c (unit tests, fuzz harness):
 * what svm.h asks of the CPU, answered from plain data. Guest memory is a
 * byte array; CPUID gives fixed values; WBINVD and the interrupt window
 * are counted so a test can see that they happened.
 */
#ifndef SVM_HOST_MODEL_H
#define SVM_HOST_MODEL_H

#include <stdint.h>

#include "svm.h"

struct svm_host_model {
	uint8_t *guest; /* guest-physical 0 .. guest_size */
	uint64_t guest_size;
	uint64_t tsc;
	unsigned int wbinvd;	 /* WBINVDs executed */
	unsigned int interrupts; /* interrupt windows opened */
};

extern struct svm_host_model svm_host_model;

/* The guest-physical address width CPUID 0x80000008 reports. */
#define SVM_HOST_MODEL_MAXPHYADDR 48

#endif /* SVM_HOST_MODEL_H */
