// SPDX-License-Identifier: MIT
#include <sidecar/control_ops.h>
#include <sidecar/vp_pages.h>

#include "output_check.h"
#include "paging.h"
#include "sc_format.h"

#define ULL(x) ((unsigned long long)(x))

int shim_node_of_vp(const struct shim_boot *b, uint32_t vp)
{
	for (uint32_t i = 0; i < b->plan->node_count; i++) {
		const struct sidecar_plan_node *n = &b->plan->nodes[i];

		if (vp >= n->base_vp && vp - n->base_vp < n->vp_count)
			return (int)i;
	}
	return -1;
}

bool output_check_nodes(struct shim_boot *b, char *why, size_t why_size)
{
	for (uint32_t i = 0; i < b->params->node_count; i++) {
		const struct sidecar_node_params *np = &b->params->nodes[i];
		const struct sidecar_node_output *no = &b->output->nodes[i];
		uint64_t shmem_size =
			(uint64_t)SIDECAR_PER_VP_SHMEM_PAGES * SIDECAR_PAGE_SIZE * np->vp_count;
		struct sidecar_control_page *cp;

		if (no->control_page != np->memory_base ||
		    no->shmem_pages_base != np->memory_base + sidecar_command_page_offset(0) ||
		    no->shmem_pages_size != shmem_size) {
			sc_snprintf(
				why, why_size,
				"node %u: output control_page %#llx, shmem %#llx+%#llx; the node's "
				"memory at %#llx needs %#llx, %#llx+%#llx",
				i, ULL(no->control_page), ULL(no->shmem_pages_base),
				ULL(no->shmem_pages_size), ULL(np->memory_base),
				ULL(np->memory_base), ULL(np->memory_base + SIDECAR_PAGE_SIZE),
				ULL(shmem_size));
			return false;
		}
		if (!paging_is_mapped(np->memory_base, np->memory_size)) {
			sc_snprintf(why, why_size,
				    "node %u: memory at %#llx is not identity-mapped", i,
				    ULL(np->memory_base));
			return false;
		}
		cp = (struct sidecar_control_page *)(uintptr_t)no->control_page;
		if (SIDECAR_LOAD_RELAXED(&cp->index) != i ||
		    SIDECAR_LOAD_RELAXED(&cp->base_cpu) != np->base_vp ||
		    SIDECAR_LOAD_RELAXED(&cp->cpu_count) != np->vp_count) {
			sc_snprintf(
				why, why_size,
				"node %u: control page says index %u, base_cpu %u, cpu_count %u; "
				"expected %u, %u, %u",
				i, SIDECAR_LOAD_RELAXED(&cp->index),
				SIDECAR_LOAD_RELAXED(&cp->base_cpu),
				SIDECAR_LOAD_RELAXED(&cp->cpu_count), i, np->base_vp, np->vp_count);
			return false;
		}
		b->control[i] = cp;
	}
	return true;
}

/* The kernel's bound on the fan-out depth (sidecar_fanout_depth_bound() of
 * the CPUs it started or tried to). */
static bool output_check_depth(const struct sidecar_output_ext *ext, uint32_t node_count, char *why,
			       size_t why_size)
{
	uint32_t starts = 0, bound;

	for (uint32_t i = 0; i < node_count && i < SIDECAR_MAX_NODES; i++)
		starts += ext->nodes[i].started + ext->nodes[i].failed;
	bound = sidecar_fanout_depth_bound(starts);
	if (ext->max_fanout_depth > bound) {
		sc_snprintf(why, why_size,
			    "output_ext: fan-out depth %u for %u CPUs started; at most %u "
			    "(floor(log2(%u)) + 3)",
			    ext->max_fanout_depth, starts, bound, starts);
		return false;
	}
	return true;
}

bool output_check_ext(struct shim_boot *b, const struct sidecar_output_ext *ext, char *why,
		      size_t why_size)
{
	uint32_t vp_count = b->params_ext->vp_count;

	b->output_ext = NULL;
	if (ext->magic != SIDECAR_OUTPUT_EXT_MAGIC) {
		sc_snprintf(why, why_size, "output_ext: magic %#llx, expected %#llx",
			    ULL(ext->magic), ULL(SIDECAR_OUTPUT_EXT_MAGIC));
		return false;
	}
	if (ext->version != SIDECAR_OUTPUT_EXT_VERSION) {
		sc_snprintf(why, why_size, "output_ext: version %u, expected %u", ext->version,
			    SIDECAR_OUTPUT_EXT_VERSION);
		return false;
	}
	if (ext->size < sidecar_output_ext_size(vp_count) || ext->vp_count != vp_count ||
	    ext->node_count != b->params->node_count) {
		sc_snprintf(why, why_size,
			    "output_ext: size %u, %u VPs, %u nodes; expected %llu, %u, %u",
			    ext->size, ext->vp_count, ext->node_count,
			    ULL(sidecar_output_ext_size(vp_count)), vp_count,
			    b->params->node_count);
		return false;
	}
	if (!output_check_depth(ext, b->params->node_count, why, why_size))
		return false;
	b->output_ext = ext;
	return true;
}
