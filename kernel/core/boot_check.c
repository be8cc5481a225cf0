// SPDX-License-Identifier: MIT
/*
 * Validation of the boot loader's input to sidecar_entry(). Everything the
 * kernel will trust later (memory it writes, CPUs it starts) is checked
 * here first; any problem is a readable reason and no CPU is started.
 *
 * Memory: every physical range the kernel reads or writes is checked on its
 * own (no wraparound, below 2^MAXPHYADDR: the kernel's temporary mappings
 * keep only address bits 12-51, so an address at or above 2^52 would alias
 * low memory, and one above MAXPHYADDR is a reserved-bit page fault, SDM
 * Vol. 3A 4.5.4) and against every other (disjoint), before the kernel
 * writes any of them but the output block, which sk_boot_output_ok() clears
 * first.
 */
#include <sidecar/control_ops.h>

#include "sk_boot.h"
#include "sc_format.h"

#define PAGE_MASK    ((uint64_t)SIDECAR_PAGE_SIZE - 1)
#define XAPIC_MAX_ID 254 /* 255 is the xAPIC broadcast address */

#define IMAGE_LIMIT    (1ull << 32) /* APs load the image's page tables in 32-bit mode */
#define MAXPHYADDR_MIN 32
#define MAXPHYADDR_MAX 52 /* paging-structure entries hold address bits 12-51 */

static bool overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
	return a_start < b_end && b_start < a_end;
}

/*
 * A physical range the kernel reads or writes, [start, start + size). Node
 * memory has node >= 0; the others a name. Its end is computed only after
 * range_ok() has ruled out wraparound.
 */
struct range {
	const char *name;
	int node;
	uint64_t start, size;
};

static uint64_t range_end(const struct range *r)
{
	return r->start + r->size;
}

/* "the output extension" or "node 3": how a range is named after "overlaps". */
static const char *object(const struct range *r, char *buf, size_t size)
{
	if (r->node >= 0)
		sc_snprintf(buf, size, "node %d", r->node);
	else
		sc_snprintf(buf, size, "the %s", r->name);
	return buf;
}

/* "output extension" or "node 3: memory": a range as a message's subject. */
static const char *subject(const struct range *r, char *buf, size_t size)
{
	if (r->node >= 0)
		sc_snprintf(buf, size, "node %d: memory", r->node);
	else
		sc_snprintf(buf, size, "%s", r->name);
	return buf;
}

/* No wraparound, and below 2^MAXPHYADDR. */
static bool range_ok(const struct range *r, uint8_t maxphyaddr, char *err, size_t size)
{
	char name[48];

	if (r->size > UINT64_MAX - r->start) {
		if (r->node >= 0)
			return sc_reason(err, size, "node %d: memory range wraps around", r->node);
		return sc_reason(err, size, "%s at %#llx (%#llx bytes) wraps around", r->name,
				 (unsigned long long)r->start, (unsigned long long)r->size);
	}
	if (range_end(r) > 1ull << maxphyaddr)
		return sc_reason(
			err, size,
			"%s at %#llx..%#llx lies beyond the CPU's %u-bit physical address space",
			subject(r, name, sizeof(name)), (unsigned long long)r->start,
			(unsigned long long)range_end(r) - 1, maxphyaddr);
	return true;
}

/* `r` (checked by range_ok) is disjoint from `other` (also checked). */
static bool disjoint(const struct range *r, const struct range *other, char *err, size_t size)
{
	char a[48], b[48];

	if (!overlaps(r->start, range_end(r), other->start, range_end(other)))
		return true;
	return sc_reason(err, size, "%s overlaps %s", subject(r, a, sizeof(a)),
			 object(other, b, sizeof(b)));
}

/* The ranges every configuration has, in the order the errors name them. */
enum {
	R_IMAGE,
	R_PARAMS,
	R_OUTPUT,
	R_OUTPUT_EXT,
	R_TRAMPOLINE,
	R_GUEST,
	R_COUNT,
};

