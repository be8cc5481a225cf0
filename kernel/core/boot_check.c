// SPDX-License-Identifier: MIT
/*
 * Validation of the boot loader's input to sidecar_entry(). Everything the
 * kernel will trust later (memory it writes, CPUs it starts) is checked
 * here first; any problem is a readable reason and no CPU is started.
 */
#include <sidecar/control_ops.h>

#include "sc_boot.h"
#include "sc_format.h"

#define PAGE_MASK ((uint64_t)SIDECAR_PAGE_SIZE - 1)
#define XAPIC_MAX_ID 254 /* 255 is the xAPIC broadcast address */

static bool overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
	return a_start < b_end && b_start < a_end;
}

bool sc_boot_check_ext(const struct sidecar_params_ext *ext, char *err, size_t size)
{
	const uint32_t known_flags = SIDECAR_EXT_FLAG_FAULT_INJECT;

	if (ext->magic != SIDECAR_PARAMS_EXT_MAGIC)
		return sc_reason(
			err, size,
			"no params extension after the params page (magic %#llx): bare x86-64 "
			"boot needs the APIC IDs and a trampoline page",
			(unsigned long long)ext->magic);
	if (ext->version != SIDECAR_PARAMS_EXT_VERSION)
		return sc_reason(err, size,
				 "params extension version %u not supported (expected %u)",
				 ext->version, SIDECAR_PARAMS_EXT_VERSION);
	if (ext->size < sizeof(*ext))
		return sc_reason(err, size, "params extension size %u too small (at least %zu)",
				 ext->size, sizeof(*ext));
	if (ext->vp_count == 0 || ext->vp_count > SIDECAR_EXT_MAX_VPS)
		return sc_reason(err, size, "params extension vp_count %u out of range (1..%u)",
				 ext->vp_count, SIDECAR_EXT_MAX_VPS);
	if ((ext->trampoline_page & PAGE_MASK) || ext->trampoline_page < SIDECAR_PAGE_SIZE ||
	    ext->trampoline_page >= 0x100000)
		return sc_reason(
			err, size,
			"trampoline page %#llx must be page aligned, above page 0 and below "
			"1 MiB (SIPI vectors address 4 KiB pages of the first MiB)",
			(unsigned long long)ext->trampoline_page);
	if (ext->output_ext & 7)
		return sc_reason(err, size, "output extension at %#llx is not 8-byte aligned",
				 (unsigned long long)ext->output_ext);
	if (ext->flags & ~known_flags)
		return sc_reason(err, size, "unknown params extension flags %#x",
				 ext->flags & ~known_flags);
	return true;
}

bool sc_boot_starts_cpu(const struct sidecar_node_params *node,
			const struct sidecar_per_cpu_state *initial, uint32_t cpu)
{
	uint32_t vp = node->base_vp + cpu;

	if (initial->per_cpu_state_specified && vp < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)
		return initial->sidecar_starts_cpu[vp] != 0;
	return cpu != 0;
}

