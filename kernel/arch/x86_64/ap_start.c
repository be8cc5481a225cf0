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
 * claims its record (so a late arrival parks itself), sends INIT again (which
 * holds the CPU in wait-for-SIPI, harmless to whoever reuses the
 * trampoline), and marks it REMOVED so that nothing waits for it.
 *
 * Every wait here halts instead of spinning when the CPU can (wait_step()):
 * under a hypervisor the CPU being started needs a host CPU, and a starter
 * that spins takes one. A started CPU ends its starter's HLT with an IPI
 * as soon as it has checked in; the APIC timer bounds each HLT by the
 * protocol's delay or timeout.
 *
 * A CPU deeper than max_starter_depth starts none, which bounds the
 * fan-out depth by sidecar_fanout_depth_bound() whatever the timing.
 */
#include <sidecar/control_ops.h>

#include "cpu.h"
#include "kernel.h"

/*
 * CPUs a starter starts side by side (start_batch()). Measured under TCG on
 * two host cores shared with other loads (docs/kernel.md): batches of 4
 * were slower than 1 at 255 CPUs (pooled median 0.68 s against 0.36 s over
 * 6-9 runs) and once left 97 of 1024 CPUs past the 5 s timeout, their
 * vCPU threads starved; 2 was no better. Each CPU that is up starts others
 * anyway, so the fan-out still doubles every round.
 */
#define START_BATCH 1
/* The BSP's polls while it waits for a CPU it started (wait_leave()). */
#define BSP_POLL_FIRST_US 20
#define BSP_POLL_MAX_US	  1000

/*
 * Waits until TSC `end` for the record to leave `state`; true if it did. An
 * AP sleeps until the CPU's check-in IPI (or `end`); the BSP, which takes
 * no IPI, polls, first often (a CPU can check in within microseconds),
 * then less and less: each poll is a timer interrupt and a host wake-up
 * (under TCG also QEMU's global lock), and a CPU that is slow to start is
 * usually slow by milliseconds.
 */
static bool wait_leave(struct ap_record *s, uint32_t state, uint64_t end)
{
	struct percpu *cpu = this_cpu();
	uint64_t poll = tsc_from_us(BSP_POLL_FIRST_US), poll_max = tsc_from_us(BSP_POLL_MAX_US);

	while (atomic_load_explicit(&s->state, memory_order_acquire) == state) {
		if (rdtsc() >= end)
			return false;
		if (cpu->is_bsp) {
			cpu->sleep_max_tsc = poll;
			poll = poll * 2 < poll_max ? poll * 2 : poll_max;
		}
		wait_step(end);
	}
	return true;
}

/* Waits `us` microseconds, halted where it can be. */
static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_from_us(us);

	while (rdtsc() < end)
		wait_step(end);
}

