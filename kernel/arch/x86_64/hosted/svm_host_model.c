// SPDX-License-Identifier: MIT
#include "svm_host_model.h"

#include <string.h>

struct svm_host_model svm_host_model;
uint64_t svm_npt_pa = 0x1000000, svm_iopm_pa = 0x1100000, svm_msrpm_pa = 0x1200000;

struct cpuid_regs svm_host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	if (leaf == 0x80000008)
		return (struct cpuid_regs){SVM_HOST_MODEL_MAXPHYADDR, 0, 0, 0};
	/* Recognisable values, different per leaf and subleaf. */
	return (struct cpuid_regs){leaf, subleaf, ~leaf, ~subleaf};
}

uint64_t svm_host_rdtsc(void)
{
	return svm_host_model.tsc;
}

void svm_host_take_interrupt(void)
{
	svm_host_model.interrupts++;
}

void svm_host_wbinvd(void)
{
	svm_host_model.wbinvd++;
}

bool svm_guest_read(uint64_t gpa, void *buf, uint32_t size)
{
	if (gpa >= svm_host_model.guest_size || size > svm_host_model.guest_size - gpa)
		return false;
	memcpy(buf, svm_host_model.guest + gpa, size);
	return true;
}

enum sk_cmpxchg_result svm_guest_cmpxchg(uint64_t gpa, uint32_t size, uint64_t *expected,
					 uint64_t desired)
{
	uint64_t old = 0;

	if ((size != 4 && size != 8) || (gpa & (size - 1)) || gpa >= svm_host_model.guest_size ||
	    size > svm_host_model.guest_size - gpa)
		return SK_CMPXCHG_UNMAPPED;
	memcpy(&old, svm_host_model.guest + gpa, size);
	if (old != *expected) {
		*expected = old;
		return SK_CMPXCHG_CHANGED;
	}
	memcpy(svm_host_model.guest + gpa, &desired, size);
	return SK_CMPXCHG_DONE;
}
