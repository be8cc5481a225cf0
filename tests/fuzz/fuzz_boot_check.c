// SPDX-License-Identifier: MIT
/*
 * sidecar_entry()'s validation of the loader's input (kernel/core/
 * boot_check.c): the environment (where the image, params and output are,
 * MAXPHYADDR), the params extension, the node list and the APIC IDs, all
 * from the input, through the checks in the order bsp_main.c runs them.
 *
 * Invariants:
 * - every refusal comes with a one-line reason (sk_boot_output_ok() has
 *   none: nowhere to write it);
 * - an accepted output block is 8-byte aligned, below 2^MAXPHYADDR and
 *   clear of the image; accepted params lie below 2^MAXPHYADDR with room
 *   for the largest APIC ID list;
 * - in every accepted configuration each range the kernel reads or writes
 *   (image, params with extension and APIC IDs, output, output extension,
 *   trampoline page, guest memory, every node's memory) neither wraps nor
 *   reaches past 2^MAXPHYADDR (at most 2^52), and no two overlap, computed
 *   here independently in 128-bit arithmetic; MAXPHYADDR is 32..52, the
 *   image ends below 4 GiB, node memory is page aligned and at least what
 *   its CPUs need, node CPUs lie in the CPU list without overlap, and no
 *   started CPU is the BSP or shares an APIC ID with another.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_boot_check_input.h"
#include "fuzz_check.h"
#include "sk_boot.h"

typedef unsigned __int128 u128;

static struct sidecar_params params;
static struct sidecar_params_ext ext;
static uint32_t apic_ids[SIDECAR_EXT_MAX_VPS];
static bool seen[2 * SIDECAR_EXT_MAX_VPS + 512]; /* APIC IDs of started CPUs */

struct range {
	u128 start, end;
};

static struct range range(uint64_t start, uint64_t size)
{
	return (struct range){start, (u128)start + size};
}

static void check_range(const char *what, int i, struct range r, u128 limit)
{
	FUZZ_CHECK(r.end <= limit, "accepted %s %d ending at %#llx%016llx beyond 2^MAXPHYADDR",
		   what, i, (unsigned long long)(r.end >> 64), (unsigned long long)r.end);
}

static bool overlap(struct range a, struct range b)
{
	return a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end;
}

static void check_accepted(const struct sk_boot_env *env)
{
	struct range r[6 + SIDECAR_MAX_NODES];
	static const char *const names[6] = {
		"image", "params", "output", "output extension", "trampoline page", "guest memory"};
	unsigned int n = 6;
	u128 limit;

	FUZZ_CHECK(env->maxphyaddr >= 32 && env->maxphyaddr <= 52, "MAXPHYADDR %u accepted",
		   env->maxphyaddr);
	limit = (u128)1 << env->maxphyaddr;
	r[0] = range(env->image_start, env->image_size);
	r[1] = range(env->params_pa,
		     SIDECAR_PAGE_SIZE + sizeof(ext) + (uint64_t)ext.vp_count * sizeof(uint32_t));
	r[2] = range(env->output_pa, sizeof(struct sidecar_output));
	r[3] = range(ext.output_ext, ext.output_ext ? sidecar_output_ext_size(ext.vp_count) : 0);
	r[4] = range(ext.trampoline_page, SIDECAR_PAGE_SIZE);
	r[5] = range(ext.guest_memory_base, ext.guest_memory_size);
	FUZZ_CHECK(r[0].end <= (u128)1 << 32, "image above 4 GiB accepted");
	for (uint32_t i = 0; i < params.node_count; i++) {
		const struct sidecar_node_params *node = &params.nodes[i];

		FUZZ_CHECK(!(node->memory_base & 0xFFF) && !(node->memory_size & 0xFFF),
			   "node %u unaligned", i);
		FUZZ_CHECK(node->memory_size >= sidecar_required_memory(node->vp_count),
			   "node %u too small", i);
		FUZZ_CHECK(node->vp_count >= 1 &&
				   (uint64_t)node->base_vp + node->vp_count <= ext.vp_count,
			   "node %u: VPs outside the list", i);
		for (uint32_t j = 0; j < i; j++) {
			const struct sidecar_node_params *m = &params.nodes[j];

			FUZZ_CHECK(node->base_vp + node->vp_count <= m->base_vp ||
					   m->base_vp + m->vp_count <= node->base_vp,
				   "nodes %u and %u share VPs", j, i);
		}
		r[n++] = range(node->memory_base, node->memory_size);
	}
	for (unsigned int i = 0; i < n; i++) {
		check_range(i < 6 ? names[i] : "node", i < 6 ? 0 : (int)i - 6, r[i], limit);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(!overlap(r[i], r[j]), "accepted %s %d overlapping %s %d",
				   i < 6 ? names[i] : "node", i < 6 ? 0 : (int)i - 6,
				   j < 6 ? names[j] : "node", j < 6 ? 0 : (int)j - 6);
	}
	/* Started CPUs: not the BSP, distinct APIC IDs, xAPIC-reachable. */
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < params.node_count; i++) {
		for (uint32_t c = 0; c < params.nodes[i].vp_count; c++) {
			uint32_t vp = params.nodes[i].base_vp + c;

			if (!sk_boot_starts_cpu(&params.nodes[i], &params.initial_state, c))
				continue;
			FUZZ_CHECK(apic_ids[vp] != env->bsp_apic_id, "VP %u is the BSP", vp);
			FUZZ_CHECK(env->x2apic || apic_ids[vp] < 255, "VP %u needs x2APIC", vp);
			FUZZ_CHECK(apic_ids[vp] < sizeof(seen) && !seen[apic_ids[vp]],
				   "VP %u: APIC ID %u twice", vp, apic_ids[vp]);
			seen[apic_ids[vp]] = true;
		}
	}
}

