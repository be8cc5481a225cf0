// SPDX-License-Identifier: MIT
/*
 * Reads the host topology from a flattened device tree with libfdt. The
 * blob comes from outside (the host, or a file), so every property length
 * is checked before it is read and every count is bounded.
 */
#include <libfdt.h>

#include "fdt_blob.h"
#include "sidecar_topology.h"

static int fail(struct sidecar_topology *topo, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct sidecar_topology *topo, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_vsnprintf(topo->error, sizeof(topo->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads a one-cell u32 property; `def` when absent. Returns false if the
 * property exists but is not one cell. */
static bool read_u32(const void *fdt, int node, const char *name, uint32_t def, uint32_t *out)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p) {
		*out = def;
		return true;
	}
	if (len != (int)sizeof(*p))
		return false;
	*out = fdt32_to_cpu(*p);
	return true;
}

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

static bool add_range(uint64_t base, uint64_t size, uint64_t *start, uint64_t *end)
{
	if (size == 0 || base + size < base)
		return false;
	*start = base;
	*end = base + size;
	return true;
}

/* Calls back for each (address, size) pair of `reg`. */
static int read_reg_pairs(const void *fdt, int node, int addr_cells, int size_cells,
			  struct sidecar_topology *topo, const char *what,
			  int (*add)(struct sidecar_topology *, uint64_t, uint64_t, uint32_t),
			  uint32_t vnode)
{
	int len, stride = addr_cells + size_cells;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (!reg)
		return fail(topo, "%s node %s has no reg property", what,
			    fdt_get_name(fdt, node, NULL));
	if (addr_cells < 1 || addr_cells > 2 || size_cells < 1 || size_cells > 2)
		return fail(topo, "unsupported #address-cells %d / #size-cells %d", addr_cells,
			    size_cells);
	if (len <= 0 || len % (stride * 4) != 0)
		return fail(topo, "%s node %s: reg is %d bytes, not a multiple of %d", what,
			    fdt_get_name(fdt, node, NULL), len, stride * 4);
	for (int i = 0; i < len / (stride * 4); i++) {
		const fdt32_t *pair = reg + (ptrdiff_t)i * stride;
		int rc = add(topo, read_cells(pair, addr_cells),
			     read_cells(pair + addr_cells, size_cells), vnode);

		if (rc)
			return rc;
	}
	return 0;
}

static int add_ram(struct sidecar_topology *topo, uint64_t base, uint64_t size, uint32_t vnode)
{
	struct sidecar_plan_ram *r;

	if (topo->ram_count == SIDECAR_PLAN_MAX_RAM_RANGES)
		return fail(topo, "more than %u memory ranges", SIDECAR_PLAN_MAX_RAM_RANGES);
	r = &topo->ram[topo->ram_count];
	if (!add_range(base, size, &r->start, &r->end))
		return fail(topo, "invalid memory range base %#llx size %#llx",
			    (unsigned long long)base, (unsigned long long)size);
	r->vnode = vnode;
	topo->ram_count++;
	return 0;
}

static int add_used(struct sidecar_topology *topo, uint64_t base, uint64_t size, uint32_t vnode)
{
	struct sidecar_plan_range *r;

	(void)vnode;
	if (topo->used_count == SIDECAR_PLAN_MAX_USED_RANGES)
		return fail(topo, "more than %u reserved ranges", SIDECAR_PLAN_MAX_USED_RANGES);
	r = &topo->used[topo->used_count];
	if (!add_range(base, size, &r->start, &r->end))
		return fail(topo, "invalid reserved range base %#llx size %#llx",
			    (unsigned long long)base, (unsigned long long)size);
	topo->used_count++;
	return 0;
}

static int read_cpus(const void *fdt, struct sidecar_topology *topo)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;

	if (cpus < 0)
		return fail(topo, "no /cpus node");
	fdt_for_each_subnode (node, fdt, cpus) {
		struct sidecar_plan_cpu *cpu;
		const char *name = fdt_get_name(fdt, node, NULL);
		int len;
		const fdt32_t *reg;

		/* Only cpu@N nodes are CPUs (cpu-map and friends are not). */
		if (!name || name[0] != 'c' || name[1] != 'p' || name[2] != 'u' ||
		    (name[3] != '@' && name[3] != '\0'))
			continue;
		if (topo->cpu_count == SIDECAR_PLAN_MAX_CPUS)
			return fail(topo, "more than %u CPUs", SIDECAR_PLAN_MAX_CPUS);
		cpu = &topo->cpus[topo->cpu_count];
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len != 4)
			return fail(topo, "CPU node %s: reg must be one cell (the APIC ID)", name);
		cpu->apic_id = fdt32_to_cpu(*reg);
		if (!read_u32(fdt, node, "numa-node-id", 0, &cpu->vnode))
			return fail(topo, "CPU node %s: numa-node-id must be one cell", name);
		cpu->vp_index = (uint32_t)topo->cpu_count;
		for (size_t i = 0; i < topo->cpu_count; i++) {
			if (topo->cpus[i].apic_id == cpu->apic_id)
				return fail(topo, "CPU node %s: APIC ID %u used twice", name,
					    cpu->apic_id);
		}
		topo->cpu_count++;
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		return fail(topo, "bad /cpus node: %s", fdt_strerror(node));
	if (topo->cpu_count == 0)
		return fail(topo, "no cpu@N nodes under /cpus");
	return 0;
}

static int read_memory(const void *fdt, int addr_cells, int size_cells,
		       struct sidecar_topology *topo)
{
	int node;

