// SPDX-License-Identifier: MIT
/*
 * The start-up protocol's waits (wait_step()): on the APIC timer (apic.c)
 * for a time measured by the TSC (tsc.c).
 */
#include "cpu.h"
#include "kernel.h"
#include "sk_boot.h"

/*
 * Under a hypervisor (and under QEMU's TCG, where every vCPU is a host
 * thread) a CPU that spins takes the host from the CPU it waits for; one
 * that halts gives it back. The timer bounds the HLT, so a wait never
 * outlasts its deadline by more than the timer's latency.
 *
 * Waits shorter than WAIT_SPIN_US spin: a host sleeps at least its timer
 * slack (50 us by default on Linux), and each sleep costs several APIC
 * register accesses and a host wake-up (under TCG each one takes QEMU's
 * global lock). Only the protocol's SIPI delay (10 us from the reference
 * shim) is that short.
 */
#define WAIT_SPIN_US 50

void wait_step(uint64_t deadline)
{
	struct percpu *cpu = this_cpu();
	uint64_t now = rdtsc(), khz = tsc_khz();
	uint32_t count;

	if (now >= deadline)
		return;
	if (deadline - now < tsc_from_us(WAIT_SPIN_US)) {
		cpu_relax();
		return;
	}
	if (cpu->sleep_max_tsc && deadline - now > cpu->sleep_max_tsc)
		deadline = now + cpu->sleep_max_tsc;
	count = cpu->can_sleep ? sk_boot_timer_count(deadline - now, khz,
						     atomic_load_explicit(&sk_boot.apic_timer_khz,
									  memory_order_relaxed))
			       : 0;
	if (!count) {
		cpu_relax();
		return;
	}
	/* Set up at the first sleep: most CPUs start none and never sleep. */
	if (!cpu->timer_ready) {
		apic_timer_prepare();
		cpu->timer_ready = true;
	}
	apic_timer_arm(count);
	/* STI's shadow covers the HLT: an interrupt that became pending
	 * since the caller's check ends the HLT (SDM Vol. 2B, STI). */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	apic_timer_disarm();
}
