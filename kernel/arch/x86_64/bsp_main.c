// SPDX-License-Identifier: MIT
/*
 * sidecar_entry() on the BSP, after entry.asm switched to the boot page
 * tables: read and check the loader's input, set up the nodes, start every
 * sidecar CPU, wait until none is still starting, report, return.
 */
#include <sidecar/control_ops.h>
#include <stdarg.h>
#include <string.h>

#include "cpu.h"
#include "kernel.h"
#include "sk_boot.h"
#include "sk_error.h"
#include "sc_format.h"

struct sk_boot sk_boot;
uint32_t sk_ap_apic_ids[SIDECAR_EXT_MAX_VPS];
uint64_t sk_ap_cr3[SIDECAR_EXT_MAX_VPS];
uint32_t sk_ap_count;
const uint64_t sk_stack_top = SK_STACK_TOP;

extern char __image_start[], __image_end[];
extern const char sk_trampoline_start[], sk_trampoline_end[];
extern uint32_t sk_trampoline_gdtr_base, sk_trampoline_cr3;
extern uint64_t sk_trampoline_entry64;
extern const uint32_t sk_trampoline_pm32, sk_trampoline_lm64, sk_trampoline_jmp32,
	sk_trampoline_jmp64, sk_trampoline_gdt;
extern char sk_ap_entry64[];

#define DEFAULT_INIT_DELAY_US 10000 /* MP spec B.4: 10 ms after INIT */
#define DEFAULT_SIPI_DELAY_US 200   /* and 200 us after the first SIPI */
#define DEFAULT_AP_TIMEOUT_US 1000000
/* The BSP takes no check-in IPI (its APIC is the loader's), so it polls:
 * while it starts CPUs as ap_start.c's wait_leave() says, then this often
 * while it waits for every CPU to reach IDLE. */
#define BSP_WAIT_POLL_US 500

/* The output extension fits the temporary slots write_output_ext() maps,
 * whatever its page offset. */
_Static_assert(sizeof(struct sidecar_output_ext) +
			       (uint64_t)SIDECAR_EXT_MAX_VPS * sizeof(struct sidecar_vp_boot_info) +
			       SIDECAR_PAGE_SIZE - 1 <=
		       (uint64_t)(TEMP_GUEST - TEMP_OUTPUT_EXT) * SIDECAR_PAGE_SIZE,
	       "the output extension fits its temporary slots");

static bool fail(struct sidecar_output *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct sidecar_output *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sk_error_vformat(&out->error, fmt, ap);
	va_end(ap);
	log_line("failed: %.*s", out->error.len, (const char *)out->error.buf);
	return false;
}

/* The physical-address width (SDM Vol. 3A 4.1.4: 36 bits on a CPU without
 * CPUID leaf 0x80000008, which no 64-bit CPU lacks in practice). */
static uint8_t cpu_maxphyaddr(void)
{
	if (cpuid(0x80000000, 0).eax < 0x80000008)
		return 36;
	return (uint8_t)(cpuid(0x80000008, 0).eax & 0xFF);
}

static uint32_t cpuid_apic_id(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	if ((r.ecx & CPUID_1_ECX_X2APIC) && cpuid(0, 0).eax >= 0xB)
		return cpuid(0xB, 0).edx;
	return r.ebx >> 24;
}

/* Copies the loader's params and extension into sk_boot: everything is
 * read once, from our own copy, so the loader cannot change it under us. */
static bool read_params(uint64_t params_pa, struct sidecar_output *out, char *err, size_t size)
{
	const char *src;
	uint64_t ids_pa = params_pa + SIDECAR_PAGE_SIZE + sizeof(struct sidecar_params_ext);
	uint64_t ids_size;

	src = temp_map(TEMP_PARAMS, params_pa,
		       SIDECAR_PAGE_SIZE + sizeof(struct sidecar_params_ext));
	if (!src)
		return fail(out, "cannot map the params");
	memcpy(&sk_boot.params, src, sizeof(sk_boot.params));
	memcpy(&sk_boot.ext, src + SIDECAR_PAGE_SIZE, sizeof(sk_boot.ext));
	temp_unmap(TEMP_PARAMS, params_pa, SIDECAR_PAGE_SIZE + sizeof(struct sidecar_params_ext));
	if (!sk_boot_check_ext(&sk_boot.ext, err, size))
		return fail(out, "%s", err);

	ids_size = (uint64_t)sk_boot.ext.vp_count * sizeof(uint32_t);
	src = temp_map(TEMP_PARAMS, ids_pa, ids_size);
	if (!src)
		return fail(out, "cannot map the APIC ID list");
	memcpy(sk_boot.apic_ids, src, ids_size);
	temp_unmap(TEMP_PARAMS, ids_pa, ids_size);
	return true;
}

