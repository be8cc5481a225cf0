// SPDX-License-Identifier: MIT
/*
 * A sidecar CPU's life after the trampoline: its own descriptors and APIC,
 * helping start other CPUs, announcing itself IDLE, then the dispatch loop
 * until REMOVE, then parked for INIT-SIPI.
 */
#include <string.h>

#include "cpu.h"
#include "kernel.h"
#include "sk_dispatch.h"
#include "sk_platform.h"

/* A starter's HLT ends on its CPU's check-in IPI; this bounds it should
 * that IPI not come (an xAPIC ICR still busy: apic.c gives up on it). */
#define AP_SLEEP_MAX_US 10000

void ap_main(uint32_t ap)
{
	struct percpu *cpu = this_cpu();
	struct ap_record *s = &sk_boot.aps[ap];
	uint32_t expected = AP_STARTING;
	uint64_t khz;

	s->phase_end_tsc[SIDECAR_VP_PHASE_ENTRY] = tsc_since_entry();
	descriptors_load(cpu);
	/* The APIC before the check-in: the check-in IPI needs it. A CPU
	 * given up meanwhile is sent INIT, which resets it again. */
	apic_init_this_cpu();
	/* Check in. If the starter gave up on us, it owns the record now and
	 * has marked us REMOVED: stay out of the way. */
	if (!atomic_compare_exchange_strong_explicit(&s->state, &expected, AP_ALIVE,
						     memory_order_acq_rel, memory_order_acquire))
		halt_forever();
	/* End the starter's HLT: it can start its next CPU now. */
	if (s->waker_apic_id != UINT32_MAX)
		apic_send_fixed(s->waker_apic_id, SK_WAKE_VECTOR);

	cpu->vp.control = slot_va(SLOT_CONTROL);
	cpu->vp.command = slot_va(SLOT_COMMAND);
	cpu->vp.index_in_node = cpu->index_in_node;
	cpu->vp.vp_index = cpu->vp_index;
	cpu->vp.platform = cpu;
	cpu->vp.backend = NULL;
	cpu->vp.no_backend_reason = sk_boot.no_backend_reason;
	if (sk_boot.backend) {
		const char *why = NULL;

		memset(cpu->backend_state, 0, sizeof(cpu->backend_state));
		cpu->vp.backend_state = cpu->backend_state;
		if (sk_boot.backend->init_vp(&cpu->vp, &cpu->backend_pages, &why))
			cpu->vp.backend = sk_boot.backend;
		else
			cpu->vp.no_backend_reason = why;
	}
	/* Start-up waits from here on halt on the APIC timer (ap_start.c). */
	khz = apic_timer_calibrate();
	cpu->can_sleep = true;
	cpu->sleep_max_tsc = tsc_from_us(AP_SLEEP_MAX_US);
	s->phase_end_tsc[SIDECAR_VP_PHASE_CHECKIN] = tsc_since_entry();
	if (khz)
		log_line("APIC timer: %llu kHz", (unsigned long long)khz);
	log_line("up: APIC ID %u, node %u, started by VP %u at depth %u", cpu->apic_id, cpu->node,
		 s->started_by, s->depth);

	if ((sk_boot.flags & SIDECAR_EXT_FLAG_FAULT_INJECT) &&
	    cpu->vp_index == sk_boot.fault_inject_vp) {
		log_line("fault injection: writing to the stack guard page");
		*(volatile uint64_t *)slot_va(SLOT_STACK_GUARD) = 0;
	}

	start_aps(cpu->vp_index, s->depth);

	s->idle_tsc = tsc_since_entry();
	atomic_store_explicit(&s->state, AP_READY, memory_order_release);
	sk_dispatch_announce(&cpu->vp, slot_va(SLOT_REGISTER));
	sk_dispatch_loop(&cpu->vp);
	sk_plat_park(&cpu->vp);
	halt_forever();
}
