// SPDX-License-Identifier: MIT
/*
 * What all VPs of the partition share under SVM: the nested page tables
 * that map guest-physical [0, size) onto the loader's guest memory (2 MiB
 * pages; everything else unmapped, so the guest's accesses there become
 * UNMAPPED_GPA intercepts), and the I/O and MSR permission maps. Built once
 * by the BSP in the image's own memory, read-only afterwards.
 */
#include <string.h>

#include "cpu.h"
#include "kernel.h"
#include "svm.h"

#define GIB	    (1ull << 30)
#define NPT_MAX_GIB (SIDECAR_EXT_MAX_GUEST_MEMORY / GIB)

static uint64_t npt_pml4[512] __attribute__((aligned(4096)));
static uint64_t npt_pdpt[512] __attribute__((aligned(4096)));
static uint64_t npt_pd[NPT_MAX_GIB][512] __attribute__((aligned(4096)));
/* Every port intercepted (APM Vol. 2 15.10.1: 12 KiB, one bit per port). */
static uint8_t iopm[3 * 4096] __attribute__((aligned(4096)));
/* MSRs: two bits each (read, write) in three 2 KiB ranges (15.11). */
static uint8_t msrpm[2 * 4096] __attribute__((aligned(4096)));

static uint64_t guest_base, guest_size;
uint64_t svm_npt_pa, svm_iopm_pa, svm_msrpm_pa;

extern char __image_start[];

static uint64_t image_pa_of(const void *va)
{
	return sk_boot.image_pa + (uint64_t)((const char *)va - __image_start);
}

/* Permission map bits of an MSR (APM Vol. 2 15.11): read, write. */
#define MSRPM_READ  1u
#define MSRPM_WRITE 2u

/* Lets the guest read and/or write an MSR without an exit. */
static void pass_msr(uint32_t msr, unsigned int access)
{
	uint32_t base, offset;

	if (msr < 0x2000) {
		base = 0;
		offset = msr;
	} else if (msr >= 0xC0000000 && msr < 0xC0002000) {
		base = 0x800;
		offset = msr - 0xC0000000;
	} else {
		base = 0x1000;
		offset = msr - 0xC0010000;
	}
	msrpm[base + offset / 4] &= (uint8_t) ~(access << (2 * (offset % 4)));
}

const char *svm_partition_init(uint64_t base, uint64_t size)
{
	struct cpuid_regs ext = cpuid(0x80000000, 0);
	/* MSRs whose guest copy VMRUN or VMLOAD/VMSAVE switch (15.5.1, 15.8):
	 * the guest owns them. Every other MSR access is the VMM's to handle. */
	static const uint32_t guest_owned[] = {
		0xC0000080, /* EFER */
		0xC0000081, /* STAR */
		0xC0000082, /* LSTAR */
		0xC0000083, /* CSTAR */
		0xC0000084, /* SFMASK */
		0xC0000100, /* FS_BASE */
		0xC0000101, /* GS_BASE */
		0xC0000102, /* KERNEL_GS_BASE */
		0x174,	    /* SYSENTER_CS */
		0x175,	    /* SYSENTER_ESP */
		0x176,	    /* SYSENTER_EIP */
		0x277,	    /* PAT (G_PAT with nested paging) */
	};

	if (size == 0)
		return "the loader gave no guest memory";
	if (ext.eax < 0x8000000A || !(cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM))
		return "the CPU has no SVM";
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM is disabled by the firmware (VM_CR.SVMDIS)";
	if (!(cpuid(0x8000000A, 0).edx & CPUID_8000000A_EDX_NP))
		return "the CPU has no nested paging";

	guest_base = base;
	guest_size = size;
	memset(npt_pml4, 0, sizeof(npt_pml4));
	memset(npt_pdpt, 0, sizeof(npt_pdpt));
	memset(npt_pd, 0, sizeof(npt_pd));
	/* Nested walks are user accesses (15.25.5): U on every level. */
	npt_pml4[0] = image_pa_of(npt_pdpt) | PTE_P | PTE_RW | PTE_US;
	for (uint64_t gpa = 0; gpa < size; gpa += 2ull << 20) {
		uint64_t g = gpa / GIB, i = (gpa % GIB) >> 21;

		npt_pdpt[g] = image_pa_of(npt_pd[g]) | PTE_P | PTE_RW | PTE_US;
		npt_pd[g][i] = (base + gpa) | PTE_P | PTE_RW | PTE_US | PTE_PS;
	}
	memset(iopm, 0xFF, sizeof(iopm));
	memset(msrpm, 0xFF, sizeof(msrpm));
	for (size_t i = 0; i < sizeof(guest_owned) / sizeof(guest_owned[0]); i++)
		pass_msr(guest_owned[i], MSRPM_READ | MSRPM_WRITE);
	/*
	 * The TSC: RDMSR gives this CPU's TSC plus the VMCB's offset, as RDTSC
	 * does (the offset applies to what the guest reads, 15.30.3). A WRMSR
	 * that did not exit would reach this CPU's own TSC, which the host's
	 * timing relies on and the offsets of later guests are taken from;
	 * it exits to the VMM, which changes the guest's TSC (the offset)
	 * with SET_VP_REGISTERS. TSC_ADJUST and TSC_AUX exit as well, like
	 * every MSR not listed here.
	 */
	pass_msr(0x10, MSRPM_READ);
	svm_npt_pa = image_pa_of(npt_pml4);
	svm_iopm_pa = image_pa_of(iopm);
	svm_msrpm_pa = image_pa_of(msrpm);
	return NULL;
}