/*
 * temp_map() returns NULL for a range it cannot map: one past its slots, or
 * an address with bits above 51, which no PTE holds (SDM Vol. 3A 4.5,
 * table 4-20). sk_boot_check() refuses such ranges first; should one slip
 * through, every page the BSP writes is tried here, before anything is
 * written, so the loader gets a refusal and its memory stays untouched.
 */
static bool check_mappable(struct sidecar_output *out)
{
	const struct sidecar_params *p = &sk_boot.params;
	void *va = temp_map(TEMP_TRAMPOLINE, sk_boot.trampoline_page, SIDECAR_PAGE_SIZE);

	if (!va)
		return fail(out, "cannot map the trampoline page %#llx",
			    (unsigned long long)sk_boot.trampoline_page);
	temp_unmap(TEMP_TRAMPOLINE, sk_boot.trampoline_page, SIDECAR_PAGE_SIZE);
	for (uint32_t i = 0; i < p->node_count; i++) {
		va = temp_map(TEMP_CONTROL, p->nodes[i].memory_base, SIDECAR_PAGE_SIZE);
		if (!va)
			return fail(out, "node %u: cannot map its control page at %#llx", i,
				    (unsigned long long)p->nodes[i].memory_base);
		temp_unmap(TEMP_CONTROL, p->nodes[i].memory_base, SIDECAR_PAGE_SIZE);
	}
	return true;
}

static bool setup_trampoline(struct sidecar_output *out)
{
	uint64_t pa = sk_boot.trampoline_page;
	size_t size = (size_t)(sk_trampoline_end - sk_trampoline_start);
	char *t = temp_map(TEMP_TRAMPOLINE, pa, SIDECAR_PAGE_SIZE);
	size_t gdtr = (size_t)((const char *)&sk_trampoline_gdtr_base - sk_trampoline_start);
	size_t cr3 = (size_t)((const char *)&sk_trampoline_cr3 - sk_trampoline_start);
	size_t entry = (size_t)((const char *)&sk_trampoline_entry64 - sk_trampoline_start);
	uint32_t v32;
	uint64_t v64;

	if (!t)
		return fail(out, "cannot map the trampoline page %#llx", (unsigned long long)pa);
	memcpy(t, sk_trampoline_start, size);
	v32 = (uint32_t)pa + sk_trampoline_gdt;
	memcpy(t + gdtr, &v32, 4);
	v32 = (uint32_t)pa + sk_trampoline_pm32;
	memcpy(t + sk_trampoline_jmp32, &v32, 4);
	v32 = (uint32_t)pa + sk_trampoline_lm64;
	memcpy(t + sk_trampoline_jmp64, &v32, 4);
	v32 = (uint32_t)sk_boot.boot_pml4_pa;
	memcpy(t + cr3, &v32, 4);
	v64 = (uint64_t)(uintptr_t)sk_ap_entry64;
	memcpy(t + entry, &v64, 8);
	temp_unmap(TEMP_TRAMPOLINE, pa, SIDECAR_PAGE_SIZE);
	return true;
}