static void fixed_ranges(const struct sidecar_params_ext *ext, const struct sk_boot_env *env,
			 struct range *r)
{
	r[R_IMAGE] = (struct range){"sidecar image", -1, env->image_start, env->image_size};
	r[R_PARAMS] = (struct range){"params", -1, env->params_pa,
				     SIDECAR_PAGE_SIZE + sizeof(*ext) +
					     (uint64_t)ext->vp_count * sizeof(uint32_t)};
	r[R_OUTPUT] = (struct range){"output", -1, env->output_pa, sizeof(struct sidecar_output)};
	/* Absent (0): an empty range, which overlaps nothing. */
	r[R_OUTPUT_EXT] =
		(struct range){"output extension", -1, ext->output_ext,
			       ext->output_ext ? sidecar_output_ext_size(ext->vp_count) : 0};
	r[R_TRAMPOLINE] =
		(struct range){"trampoline page", -1, ext->trampoline_page, SIDECAR_PAGE_SIZE};
	r[R_GUEST] =
		(struct range){"guest memory", -1, ext->guest_memory_base, ext->guest_memory_size};
}

static bool maxphyaddr_ok(uint8_t maxphyaddr)
{
	return maxphyaddr >= MAXPHYADDR_MIN && maxphyaddr <= MAXPHYADDR_MAX;
}

bool sk_boot_output_ok(const struct sk_boot_env *env)
{
	struct range image = {"sidecar image", -1, env->image_start, env->image_size};
	struct range output = {"output", -1, env->output_pa, sizeof(struct sidecar_output)};
	/* A width outside 32..52 is refused later, with the reason written
	 * here: until then, judge by the nearest valid one. */
	uint8_t bits = env->maxphyaddr < MAXPHYADDR_MIN	  ? MAXPHYADDR_MIN
		       : env->maxphyaddr > MAXPHYADDR_MAX ? MAXPHYADDR_MAX
							  : env->maxphyaddr;

	if (env->output_pa & 7)
		return false;
	if (!range_ok(&image, bits, NULL, 0) || !range_ok(&output, bits, NULL, 0))
		return false;
	return disjoint(&output, &image, NULL, 0);
}

bool sk_boot_params_place_ok(const struct sk_boot_env *env, char *err, size_t size)
{
	struct range params = {"params", -1, env->params_pa,
			       SIDECAR_PAGE_SIZE + sizeof(struct sidecar_params_ext) +
				       SIDECAR_EXT_MAX_VPS * sizeof(uint32_t)};

	if (!maxphyaddr_ok(env->maxphyaddr))
		return sc_reason(err, size,
				 "the CPU's physical-address width (%u bits) is outside %u..%u",
				 env->maxphyaddr, MAXPHYADDR_MIN, MAXPHYADDR_MAX);
	/* The params page and its extension are mapped and read as pages. */
	if (env->params_pa & PAGE_MASK)
		return sc_reason(err, size, "params at %#llx are not page aligned",
				 (unsigned long long)env->params_pa);
	return range_ok(&params, env->maxphyaddr, err, size);
}

bool sk_boot_check_ext(const struct sidecar_params_ext *ext, char *err, size_t size)
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

bool sk_boot_starts_cpu(const struct sidecar_node_params *node,
			const struct sidecar_per_cpu_state *initial, uint32_t cpu)
{
	uint32_t vp = node->base_vp + cpu;

	if (initial->per_cpu_state_specified && vp < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)
		return initial->sidecar_starts_cpu[vp] != 0;
	return cpu != 0;
}

static struct range node_range(const struct sidecar_params *p, uint32_t i)
{
	return (struct range){NULL, (int)i, p->nodes[i].memory_base, p->nodes[i].memory_size};
}

