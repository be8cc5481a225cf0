// SPDX-License-Identifier: MIT
/*
 * What the VMCB and exit code need from the CPU they run on (svm.h), as
 * the real instructions. The hosted tests and the fuzz harness link
 * hosted/svm_host_model.c instead; so that they can, nothing here calls
 * back into the SVM code.
 */
#include "cpu.h"
#include "svm.h"

struct cpuid_regs svm_host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	return cpuid(leaf, subleaf);
}

uint64_t svm_host_rdtsc(void)
{
	return rdtsc();
}

void svm_host_take_interrupt(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

void svm_host_wbinvd(void)
{
	__asm__ volatile("wbinvd" ::: "memory");
}