/* A refusal's reason: one non-empty line. */
static void check_reason(const char *err)
{
	size_t len = strnlen(err, 256);

	FUZZ_CHECK(len > 0 && len < 256, "reason of %zu bytes", len);
	FUZZ_CHECK(!memchr(err, '\n', len), "reason with a newline: %s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_boot_header h;
	struct sk_boot_env env;
	char err[256];
	size_t nodes_size;

	if (size < sizeof(h) + sizeof(ext))
		return 0;
	memcpy(&h, data, sizeof(h));
	memcpy(&ext, data + sizeof(h), sizeof(ext));
	data += sizeof(h) + sizeof(ext);
	size -= sizeof(h) + sizeof(ext);

	memset(&params, 0, sizeof(params));
	params.node_count = h.node_count;
	nodes_size = (h.node_count < FUZZ_BOOT_MAX_NODES ? h.node_count : FUZZ_BOOT_MAX_NODES) *
		     sizeof(params.nodes[0]);
	if (nodes_size > size)
		nodes_size = size;
	memcpy(params.nodes, data, nodes_size);
	data += nodes_size;
	size -= nodes_size;
	params.enable_logging = h.per_cpu >> 7;
	if (h.per_cpu & 1) {
		params.initial_state.per_cpu_state_specified = 1;
		for (size_t i = 0; i < size && i < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE;
		     i++)
			params.initial_state.sidecar_starts_cpu[i] = data[i] & 1;
	}
	/* Distinct IDs, one duplicate and one big one if the header asks. */
	for (uint32_t i = 0; i < SIDECAR_EXT_MAX_VPS; i++)
		apic_ids[i] = 2 * i;
	if (h.per_cpu & 2)
		apic_ids[(h.bsp_apic_id >> 8) % 16] = apic_ids[(h.bsp_apic_id >> 12) % 16];
	if (h.per_cpu & 4)
		apic_ids[(h.bsp_apic_id >> 16) % 16] = 300;

	env = (struct sk_boot_env){
		.image_start = h.image_start,
		.image_size = h.image_size,
		.params_pa = h.params_pa,
		.output_pa = h.output_pa,
		.bsp_apic_id = h.bsp_apic_id & 0xFF,
		.x2apic = h.x2apic & 1,
		.maxphyaddr = h.maxphyaddr,
	};

	if (!sk_boot_output_ok(&env))
		return 0;
	{
		u128 limit = (u128)1 << (env.maxphyaddr < 32   ? 32
					 : env.maxphyaddr > 52 ? 52
							       : env.maxphyaddr);
		struct range out = range(env.output_pa, sizeof(struct sidecar_output));

		FUZZ_CHECK(!(env.output_pa & 7), "unaligned output accepted");
		FUZZ_CHECK(out.end <= limit, "output beyond MAXPHYADDR accepted");
		FUZZ_CHECK(!overlap(out, range(env.image_start, env.image_size)),
			   "output on the image accepted");
	}
	err[0] = '\0';
	if (!sk_boot_params_place_ok(&env, err, sizeof(err))) {
		check_reason(err);
		return 0;
	}
	FUZZ_CHECK(range(env.params_pa,
			 SIDECAR_PAGE_SIZE + sizeof(ext) + SIDECAR_EXT_MAX_VPS * sizeof(uint32_t))
				   .end <= (u128)1 << env.maxphyaddr,
		   "params beyond MAXPHYADDR accepted");
	if (!sk_boot_check_ext(&ext, err, sizeof(err))) {
		check_reason(err);
		return 0;
	}
	if (!sk_boot_check(&params, &ext, apic_ids, &env, err, sizeof(err))) {
		check_reason(err);
		return 0;
	}
	check_accepted(&env);
	return 0;
}