static bool check_node(const struct sidecar_params *p, const struct sidecar_params_ext *ext,
		       const struct sk_boot_env *env, const struct range *fixed, uint32_t i,
		       char *err, size_t size)
{
	const struct sidecar_node_params *n = &p->nodes[i];
	struct range mem = node_range(p, i);
	uint64_t required;

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
	if (!range_ok(&mem, env->maxphyaddr, err, size))
		return false;
	if ((uint64_t)n->base_vp + n->vp_count > ext->vp_count)
		return sc_reason(err, size, "node %u: VPs %u..%llu outside the CPU list (%u CPUs)",
				 i, n->base_vp, (unsigned long long)n->base_vp + n->vp_count - 1,
				 ext->vp_count);
	for (unsigned int r = 0; r < R_COUNT; r++) {
		if (!disjoint(&mem, &fixed[r], err, size))
			return false;
	}

	for (uint32_t j = 0; j < i; j++) {
		const struct sidecar_node_params *m = &p->nodes[j];
		struct range other = node_range(p, j);

		if (!disjoint(&mem, &other, err, size))
			return false;
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
		       const struct sk_boot_env *env, char *err, size_t size)
{
	/* Runs once, on the BSP: a static scratch list is fine. */
	static uint32_t started[SIDECAR_EXT_MAX_VPS];
	uint32_t count = 0;

	for (uint32_t i = 0; i < p->node_count; i++) {
		const struct sidecar_node_params *n = &p->nodes[i];

		for (uint32_t cpu = 0; cpu < n->vp_count; cpu++) {
			uint32_t vp = n->base_vp + cpu;

			if (!sk_boot_starts_cpu(n, &p->initial_state, cpu))
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
					"VP %u has APIC ID %u, which needs x2APIC; the BSP is in "
					"xAPIC mode",
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

/* Guest memory: what the nested page tables can map (its place among the
 * other ranges is checked with them). */
static bool check_guest_memory(const struct sidecar_params_ext *ext, char *err, size_t size)
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
	if (len > SIDECAR_EXT_MAX_GUEST_MEMORY)
		return sc_reason(err, size, "guest memory size %#llx above the %#llx supported",
				 (unsigned long long)len,
				 (unsigned long long)SIDECAR_EXT_MAX_GUEST_MEMORY);
	return true;
}

/* Every range but node memory: on its own, then pairwise. */
static bool check_fixed_ranges(const struct range *r, const struct sk_boot_env *env, char *err,
			       size_t size)
{
	for (unsigned int i = 0; i < R_COUNT; i++) {
		if (r[i].size && !range_ok(&r[i], env->maxphyaddr, err, size))
			return false;
	}
	if (range_end(&r[R_IMAGE]) > IMAGE_LIMIT)
		return sc_reason(err, size,
				 "the image must lie below 4 GiB: APs load its page "
				 "tables in 32-bit mode");
	for (unsigned int i = 1; i < R_COUNT; i++) {
		for (unsigned int j = 0; j < i; j++) {
			if (!disjoint(&r[i], &r[j], err, size))
				return false;
		}
	}
	return true;
}

bool sk_boot_check(const struct sidecar_params *p, const struct sidecar_params_ext *ext,
		   const uint32_t *apic_ids, const struct sk_boot_env *env, char *err, size_t size)
{
	struct range fixed[R_COUNT];

	if (!maxphyaddr_ok(env->maxphyaddr))
		return sc_reason(err, size,
				 "the CPU's physical-address width (%u bits) is outside %u..%u",
				 env->maxphyaddr, MAXPHYADDR_MIN, MAXPHYADDR_MAX);
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
	if (!check_guest_memory(ext, err, size))
		return false;
	fixed_ranges(ext, env, fixed);
	if (!check_fixed_ranges(fixed, env, err, size))
		return false;
	for (uint32_t i = 0; i < p->node_count; i++) {
		if (!check_node(p, ext, env, fixed, i, err, size))
			return false;
	}
	return check_cpus(p, apic_ids, env, err, size);
}

void sk_control_page_init(struct sidecar_control_page *cp, uint32_t index,
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
		uint8_t status = cpu < node->vp_count && sk_boot_starts_cpu(node, initial, cpu)
					 ? SIDECAR_CPU_STATUS_RUN
					 : SIDECAR_CPU_STATUS_REMOVED;

		SIDECAR_STORE_RELAXED(&cp->cpu_status[cpu], status);
	}
}

uint32_t sk_boot_timer_count(uint64_t tsc_ticks, uint64_t tsc_khz, uint64_t timer_khz)
{
	uint64_t whole, count;

	if (!tsc_khz || !timer_khz || tsc_khz > UINT32_MAX || timer_khz > UINT32_MAX)
		return 0;
	/* tsc_ticks * timer_khz / tsc_khz, whole milliseconds first: the
	 * remainder is below tsc_khz, so its product stays below 2^64. */
	whole = tsc_ticks / tsc_khz;
	if (whole > UINT32_MAX / timer_khz)
		return UINT32_MAX;
	count = whole * timer_khz + tsc_ticks % tsc_khz * timer_khz / tsc_khz;
	if (count > UINT32_MAX)
		return UINT32_MAX;
	return count ? (uint32_t)count : 1;
}
