// SPDX-License-Identifier: MIT
/*
 * Fan-out AP start-up. The BSP starts CPUs; every CPU, once up, helps:
 * each claims the next CPU of a node through that node's atomic next_vp
 * (which starts at 1: the base VP belongs to Linux), builds its page tables
 * and sends it INIT-SIPI-SIPI, until every node is exhausted. The number of
 * starters doubles with each round, so bring-up takes a logarithmic number
 * of start-up latencies instead of a linear one.
 *
 * The start-up protocol (SDM Vol. 3A 9.4.4.1, MP spec B.4): INIT, a delay,
 * SIPI, a short delay, and a second SIPI only if the CPU has not checked in.
 * A CPU that does not check in before the timeout is given up: the starter
 * claims its slot (so a late arrival parks itself), sends INIT again (which
 * holds the CPU in wait-for-SIPI, harmless to whoever reuses the
 * trampoline), and marks it REMOVED so that nothing waits for it.
 */
#include <sidecar/control_ops.h>

#include "cpu.h"
#include "kernel.h"

/* Waits up to `ticks` for the slot to leave `state`; true if it did. */
static bool wait_leave(struct boot_slot *s, uint32_t state, uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;

	while (atomic_load_explicit(&s->state, memory_order_acquire) == state) {
		if (rdtsc() >= end)
			return false;
		cpu_relax();
	}
	return true;
}

static void give_up(uint32_t node, uint32_t cpu, struct boot_slot *s, uint32_t apic_id,
		    const char *why)
{
	const struct node_state *n = &sc_boot.nodes[node];
	uint32_t expected = SLOT_STARTING;
	struct sidecar_control_page *control;

	if (!atomic_compare_exchange_strong_explicit(&s->state, &expected, SLOT_FAILED,
						     memory_order_acq_rel, memory_order_acquire))
		return; /* it checked in at the last moment */
	apic_send_init(apic_id);
	control = temp_map(TEMP_FAILED_CONTROL, n->memory_base, SIDECAR_PAGE_SIZE);
	if (control) {
		sidecar_cpu_status_publish(control, cpu, SIDECAR_CPU_STATUS_REMOVED);
		temp_unmap(TEMP_FAILED_CONTROL, n->memory_base, SIDECAR_PAGE_SIZE);
	}
	log_force_line("VP %u (APIC ID %u) %s; left REMOVED", n->base_vp + cpu, apic_id, why);
}

static void start_one(uint32_t node, uint32_t cpu, uint32_t my_vp, uint32_t my_depth)
{
	const struct node_state *n = &sc_boot.nodes[node];
	uint32_t slot = n->first_slot + cpu;
	struct boot_slot *s = &sc_boot.slots[slot];
	uint32_t apic_id = sc_ap_apic_ids[slot];
	uint64_t cr3;

	s->depth = my_depth + 1;
	s->started_by = my_vp;
	if (!build_cpu_tables(node, cpu, &cr3)) {
		atomic_store_explicit(&s->state, SLOT_STARTING, memory_order_relaxed);
		give_up(node, cpu, s, apic_id, "could not get its page tables mapped");
		return;
	}
	sc_ap_cr3[slot] = cr3;
	/* Release: the tables, globals and cr3 are in place before the CPU can
	 * see its slot as starting (the IPIs come after this store). */
	atomic_store_explicit(&s->state, SLOT_STARTING, memory_order_release);

	apic_send_init(apic_id);
	udelay(sc_boot.init_delay_us);
	apic_send_sipi(apic_id, sc_boot.trampoline_page >> 12);
	if (!wait_leave(s, SLOT_STARTING, tsc_from_us(sc_boot.sipi_delay_us)))
		apic_send_sipi(apic_id, sc_boot.trampoline_page >> 12);
	if (!wait_leave(s, SLOT_STARTING, tsc_from_us(sc_boot.ap_timeout_us)))
		give_up(node, cpu, s, apic_id, "did not start in time");
}

void start_aps(uint32_t my_vp, uint32_t my_depth)
{
	for (uint32_t node = 0; node < sc_boot.node_count; node++) {
		struct node_state *n = &sc_boot.nodes[node];

		for (;;) {
			uint32_t cpu =
				atomic_fetch_add_explicit(&n->next_vp, 1, memory_order_relaxed);

			if (cpu >= n->vp_count)
				break;
			if (atomic_load_explicit(&sc_boot.slots[n->first_slot + cpu].state,
						 memory_order_relaxed) == SLOT_SKIP) {
				log_line("skipping VP %u: left to Linux", n->base_vp + cpu);
				continue;
			}
			start_one(node, cpu, my_vp, my_depth);
		}
	}
}
