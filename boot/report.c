// SPDX-License-Identifier: MIT
#include <sidecar/control_ops.h>

#include "report.h"
#include "serial.h"
#include "tsc.h"

#define ULL(x) ((unsigned long long)(x))

/* Machines up to this many CPUs get a row per CPU; larger ones a row per
 * CPU that did not start, and the phase summary (a 2048-row table takes
 * seconds of serial output under TCG). */
#define REPORT_ALL_CPUS_MAX 256u

/* The ABI's word for a status (the driver's sysfs uses the same). */
const char *report_status_name(uint8_t status)
{
	const char *word = sidecar_cpu_status_word(status);

	return word ? word : "invalid";
}

/* output_ext->vps[].result; an unknown value shows as its number. */
static const char *result_name(uint8_t result, char *buf, size_t size)
{
	switch (result) {
	case SIDECAR_VP_BOOT_NOT_SIDECAR:
		return "no-node";
	case SIDECAR_VP_BOOT_STARTED:
		return "started";
	case SIDECAR_VP_BOOT_SKIPPED:
		return "skipped";
	case SIDECAR_VP_BOOT_FAILED:
		return "failed";
	case SIDECAR_VP_BOOT_CRASHED:
		return "crashed";
	default:
		sc_snprintf(buf, size, "?%u", result);
		return buf;
	}
}

static void report_cpus(const struct shim_boot *b)
{
	const struct sidecar_output_ext *ext = b->output_ext;
	bool all = b->topo->cpu_count <= REPORT_ALL_CPUS_MAX || !ext;
	uint32_t omitted = 0;

	shim_print("%5s %6s %5s %-8s %-8s %6s %5s %10s %s\n", "VP", "APIC", "node", "status",
		   "boot", "depth", "by", "idle_us",
		   "claim_us tables_us sipi_us entry_us ready_us");
	for (uint32_t vp = 0; vp < b->topo->cpu_count; vp++) {
		int node = shim_node_of_vp(b, vp);
		const char *status = "-";
		char depth[12] = "-", by[12] = "-", idle[24] = "-", unknown[8], phases[80] = "";
		const char *result = "-";

		if (node >= 0) {
			uint32_t i = vp - b->plan->nodes[node].base_vp;

			status = report_status_name(sidecar_cpu_status(b->control[node], i));
		}
		if (ext) {
			const struct sidecar_vp_boot_info *v = &ext->vps[vp];

			if (!all && v->result == SIDECAR_VP_BOOT_STARTED) {
				omitted++;
				continue;
			}
			result = result_name(v->result, unknown, sizeof(unknown));
			if (v->result == SIDECAR_VP_BOOT_STARTED) {
				sc_snprintf(depth, sizeof(depth), "%u", v->depth);
				sc_snprintf(by, sizeof(by), "%u", v->started_by);
				sc_snprintf(idle, sizeof(idle), "%llu",
					    ULL(tsc_ticks_to_us(v->idle_tsc)));
				sc_snprintf(phases, sizeof(phases),
					    " %8llu %9llu %7llu %8llu %8llu",
					    ULL(tsc_ticks_to_us(v->claim_tsc)),
					    ULL(tsc_ticks_to_us(v->phase_tsc[0])),
					    ULL(tsc_ticks_to_us(v->phase_tsc[1])),
					    ULL(tsc_ticks_to_us(v->phase_tsc[2])),
					    ULL(tsc_ticks_to_us(v->phase_tsc[3])));
			}
		}
		shim_print("%5u %6u %5d %-8s %-8s %6s %5s %10s%s\n", vp, b->topo->cpus[vp].apic_id,
			   node, status, result, depth, by, idle, phases);
	}
	if (omitted)
		shim_print("(%u started CPUs not listed: more than %u CPUs; the phase summary "
			   "below covers them)\n",
			   omitted, REPORT_ALL_CPUS_MAX);
}

/* Shell sort: up to SIDECAR_EXT_MAX_VPS values, once per phase. */
static void sort_u64(uint64_t *v, uint32_t n)
{
	for (uint32_t gap = n / 2; gap > 0; gap /= 2) {
		for (uint32_t i = gap; i < n; i++) {
			uint64_t x = v[i];
			uint32_t j = i;

			for (; j >= gap && v[j - gap] > x; j -= gap)
				v[j] = v[j - gap];
			v[j] = x;
		}
	}
}

static uint64_t phase_values[SIDECAR_EXT_MAX_VPS];

