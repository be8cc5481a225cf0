// SPDX-License-Identifier: MIT
/*
 * Broken inputs for sidecar_entry(), one per documented error class
 * (docs/kernel.md, "Errors of sidecar_entry()"). The unit tests cover every
 * message of the validation code; this proves the path around it on a
 * CPU: the refusal reaches output->error, no node is set up, and the
 * kernel returns with the loader's state restored (load_sidecar.c checks
 * that on every call).
 */
#include <string.h>

#include "bad_params.h"
#include "serial.h"

struct bad_case {
	const char *name;
	void (*apply)(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp_apic);
	const char *expect; /* the start of output->error */
};

static void no_extension(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)p, (void)bsp;
	x->magic = 0;
}

static void no_nodes(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)x, (void)bsp;
	p->node_count = 0;
}

static void too_many_vps(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)x, (void)bsp;
	p->nodes[0].vp_count = 4033;
}

static void too_little_memory(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)x, (void)bsp;
	p->nodes[0].memory_size -= SIDECAR_PAGE_SIZE;
}

static void unaligned_memory(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)x, (void)bsp;
	p->nodes[0].memory_base += 8;
}

static void overlapping_nodes(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)x, (void)bsp;
	/* A copy of node 0 as node 1: its memory is checked first. */
	p->nodes[1] = p->nodes[0];
	p->node_count = 2;
}

static void vps_outside(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)bsp;
	x->vp_count = p->nodes[0].base_vp + p->nodes[0].vp_count - 1;
}

static void high_trampoline(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	(void)p, (void)bsp;
	x->trampoline_page = 0x100000;
}

static void bsp_as_sidecar(struct sidecar_params *p, struct sidecar_params_ext *x, uint32_t bsp)
{
	x->apic_ids[p->nodes[0].base_vp + 1] = bsp;
}

/* The image under test, for cases that place something on it. */
static const struct sidecar_loaded_image *cur_image;

static void output_ext_on_params(struct sidecar_params *p, struct sidecar_params_ext *x,
				 uint32_t bsp)
{
	(void)bsp;
	x->output_ext = (uintptr_t)p;
}

static void output_ext_on_image(struct sidecar_params *p, struct sidecar_params_ext *x,
				uint32_t bsp)
{
	(void)p, (void)bsp;
	x->output_ext = cur_image->load_pa;
}

/* temp_map() keeps address bits 12-51 only: written, this would land on
 * physical page 0. */
static void output_ext_across_2_52(struct sidecar_params *p, struct sidecar_params_ext *x,
				   uint32_t bsp)
{
	(void)p, (void)bsp;
	x->output_ext = (1ull << 52) - 8;
}

static void node_beyond_maxphyaddr(struct sidecar_params *p, struct sidecar_params_ext *x,
				   uint32_t bsp)
{
	(void)x, (void)bsp;
	p->nodes[0].memory_base = 1ull << 52;
}

static const struct bad_case cases[] = {
	{"no extension", no_extension, "no params extension after the params page"},
	{"node_count 0", no_nodes, "node_count 0 out of range (1..128)"},
	{"vp_count above 4032", too_many_vps, "node 0: vp_count 4033 out of range (1..4032)"},
	{"memory below the requirement", too_little_memory,
	 "node 0: failed to provide required memory: "},
	{"unaligned node memory", unaligned_memory, "node 0: memory base "},
	{"overlapping nodes", overlapping_nodes, "node 1: memory overlaps node 0"},
	{"VPs outside the CPU list", vps_outside, "node 0: VPs "},
	{"trampoline above 1 MiB", high_trampoline, "trampoline page 0x100000 must be"},
	{"the BSP as a sidecar CPU", bsp_as_sidecar, "VP "},
	{"output extension on the params", output_ext_on_params,
	 "output extension overlaps the params"},
	{"output extension on the image", output_ext_on_image,
	 "output extension overlaps the sidecar image"},
	{"output extension across 2^52", output_ext_across_2_52,
	 "output extension at 0xffffffffffff8.."},
	{"node memory beyond MAXPHYADDR", node_beyond_maxphyaddr,
	 "node 0: memory at 0x10000000000000.."},
};

static void record(struct shim_boot *b, bool ok, const char *name, const char *detail)
{
	if (ok) {
		b->bad_params_ok++;
		return;
	}
	if (b->bad_params_bad++ == 0)
		sc_snprintf(b->bad_params_first, sizeof(b->bad_params_first), "%s: %s", name,
			    detail);
}

void bad_params_run(struct shim_boot *b, const struct sidecar_loaded_image *image,
		    struct sidecar_params *params, struct sidecar_params_ext *ext,
		    struct sidecar_output *output)
{
	static struct sidecar_params saved_params;
	static struct sidecar_params_ext saved_ext;
	static uint32_t saved_ids[SIDECAR_EXT_MAX_VPS];
	size_t ids_size = (size_t)ext->vp_count * sizeof(uint32_t);

	cur_image = image;
	memcpy(&saved_params, params, sizeof(saved_params));
	memcpy(&saved_ext, ext, sizeof(saved_ext));
	memcpy(saved_ids, ext->apic_ids, ids_size);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		char changed[256], detail[400];
		size_t n = strlen(c->expect);
		bool ok;

		memset(output, 0, sizeof(*output));
		c->apply(params, ext, b->bsp_apic_id);
		ok = sidecar_image_call(image, (uintptr_t)params, (uintptr_t)output, changed,
					sizeof(changed));
		if (changed[0]) {
			sc_snprintf(detail, sizeof(detail), "CPU state not handed back: %s",
				    changed);
			record(b, false, c->name, detail);
		} else if (ok) {
			record(b, false, c->name, "accepted");
		} else if (output->error.len < n || memcmp(output->error.buf, c->expect, n) != 0) {
			sc_snprintf(detail, sizeof(detail),
				    "refused with \"%.*s\", expected \"%s...\"", output->error.len,
				    (const char *)output->error.buf, c->expect);
			record(b, false, c->name, detail);
		} else if (output->nodes[0].control_page != 0) {
			record(b, false, c->name, "refused, but node 0 was set up");
		} else {
			record(b, true, c->name, NULL);
		}
		shim_print("bad params: %s: %s \"%.*s\"\n", c->name, ok ? "ACCEPTED" : "refused",
			   output->error.len, (const char *)output->error.buf);

		memcpy(params, &saved_params, sizeof(saved_params));
		memcpy(ext, &saved_ext, sizeof(saved_ext));
		memcpy(ext->apic_ids, saved_ids, ids_size);
	}
	memset(output, 0, sizeof(*output));
}
