// SPDX-License-Identifier: MIT
/* sk_platform.h on real x86-64 hardware. */
#include "cpu.h"
#include "kernel.h"
#include "sk_platform.h"

void sk_plat_wait_for_request(struct sk_vp *vp)
{
	(void)vp;
	/* STI's interrupt shadow covers the HLT: a request IPI that arrives
	 * between the status check (made with interrupts off) and the HLT
	 * still wakes it (SDM Vol. 2B, STI). */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void sk_plat_send_ipi(struct sk_vp *vp, uint32_t apic_id, uint8_t vector)
{
	(void)vp;
	apic_send_fixed(apic_id, vector);
}

bool sk_plat_read_msr(struct sk_vp *vp, uint32_t msr, uint64_t *value)
{
	(void)vp;
	return sk_rdmsr_safe(msr, value);
}

bool sk_plat_write_msr(struct sk_vp *vp, uint32_t msr, uint64_t value)
{
	(void)vp;
	return sk_wrmsr_safe(msr, value);
}

uint64_t sk_plat_read_dr(struct sk_vp *vp, unsigned int n)
{
	uint64_t v = 0;

	(void)vp;
	switch (n) {
	case 0:
		__asm__ volatile("mov %%dr0, %0" : "=r"(v));
		break;
	case 1:
		__asm__ volatile("mov %%dr1, %0" : "=r"(v));
		break;
	case 2:
		__asm__ volatile("mov %%dr2, %0" : "=r"(v));
		break;
	case 3:
		__asm__ volatile("mov %%dr3, %0" : "=r"(v));
		break;
	case 6:
		__asm__ volatile("mov %%dr6, %0" : "=r"(v));
		break;
	default:
		break;
	}
	return v;
}

void sk_plat_write_dr(struct sk_vp *vp, unsigned int n, uint64_t value)
{
	(void)vp;
	/* DR7 stays 0 on sidecar CPUs, so these addresses arm no breakpoint
	 * in the sidecar itself. */
	switch (n) {
	case 0:
		__asm__ volatile("mov %0, %%dr0" : : "r"(value));
		break;
	case 1:
		__asm__ volatile("mov %0, %%dr1" : : "r"(value));
		break;
	case 2:
		__asm__ volatile("mov %0, %%dr2" : : "r"(value));
		break;
	case 3:
		__asm__ volatile("mov %0, %%dr3" : : "r"(value));
		break;
	case 6:
		__asm__ volatile("mov %0, %%dr6" : : "r"(value));
		break;
	default:
		break;
	}
}

void sk_plat_park(struct sk_vp *vp)
{
	(void)vp;
	apic_disable_this_cpu();
	halt_forever();
}

void sk_plat_log(struct sk_vp *vp, const char *fmt, ...)
{
	va_list ap;

	(void)vp;
	va_start(ap, fmt);
	log_vline(fmt, ap);
	va_end(ap);
}