static void give_up(uint32_t node, uint32_t cpu, struct ap_record *s, uint32_t apic_id,
		    const char *why)
{
	const struct node_state *n = &sk_boot.nodes[node];
	uint32_t expected = AP_STARTING;
	struct sidecar_control_page *control;

	if (!atomic_compare_exchange_strong_explicit(&s->state, &expected, AP_FAILED,
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

/* One CPU a starter has claimed. */
struct target {
	uint32_t node, cpu, ap, apic_id;
	bool sent;	   /* INIT-SIPI sent: wait for it */
	uint64_t sipi_tsc; /* when its first SIPI went out */
};

/* Claims up to `max` CPUs that the sidecar starts, from node `*node` on;
 * returns how many. */
static uint32_t claim(struct target *t, uint32_t max, uint32_t *node)
{
	uint32_t count = 0;

	while (count < max && *node < sk_boot.node_count) {
		struct node_state *n = &sk_boot.nodes[*node];
		uint32_t cpu = atomic_fetch_add_explicit(&n->next_vp, 1, memory_order_relaxed);

		if (cpu >= n->vp_count) {
			++*node;
			continue;
		}
		if (atomic_load_explicit(&sk_boot.aps[n->first_ap + cpu].state,
					 memory_order_relaxed) == AP_SKIP) {
			log_line("skipping VP %u: left to Linux", n->base_vp + cpu);
			continue;
		}
		t[count++] = (struct target){
			.node = *node,
			.cpu = cpu,
			.ap = n->first_ap + cpu,
			.apic_id = sk_ap_apic_ids[n->first_ap + cpu],
		};
		sk_boot.aps[n->first_ap + cpu].claim_tsc = tsc_since_entry();
	}
	return count;
}

/* Builds the CPU's tables and sends it INIT; false if it was given up. */
static bool prepare(struct target *t, uint32_t my_vp, uint32_t my_depth)
{
	struct ap_record *s = &sk_boot.aps[t->ap];
	uint64_t cr3;

	s->depth = my_depth + 1;
	s->started_by = my_vp;
	/* The BSP takes no IPI of ours (its APIC is the loader's): it polls. */
	s->waker_apic_id = this_cpu()->is_bsp ? UINT32_MAX : this_cpu()->apic_id;
	if (!build_cpu_tables(t->node, t->cpu, &cr3)) {
		atomic_store_explicit(&s->state, AP_STARTING, memory_order_relaxed);
		give_up(t->node, t->cpu, s, t->apic_id, "could not get its page tables mapped");
		return false;
	}
	sk_ap_cr3[t->ap] = cr3;
	s->phase_end_tsc[SIDECAR_VP_PHASE_TABLES] = tsc_since_entry();
	/* Release: the tables, globals and cr3 are in place before the CPU can
	 * see its record as starting (the IPIs come after this store). */
	atomic_store_explicit(&s->state, AP_STARTING, memory_order_release);
	apic_send_init(t->apic_id);
	return true;
}

/*
 * Starts a batch of CPUs side by side: INIT to each, one init delay, a SIPI
 * to each, then the waits. Each CPU still gets the protocol on its own
 * clock: at least init_delay_us between its INIT and its SIPI, a second
 * SIPI only if it has not checked in sipi_delay_us after its first, and
 * ap_timeout_us from its first SIPI before it is given up. Started side by
 * side, their start-up latencies overlap instead of adding up.
 */
static void start_batch(struct target *t, uint32_t count, uint32_t my_vp, uint32_t my_depth)
{
	bool any = false;

	for (uint32_t i = 0; i < count; i++) {
		t[i].sent = prepare(&t[i], my_vp, my_depth);
		any |= t[i].sent;
	}
	if (!any)
		return;
	delay_us(sk_boot.init_delay_us);
	for (uint32_t i = 0; i < count; i++) {
		if (!t[i].sent)
			continue;
		apic_send_sipi(t[i].apic_id, sk_boot.trampoline_page >> 12);
		t[i].sipi_tsc = rdtsc();
		sk_boot.aps[t[i].ap].phase_end_tsc[SIDECAR_VP_PHASE_SIPI] =
			t[i].sipi_tsc - sk_boot.entry_tsc;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (t[i].sent && !wait_leave(&sk_boot.aps[t[i].ap], AP_STARTING,
					     t[i].sipi_tsc + tsc_from_us(sk_boot.sipi_delay_us)))
			apic_send_sipi(t[i].apic_id, sk_boot.trampoline_page >> 12);
	}
	for (uint32_t i = 0; i < count; i++) {
		struct ap_record *s = &sk_boot.aps[t[i].ap];

		if (t[i].sent &&
		    !wait_leave(s, AP_STARTING, t[i].sipi_tsc + tsc_from_us(sk_boot.ap_timeout_us)))
			give_up(t[i].node, t[i].cpu, s, t[i].apic_id, "did not start in time");
	}
}

void start_aps(uint32_t my_vp, uint32_t my_depth)
{
	struct target batch[START_BATCH];
	uint32_t node = 0, count;

	if (my_depth > sk_boot.max_starter_depth)
		return;
	while ((count = claim(batch, START_BATCH, &node)) != 0)
		start_batch(batch, count, my_vp, my_depth);
}