static bool check_node(const struct sidecar_params *p, const struct sidecar_params_ext *ext,
		       const struct sc_boot_env *env, uint32_t i, char *err, size_t size)
{
	const struct sidecar_node_params *n = &p->nodes[i];
	uint64_t required, end;

	if (n->vp_count == 0 || n->vp_count > SIDECAR_MAX_CPUS_PER_NODE)
		return sc_reason(err, size, "node %u: vp_count %u out of range (1..%u)", i,
				 n->vp_count, SIDECAR_MAX_CPUS_PER_NODE);
	if ((n->memory_base & PAGE_MASK) || (n->memory_size & PAGE_MASK))
		return sc_reason(
			err, size, "node %u: memory base %#llx or size %#llx not page aligned", i,
			(unsigned long long)n->memory_base, (unsigned long long)n->memory_size);
	required = sidecar_required_memory(n->vp_count);
	if (n->memory_size < required)
		return sc_reason(err, size,
				 "node %u: failed to provide required memory: %#llx, actual: %#llx",
				 i, (unsigned long long)required,
				 (unsigned long long)n->memory_size);
	end = n->memory_base + n->memory_size;
	if (end < n->memory_base)
		return sc_reason(err, size, "node %u: memory range wraps around", i);
	if ((uint64_t)n->base_vp + n->vp_count > ext->vp_count)
		return sc_reason(err, size, "node %u: VPs %u..%llu outside the CPU list (%u CPUs)",
				 i, n->base_vp, (unsigned long long)n->base_vp + n->vp_count - 1,
				 ext->vp_count);
	if (overlaps(n->memory_base, end, env->image_start, env->image_end))
		return sc_reason(err, size, "node %u: memory overlaps the sidecar image", i);
	if (overlaps(n->memory_base, end, env->params_start, env->params_end))
		return sc_reason(err, size, "node %u: memory overlaps the params", i);
	if (overlaps(n->memory_base, end, env->output_start, env->output_end))
		return sc_reason(err, size, "node %u: memory overlaps the output", i);
	if (overlaps(n->memory_base, end, env->output_ext_start, env->output_ext_end))
		return sc_reason(err, size, "node %u: memory overlaps the output extension", i);
	if (overlaps(n->memory_base, end, ext->trampoline_page,
		     ext->trampoline_page + SIDECAR_PAGE_SIZE))
		return sc_reason(err, size, "node %u: memory overlaps the trampoline page", i);
	if (overlaps(n->memory_base, end, ext->guest_memory_base,
		     ext->guest_memory_base + ext->guest_memory_size))
		return sc_reason(err, size, "node %u: memory overlaps the guest memory", i);

	for (uint32_t j = 0; j < i; j++) {
		const struct sidecar_node_params *m = &p->nodes[j];

		if (overlaps(n->memory_base, end, m->memory_base, m->memory_base + m->memory_size))
			return sc_reason(err, size, "node %u: memory overlaps node %u", i, j);
		if (overlaps(n->base_vp, (uint64_t)n->base_vp + n->vp_count, m->base_vp,
			     (uint64_t)m->base_vp + m->vp_count))
			return sc_reason(err, size, "node %u: VPs overlap those of node %u", i, j);
	}
	return true;
}

/* Shell sort of VP indices by APIC ID: a duplicate check over up to 4096
 * CPUs without quadratic time on the BSP. */
static void sort_by_apic(uint32_t *vps, uint32_t n, const uint32_t *apic_ids)
{
	for (uint32_t gap = n / 2; gap > 0; gap /= 2) {
		for (uint32_t i = gap; i < n; i++) {
			uint32_t v = vps[i], j = i;

			while (j >= gap && apic_ids[vps[j - gap]] > apic_ids[v]) {
				vps[j] = vps[j - gap];
				j -= gap;
			}
			vps[j] = v;
		}
	}
}

static bool check_cpus(const struct sidecar_params *p, const uint32_t *apic_ids,
		       const struct sc_boot_env *env, char *err, size_t size)
{
	/* Runs once, on the BSP: a static scratch list is fine. */
	static uint32_t started[SIDECAR_EXT_MAX_VPS];
	uint32_t count = 0;

	for (uint32_t i = 0; i < p->node_count; i++) {
		const struct sidecar_node_params *n = &p->nodes[i];

		for (uint32_t cpu = 0; cpu < n->vp_count; cpu++) {
			uint32_t vp = n->base_vp + cpu;

			if (!sc_boot_starts_cpu(n, &p->initial_state, cpu))
				continue;
			if (apic_ids[vp] == env->bsp_apic_id)
				return sc_reason(
					err, size,
					"VP %u (APIC ID %u) is the BSP running sidecar_entry(); "
					"it cannot also be a sidecar CPU",
					vp, apic_ids[vp]);
			if (!env->x2apic && apic_ids[vp] > XAPIC_MAX_ID)
				return sc_reason(
					err, size,
					"VP %u has APIC ID %u, which needs x2APIC; this CPU has "
					"none",
					vp, apic_ids[vp]);
			started[count++] = vp;
		}
	}
	sort_by_apic(started, count, apic_ids);
	for (uint32_t i = 1; i < count; i++) {
		if (apic_ids[started[i]] == apic_ids[started[i - 1]]) {
			uint32_t a = started[i - 1] < started[i] ? started[i - 1] : started[i];
			uint32_t b = started[i - 1] < started[i] ? started[i] : started[i - 1];

			return sc_reason(err, size, "VPs %u and %u have the same APIC ID %u", a, b,
					 apic_ids[started[i]]);
		}
	}
	return true;
}