/* Control pages, output nodes and start-up records, node by node. */
static bool setup_nodes(struct sidecar_output *out)
{
	const struct sidecar_params *p = &sk_boot.params;
	uint32_t ap = 0, starts = 0;

	sk_boot.node_count = p->node_count;
	for (uint32_t i = 0; i < p->node_count; i++) {
		const struct sidecar_node_params *np = &p->nodes[i];
		struct node_state *n = &sk_boot.nodes[i];
		struct sidecar_control_page *cp;

		n->memory_base = np->memory_base;
		n->base_vp = np->base_vp;
		n->vp_count = np->vp_count;
		n->first_ap = ap;
		atomic_store_explicit(&n->next_vp, 1, memory_order_relaxed);

		cp = temp_map(TEMP_CONTROL, np->memory_base, SIDECAR_PAGE_SIZE);
		if (!cp)
			return fail(out, "node %u: cannot map its control page at %#llx", i,
				    (unsigned long long)np->memory_base);
		sk_control_page_init(cp, i, np, &p->initial_state, SK_REQUEST_VECTOR);
		temp_unmap(TEMP_CONTROL, np->memory_base, SIDECAR_PAGE_SIZE);

		out->nodes[i].control_page = np->memory_base;
		out->nodes[i].shmem_pages_base = np->memory_base + SIDECAR_PAGE_SIZE;
		out->nodes[i].shmem_pages_size =
			(uint64_t)np->vp_count * SIDECAR_PER_VP_SHMEM_PAGES * SIDECAR_PAGE_SIZE;

		for (uint32_t cpu = 0; cpu < np->vp_count; cpu++, ap++) {
			struct ap_record *s = &sk_boot.aps[ap];
			bool starts_cpu = sk_boot_starts_cpu(np, &p->initial_state, cpu);

			s->node = i;
			s->cpu = cpu;
			atomic_store_explicit(&s->state, starts_cpu ? AP_PENDING : AP_SKIP,
					      memory_order_relaxed);
			starts += starts_cpu;
			sk_ap_apic_ids[ap] = sk_boot.apic_ids[np->base_vp + cpu];
		}
	}
	sk_ap_count = ap;
	sk_boot.max_starter_depth = sidecar_fanout_depth_bound(starts) - 1;
	return true;
}

/*
 * Waits until no CPU of any node is still RUN. Each CPU either checks in
 * or is given up by its starter within ap_timeout, and then starts others
 * under the same bound, so the wait is bounded; the deadline is a last
 * resort against a CPU that hangs after checking in.
 */
static void wait_for_aps(void)
{
	uint64_t deadline =
		rdtsc() + tsc_from_us((uint64_t)sk_boot.ap_timeout_us * (sk_ap_count + 1));

	for (uint32_t i = 0; i < sk_boot.node_count; i++) {
		const struct node_state *n = &sk_boot.nodes[i];
		struct sidecar_control_page *cp =
			temp_map(TEMP_CONTROL, n->memory_base, SIDECAR_PAGE_SIZE);

		/* setup_nodes() mapped the same page; a node it could not map
		 * never got this far. */
		if (!cp)
			continue;
		for (uint32_t cpu = 0; cpu < n->vp_count; cpu++) {
			while (sidecar_cpu_status(cp, cpu) == SIDECAR_CPU_STATUS_RUN) {
				if (rdtsc() > deadline) {
					log_force_line("VP %u never reached IDLE",
						       n->base_vp + cpu);
					break;
				}
				wait_step(deadline);
			}
		}
		temp_unmap(TEMP_CONTROL, n->memory_base, SIDECAR_PAGE_SIZE);
	}
}

static uint8_t boot_result(uint32_t state)
{
	switch (state) {
	case AP_READY:
		return SIDECAR_VP_BOOT_STARTED;
	case AP_SKIP:
		return SIDECAR_VP_BOOT_SKIPPED;
	case AP_CRASHED:
		return SIDECAR_VP_BOOT_CRASHED;
	default:
		return SIDECAR_VP_BOOT_FAILED;
	}
}