/* Copies guest-physical memory into `buf`, a page at a time through this
 * CPU's temporary mapping. */
bool svm_guest_read(uint64_t gpa, void *buf, uint32_t size)
{
	uint8_t *p = buf;

	if (gpa >= guest_size || size > guest_size - gpa)
		return false;
	while (size) {
		uint32_t chunk = SIDECAR_PAGE_SIZE - (uint32_t)(gpa & (SIDECAR_PAGE_SIZE - 1));
		uint8_t *map;

		if (chunk > size)
			chunk = size;
		map = temp_map(TEMP_GUEST, guest_base + gpa, chunk);
		if (!map)
			return false;
		memcpy(p, map, chunk);
		temp_unmap(TEMP_GUEST, guest_base + gpa, chunk);
		gpa += chunk;
		p += chunk;
		size -= chunk;
	}
	return true;
}

/*
 * One LOCK CMPXCHG on the guest's value through this CPU's temporary
 * mapping (write-back, like the guest's own mapping of its RAM), so a
 * change another vCPU makes between the walker's read and this write is
 * seen, never overwritten (the CPU's own A/D updates are locked the same
 * way, SDM Vol. 3A 4.8). Natural alignment keeps the value inside one page.
 */
enum sk_cmpxchg_result svm_guest_cmpxchg(uint64_t gpa, uint32_t size, uint64_t *expected,
					 uint64_t desired)
{
	enum sk_cmpxchg_result result = SK_CMPXCHG_CHANGED;
	void *map;

	if ((size != 4 && size != 8) || (gpa & (size - 1)))
		return SK_CMPXCHG_UNMAPPED;
	if (gpa >= guest_size || size > guest_size - gpa)
		return SK_CMPXCHG_UNMAPPED;
	map = temp_map(TEMP_GUEST, guest_base + gpa, size);
	if (!map)
		return SK_CMPXCHG_UNMAPPED;
	if (size == 8) {
		if (__atomic_compare_exchange_n((uint64_t *)map, expected, desired, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			result = SK_CMPXCHG_DONE;
	} else {
		uint32_t old = (uint32_t)*expected;

		if ((uint64_t)old != *expected) /* a 4-byte entry never equals this */
			old = *(volatile uint32_t *)map;
		else if (__atomic_compare_exchange_n((uint32_t *)map, &old, (uint32_t)desired,
						     false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			result = SK_CMPXCHG_DONE;
		*expected = old;
	}
	temp_unmap(TEMP_GUEST, guest_base + gpa, size);
	return result;
}