/* Guest memory: what the nested page tables can map, clear of the rest. */
static bool check_guest_memory(const struct sidecar_params_ext *ext,
			       const struct sc_boot_env *env, char *err, size_t size)
{
	uint64_t base = ext->guest_memory_base, len = ext->guest_memory_size;
	const uint64_t align = SIDECAR_EXT_GUEST_MEMORY_ALIGN;

	if (len == 0) {
		if (base)
			return sc_reason(err, size, "guest memory at %#llx has size 0",
					 (unsigned long long)base);
		return true;
	}
	if ((base | len) & (align - 1))
		return sc_reason(
			err, size,
			"guest memory base %#llx or size %#llx not 2 MiB aligned (nested page "
			"tables map it with 2 MiB pages)",
			(unsigned long long)base, (unsigned long long)len);
	if (len > SIDECAR_EXT_MAX_GUEST_MEMORY || base + len < base)
		return sc_reason(err, size, "guest memory size %#llx above the %#llx supported",
				 (unsigned long long)len,
				 (unsigned long long)SIDECAR_EXT_MAX_GUEST_MEMORY);
	if (overlaps(base, base + len, env->image_start, env->image_end) ||
	    overlaps(base, base + len, env->params_start, env->params_end) ||
	    overlaps(base, base + len, env->output_start, env->output_end) ||
	    overlaps(base, base + len, env->output_ext_start, env->output_ext_end) ||
	    overlaps(base, base + len, ext->trampoline_page,
		     ext->trampoline_page + SIDECAR_PAGE_SIZE))
		return sc_reason(
			err, size,
			"guest memory overlaps the image, params, output or trampoline page");
	return true;
}

bool sc_boot_check(const struct sidecar_params *p, const struct sidecar_params_ext *ext,
		   const uint32_t *apic_ids, const struct sc_boot_env *env, char *err,
		   size_t size)
{
	if (p->enable_logging > 1)
		return sc_reason(err, size, "enable_logging must be 0 or 1, not %u",
				 p->enable_logging);
	if (p->node_count == 0 || p->node_count > SIDECAR_MAX_NODES)
		return sc_reason(err, size, "node_count %u out of range (1..%u)", p->node_count,
				 SIDECAR_MAX_NODES);
	if (p->initial_state.per_cpu_state_specified > 1)
		return sc_reason(err, size, "initial_state.per_cpu_state_specified must be 0 or 1");
	for (uint32_t i = 0; i < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE; i++) {
		if (p->initial_state.sidecar_starts_cpu[i] > 1)
			return sc_reason(
				err, size,
				"initial_state.sidecar_starts_cpu[%u] must be 0 or 1, not %u", i,
				p->initial_state.sidecar_starts_cpu[i]);
	}
	if (!check_guest_memory(ext, env, err, size))
		return false;
	for (uint32_t i = 0; i < p->node_count; i++) {
		if (!check_node(p, ext, env, i, err, size))
			return false;
	}
	return check_cpus(p, apic_ids, env, err, size);
}

void sc_control_page_init(struct sidecar_control_page *cp, uint32_t index,
			  const struct sidecar_node_params *node,
			  const struct sidecar_per_cpu_state *initial, uint32_t request_vector)
{
	SIDECAR_STORE_RELAXED(&cp->index, index);
	SIDECAR_STORE_RELAXED(&cp->base_cpu, node->base_vp);
	SIDECAR_STORE_RELAXED(&cp->cpu_count, node->vp_count);
	SIDECAR_STORE_RELAXED(&cp->request_vector, request_vector);
	SIDECAR_STORE_RELAXED(&cp->response_cpu, 0u);
	SIDECAR_STORE_RELAXED(&cp->response_vector, 0u);
	SIDECAR_STORE_RELAXED(&cp->needs_attention, 0u);
	for (size_t i = 0; i < sizeof(cp->reserved); i++)
		cp->reserved[i] = 0;
	for (uint32_t cpu = 0; cpu < SIDECAR_MAX_CPUS_PER_NODE; cpu++) {
		uint8_t status = cpu < node->vp_count && sc_boot_starts_cpu(node, initial, cpu)
					 ? SIDECAR_CPU_STATUS_RUN
					 : SIDECAR_CPU_STATUS_REMOVED;

		SIDECAR_STORE_RELAXED(&cp->cpu_status[cpu], status);
	}
}