static uint32_t saturate32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void write_output_ext(uint64_t return_tsc_hint)
{
	uint32_t vp_count = sk_boot.ext.vp_count;
	uint64_t size = sidecar_output_ext_size(vp_count);
	struct sidecar_output_ext *x;

	if (!sk_boot.ext.output_ext)
		return;
	x = temp_map(TEMP_OUTPUT_EXT, sk_boot.ext.output_ext, size);
	if (!x) {
		log_force_line("output extension of %llu bytes too large to map; not written",
			       (unsigned long long)size);
		return;
	}
	memset(x, 0, size);
	x->magic = SIDECAR_OUTPUT_EXT_MAGIC;
	x->version = SIDECAR_OUTPUT_EXT_VERSION;
	x->size = (uint32_t)size;
	x->entry_tsc = sk_boot.entry_tsc;
	x->flags = (sk_boot.x2apic ? SIDECAR_OUTPUT_EXT_X2APIC : 0) | sk_boot.backend_output_flags;
	x->node_count = sk_boot.node_count;
	x->vp_count = vp_count;
	for (uint32_t vp = 0; vp < vp_count; vp++)
		x->vps[vp].apic_id = sk_boot.apic_ids[vp];
	for (uint32_t ap = 0; ap < sk_ap_count; ap++) {
		const struct ap_record *s = &sk_boot.aps[ap];
		uint32_t state = atomic_load_explicit(&s->state, memory_order_acquire);
		struct sidecar_node_boot_stats *ns = &x->nodes[s->node];
		struct sidecar_vp_boot_info *v = &x->vps[sk_boot.nodes[s->node].base_vp + s->cpu];

		v->node = (uint16_t)s->node;
		v->result = boot_result(state);
		if (state == AP_SKIP) {
			ns->skipped++;
			continue;
		}
		v->depth = (uint8_t)s->depth;
		v->started_by = s->started_by;
		if (state != AP_READY) {
			ns->failed++;
			continue;
		}
		v->idle_tsc = s->idle_tsc;
		v->claim_tsc = s->claim_tsc;
		for (uint32_t i = 0; i < SIDECAR_VP_PHASE_COUNT; i++) {
			uint64_t start = i ? s->phase_end_tsc[i - 1] : s->claim_tsc;

			/* The CPU may enter before its starter stamps the SIPI. */
			v->phase_tsc[i] = s->phase_end_tsc[i] > start
						  ? saturate32(s->phase_end_tsc[i] - start)
						  : 0;
		}
		ns->started++;
		if (s->idle_tsc > ns->bringup_tsc)
			ns->bringup_tsc = s->idle_tsc;
		if (s->depth > ns->fanout_depth)
			ns->fanout_depth = s->depth;
		if (s->depth > x->max_fanout_depth)
			x->max_fanout_depth = s->depth;
	}
	x->return_tsc = return_tsc_hint;
	temp_unmap(TEMP_OUTPUT_EXT, sk_boot.ext.output_ext, size);
}

/* The first VP backend of sk_backend_choices that can run here, or none
 * and the reason the last one gave. */
static void choose_backend(void)
{
	sk_boot.backend = NULL;
	sk_boot.no_backend_reason = "this kernel has no VP backend";
	for (uint32_t i = 0; i < sk_backend_choice_count && !sk_boot.backend; i++) {
		const struct sk_backend_choice *c = &sk_backend_choices[i];

		if (c->backend->state_size > SK_BACKEND_STATE_SIZE) {
			sk_boot.no_backend_reason = "the backend's per-CPU state does not fit";
			log_force_line("VP backend %s: %u bytes of per-CPU state, room for %u",
				       c->backend->name, c->backend->state_size,
				       SK_BACKEND_STATE_SIZE);
			continue;
		}
		sk_boot.no_backend_reason = c->init_partition(sk_boot.ext.guest_memory_base,
							      sk_boot.ext.guest_memory_size);
		if (!sk_boot.no_backend_reason) {
			sk_boot.backend = c->backend;
			sk_boot.backend_output_flags = c->output_ext_flags;
		}
	}
	log_line("VP backend: %s",
		 sk_boot.backend ? sk_boot.backend->name : sk_boot.no_backend_reason);
}