/*
 * Where the time goes, over the CPUs that started: each phase of
 * boot_ext.h's SIDECAR_VP_PHASE_*, then the time from ready to IDLE (the
 * CPU starting others). A phase's sum is CPU time of the starter (tables,
 * SIPI) or of the started CPU, or both waiting (entry).
 */
static void report_phases(const struct shim_boot *b)
{
	static const char *const names[] = {
		"claim -> tables built",
		"-> first SIPI sent",
		"-> AP runs C code",
		"-> AP checked in, ready",
		"ready -> IDLE (starting others)",
		"entry -> claimed",
	};
	const struct sidecar_output_ext *ext = b->output_ext;

	shim_print("\n== bring-up phases (us, over the CPUs that started)\n");
	shim_print("%-32s %6s %8s %8s %8s %10s\n", "phase", "cpus", "median", "p90", "max", "sum");
	for (uint32_t p = 0; p < sizeof(names) / sizeof(names[0]); p++) {
		uint32_t n = 0;
		uint64_t sum = 0;

		for (uint32_t vp = 0; vp < ext->vp_count && vp < SIDECAR_EXT_MAX_VPS; vp++) {
			const struct sidecar_vp_boot_info *v = &ext->vps[vp];
			uint64_t before = v->claim_tsc, t;

			if (v->result != SIDECAR_VP_BOOT_STARTED)
				continue;
			for (uint32_t i = 0; i < SIDECAR_VP_PHASE_COUNT; i++)
				before += v->phase_tsc[i];
			if (p < SIDECAR_VP_PHASE_COUNT)
				t = v->phase_tsc[p];
			else if (p == SIDECAR_VP_PHASE_COUNT)
				/* Unknown once a stamp saturated. */
				t = before > v->idle_tsc ? 0 : v->idle_tsc - before;
			else
				t = v->claim_tsc;
			phase_values[n++] = tsc_ticks_to_us(t);
			sum += t;
		}
		if (!n)
			continue;
		sort_u64(phase_values, n);
		shim_print("%-32s %6u %8llu %8llu %8llu %10llu\n", names[p], n,
			   ULL(phase_values[n / 2]), ULL(phase_values[(uint64_t)n * 9 / 10]),
			   ULL(phase_values[n - 1]), ULL(tsc_ticks_to_us(sum)));
	}
}

static void report_nodes(const struct shim_boot *b)
{
	const struct sidecar_output_ext *ext = b->output_ext;
	uint64_t slowest = 0;
	uint32_t deepest = 0;

	shim_print("%4s %7s %8s %7s %7s %6s %5s %14s %11s\n", "node", "base_vp", "vp_count",
		   "started", "skipped", "failed", "depth", "bringup_tsc", "bringup_us");
	for (uint32_t i = 0; i < b->plan->node_count; i++) {
		const struct sidecar_node_boot_stats *s = &ext->nodes[i];

		shim_print("%4u %7u %8u %7u %7u %6u %5u %14llu %11llu\n", i,
			   b->plan->nodes[i].base_vp, b->plan->nodes[i].vp_count, s->started,
			   s->skipped, s->failed, s->fanout_depth, ULL(s->bringup_tsc),
			   ULL(tsc_ticks_to_us(s->bringup_tsc)));
		if (s->bringup_tsc > slowest)
			slowest = s->bringup_tsc;
		if (s->fanout_depth > deepest)
			deepest = s->fanout_depth;
	}
	shim_print("total bring-up: %llu TSC ticks, %llu us (the slowest node); "
		   "max fan-out depth %u\n",
		   ULL(slowest), ULL(tsc_ticks_to_us(slowest)), deepest);
	if (deepest != ext->max_fanout_depth)
		shim_print("warning: output_ext.max_fanout_depth is %u, the nodes' maximum is %u\n",
			   ext->max_fanout_depth, deepest);
	shim_print("sidecar_entry(): %llu us from the shim's view, %llu us from entry to return "
		   "in the kernel's%s\n",
		   ULL(tsc_ticks_to_us(b->entry_ticks)),
		   ULL(tsc_ticks_to_us(ext->return_tsc - ext->entry_tsc)),
		   ext->flags & SIDECAR_OUTPUT_EXT_X2APIC ? "; APs in x2APIC mode" : "");
}

void report_boot(const struct shim_boot *b)
{
	shim_print("\n== sidecar CPUs\n");
	report_cpus(b);
	if (!b->output_ext) {
		shim_print("(no bring-up figures: the kernel's output_ext is not valid)\n");
		return;
	}
	report_phases(b);
	shim_print("\n== bring-up per node (TSC at %llu kHz)\n", ULL(tsc_khz()));
	report_nodes(b);
}