	fdt_for_each_subnode (node, fdt, 0) {
		int len;
		const char *type = fdt_getprop(fdt, node, "device_type", &len);
		uint32_t vnode;
		int rc;

		if (!type || len != 7 || type[6] != '\0')
			continue;
		if (type[0] != 'm' || type[1] != 'e' || type[2] != 'm' || type[3] != 'o' ||
		    type[4] != 'r' || type[5] != 'y')
			continue;
		if (!read_u32(fdt, node, "numa-node-id", 0, &vnode))
			return fail(topo, "memory node %s: numa-node-id must be one cell",
				    fdt_get_name(fdt, node, NULL));
		rc = read_reg_pairs(fdt, node, addr_cells, size_cells, topo, "memory", add_ram,
				    vnode);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_reserved(const void *fdt, struct sidecar_topology *topo)
{
	int count = fdt_num_mem_rsv(fdt);
	int rsv = fdt_path_offset(fdt, "/reserved-memory");
	int node;

	if (count < 0)
		return fail(topo, "bad memory reservation block: %s", fdt_strerror(count));
	for (int i = 0; i < count; i++) {
		uint64_t base, size;
		int rc;

		if (fdt_get_mem_rsv(fdt, i, &base, &size) < 0)
			return fail(topo, "bad memory reservation %d", i);
		rc = add_used(topo, base, size, 0);
		if (rc)
			return rc;
	}
	if (rsv < 0)
		return 0;
	fdt_for_each_subnode (node, fdt, rsv) {
		int rc = read_reg_pairs(fdt, node, fdt_address_cells(fdt, rsv),
					fdt_size_cells(fdt, rsv), topo, "reserved-memory", add_used,
					0);

		if (rc)
			return rc;
	}
	return 0;
}

static int read_bootargs(const void *fdt, struct sidecar_topology *topo)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *args;
	int len;

	topo->cmdline[0] = '\0';
	if (chosen < 0)
		return 0;
	args = fdt_getprop(fdt, chosen, "bootargs", &len);
	if (!args)
		return 0;
	if (len <= 0 || args[len - 1] != '\0')
		return fail(topo, "/chosen/bootargs is not a NUL-terminated string");
	if ((size_t)len > sizeof(topo->cmdline))
		return fail(topo, "/chosen/bootargs is %d bytes, at most %zu supported", len,
			    sizeof(topo->cmdline));
	for (int i = 0; i < len; i++)
		topo->cmdline[i] = args[i];
	return 0;
}

/* The per-CPU overrides (docs/topology-dt.md): one cell per CPU, each a VP
 * index of this tree; duplicates are allowed (OpenHCL merges its two lists
 * the same way). */
static int read_excluded(const void *fdt, struct sidecar_topology *topo)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const fdt32_t *cells;
	int len;

	topo->excluded_count = 0;
	if (chosen < 0)
		return 0;
	cells = fdt_getprop(fdt, chosen, SIDECAR_TOPOLOGY_EXCLUDED_PROP, &len);
	if (!cells)
		return 0;
	if (len < 0 || len % 4 != 0)
		return fail(topo, "/chosen/%s is %d bytes, not whole cells",
			    SIDECAR_TOPOLOGY_EXCLUDED_PROP, len);
	if ((size_t)len / 4 > SIDECAR_PLAN_MAX_CPUS)
		return fail(topo, "/chosen/%s has %d entries, at most %u supported",
			    SIDECAR_TOPOLOGY_EXCLUDED_PROP, len / 4, SIDECAR_PLAN_MAX_CPUS);
	for (int i = 0; i < len / 4; i++) {
		uint32_t vp = fdt32_to_cpu(cells[i]);

		if (vp >= topo->cpu_count)
			return fail(topo, "/chosen/%s names CPU %u; the tree has %zu CPUs",
				    SIDECAR_TOPOLOGY_EXCLUDED_PROP, vp, topo->cpu_count);
		topo->excluded[topo->excluded_count++] = vp;
	}
	return 0;
}

int sidecar_topology_from_fdt(const void *fdt, size_t size, struct sidecar_topology *topo)
{
	int rc, addr_cells, size_cells;

	topo->cpu_count = topo->ram_count = topo->used_count = topo->excluded_count = 0;
	topo->cmdline[0] = '\0';
	topo->error[0] = '\0';
	/* Before any libfdt call: libfdt 1.6.1 crashes or overflows on
	 * trees this refuses (fdt_blob.h). */
	if (!sidecar_fdt_blob_check(fdt, size, topo->error, sizeof(topo->error)))
		return -1;
	/* A second opinion; after the check above it cannot crash and it
	 * should never refuse (the topology fuzz harness checks that). */
	rc = fdt_check_full(fdt, size);
	if (rc)
		return fail(topo, "malformed device tree: %s", fdt_strerror(rc));

	addr_cells = fdt_address_cells(fdt, 0);
	size_cells = fdt_size_cells(fdt, 0);
	if (addr_cells < 0 || size_cells < 0)
		return fail(topo, "bad root #address-cells/#size-cells");

	rc = read_cpus(fdt, topo);
	if (!rc)
		rc = read_memory(fdt, addr_cells, size_cells, topo);
	if (!rc)
		rc = read_reserved(fdt, topo);
	if (!rc)
		rc = read_bootargs(fdt, topo);
	if (!rc)
		rc = read_excluded(fdt, topo);
	return rc;
}

struct sidecar_plan_input sidecar_topology_plan_input(const struct sidecar_topology *topo)
{
	return (struct sidecar_plan_input){
		.cpus = topo->cpus,
		.cpu_count = topo->cpu_count,
		.ram = topo->ram,
		.ram_count = topo->ram_count,
		.used = topo->used,
		.used_count = topo->used_count,
		.cmdline = topo->cmdline,
		.excluded_cpus = topo->excluded,
		.excluded_count = topo->excluded_count,
	};
}