bool bsp_main(uint64_t params_pa, uint64_t output_pa)
{
	uint64_t entry_tsc = rdtsc();
	struct percpu *cpu = this_cpu();
	struct sidecar_output *out;
	struct sk_boot_env env;
	char err[256];
	uint32_t bsp_apic = cpuid_apic_id(), bsp_vp = UINT32_MAX;
	uint64_t image_size = (uint64_t)(__image_end - __image_start);
	uint64_t apic_base = rdmsr(MSR_IA32_APIC_BASE);
	struct apic_saved saved_apic;

	memset(cpu, 0, SIDECAR_PAGE_SIZE);
	cpu->is_bsp = true;
	cpu->x2apic = (apic_base & APIC_BASE_EXTD) != 0;
	cpu->apic_id = bsp_apic;
	descriptors_init_idt();
	descriptors_load_bsp();
	sk_boot.entry_tsc = entry_tsc;
	sk_boot.apic_base_pa = apic_base & APIC_BASE_ADDR_MASK;
	if (!cpu->x2apic)
		map_slot(SLOT_APIC, sk_boot.apic_base_pa,
			 PTE_P | PTE_RW | PTE_NX | PTE_PCD | PTE_PWT);

	/* The environment sk_boot_check() judges the loader's ranges by; the
	 * output block is written (with the error) before that, so it is
	 * checked on its own first. */
	env = (struct sk_boot_env){
		.image_start = sk_boot.image_pa,
		.image_size = image_size,
		.params_pa = params_pa,
		.output_pa = output_pa,
		.bsp_apic_id = bsp_apic,
		.maxphyaddr = cpu_maxphyaddr(),
	};
	if (!sk_boot_output_ok(&env))
		return false; /* nowhere to say why */
	out = temp_map(TEMP_OUTPUT, output_pa, sizeof(*out));
	if (!out)
		return false; /* nowhere to say why */
	out->error.len = 0;

	if (!sk_boot_params_place_ok(&env, err, sizeof(err)))
		return fail(out, "%s", err);
	if (!read_params(params_pa, out, err, sizeof(err)))
		return false;
	sk_boot.log_enabled = sk_boot.params.enable_logging == 1;
	log_line("%u nodes, %u CPUs listed, BSP APIC ID %u", sk_boot.params.node_count,
		 sk_boot.ext.vp_count, bsp_apic);

	/* The APs run in the BSP's mode: the SDM describes a system in one
	 * mode (Vol. 3A 11.12: the modes differ in destination format), and
	 * an xAPIC BSP cannot address the APIC IDs above 254 that only
	 * x2APIC APs would have. A loader that needs such IDs switches the
	 * BSP to x2APIC first, as firmware does (the reference shim does
	 * whenever CPUID offers it); boot_check refuses them otherwise. */
	sk_boot.x2apic = cpu->x2apic;
	env.x2apic = sk_boot.x2apic;
	if (!sk_boot_check(&sk_boot.params, &sk_boot.ext, sk_boot.apic_ids, &env, err, sizeof(err)))
		return fail(out, "%s", err);
	if (sk_boot.params.hypercall_page)
		log_line("ignoring hypercall page %#llx: no Hyper-V on this platform",
			 (unsigned long long)sk_boot.params.hypercall_page);

	choose_backend();

	sk_boot.tsc_khz = sk_boot.ext.tsc_khz ? sk_boot.ext.tsc_khz : tsc_khz_from_cpuid();
	sk_boot.init_delay_us = sk_boot.ext.init_delay_us == SIDECAR_EXT_DELAY_DEFAULT
					? DEFAULT_INIT_DELAY_US
					: sk_boot.ext.init_delay_us;
	sk_boot.sipi_delay_us = sk_boot.ext.sipi_delay_us == SIDECAR_EXT_DELAY_DEFAULT
					? DEFAULT_SIPI_DELAY_US
					: sk_boot.ext.sipi_delay_us;
	sk_boot.ap_timeout_us =
		sk_boot.ext.ap_timeout_us ? sk_boot.ext.ap_timeout_us : DEFAULT_AP_TIMEOUT_US;
	sk_boot.trampoline_page = (uint32_t)sk_boot.ext.trampoline_page;
	sk_boot.flags = sk_boot.ext.flags;
	sk_boot.fault_inject_vp = sk_boot.ext.fault_inject_vp;
	for (uint32_t vp = 0; vp < sk_boot.ext.vp_count; vp++) {
		if (sk_boot.apic_ids[vp] == bsp_apic)
			bsp_vp = vp;
	}

	if (!check_mappable(out) || !setup_nodes(out) || !setup_trampoline(out))
		return false;
	/* The BSP halts while it waits if the loader leaves its timer free. */
	cpu->can_sleep = apic_bsp_borrow_timer(&saved_apic);
	cpu->timer_ready = cpu->can_sleep;
	if (cpu->can_sleep) {
		uint64_t khz = apic_timer_calibrate();

		log_line("APIC timer: %llu kHz", (unsigned long long)khz);
	} else {
		log_line("the loader's APIC timer is in use: the BSP polls");
	}
	start_aps(bsp_vp, 0);
	cpu->sleep_max_tsc = tsc_from_us(BSP_WAIT_POLL_US);
	wait_for_aps();
	if (cpu->can_sleep)
		apic_bsp_return_timer(&saved_apic);
	cpu->can_sleep = cpu->timer_ready = false;

	/* The trampoline page goes back to the loader clean. */
	{
		void *t = temp_map(TEMP_TRAMPOLINE, sk_boot.trampoline_page, SIDECAR_PAGE_SIZE);

		if (t)
			memset(t, 0, SIDECAR_PAGE_SIZE);
		temp_unmap(TEMP_TRAMPOLINE, sk_boot.trampoline_page, SIDECAR_PAGE_SIZE);
	}
	write_output_ext(rdtsc());
	log_line("all CPUs started in %llu TSC ticks", (unsigned long long)tsc_since_entry());
	temp_unmap(TEMP_OUTPUT, output_pa, sizeof(*out));
	return true;
}
