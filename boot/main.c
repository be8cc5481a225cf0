// SPDX-License-Identifier: MIT
/*
 * The reference boot shim: what a boot loader does to start the sidecar
 * kernel (docs/boot-shim.md), step by step, on the BSP:
 *
 *   multiboot info -> modules "dtb" and "sidecar" -> host topology
 *   -> memory (allocations, identity map) -> sidecar image loaded
 *   -> plan (with every used range) -> params + params_ext -> TSC
 *   -> sidecar_entry() -> output checked -> report [-> self-test]
 *   [-> Linux, with a "bzImage" module: docs/linux-boot.md]
 *
 * Every failure prints its reason and leaves QEMU with the boot-error code.
 */
#include <sidecar/boot_ext.h>
#include <sidecar/control_ops.h>
#include <string.h>

#include "apic.h"
#include "bad_params.h"
#include "boot_plan.h"
#include "cmdline_split.h"
#include "exit.h"
#include "guest_memory.h"
#include "idt.h"
#include "linux_boot.h"
#include "load_sidecar.h"
#include "multiboot.h"
#include "output_check.h"
#include "paging.h"
#include "phys_alloc.h"
#include "report.h"
#include "selftest.h"
#include "serial.h"
#include "shim.h"
#include "sidecar_topology.h"
#include "tsc.h"
#include "x86.h"

#define ULL(x) ((unsigned long long)(x))

/* The kernel's AP start-up parameters (docs/boot-shim.md explains them). */
#define TRAMPOLINE_PREFERRED 0x8000ull
#define INIT_DELAY_US	     0u
#define SIPI_DELAY_US	     10u
#define AP_TIMEOUT_US	     5000000u

/* From shim.ld. */
extern char __load_start[], __bss_end[];

void shim_main(uint32_t magic, uint32_t mbi_pa);

static struct boot_info bi;
static struct sidecar_topology topo;
static struct sidecar_plan plan;
static char planner_cmdline[SIDECAR_TOPOLOGY_CMDLINE_SIZE + 32];
static struct mb_range taken[MB_MAX_USED + 1];
static size_t taken_count;
static struct shim_boot boot;
static struct guest_memory guest;
/* Words after "--" on the shim's command line: the Linux command line's tail. */
static const char *linux_extra;

static void print_memory_map(void)
{
	shim_print("memory map (multiboot):\n");
	for (uint32_t i = 0; i < bi.mmap_count; i++) {
		const struct mb_mmap_entry *e = &bi.mmap[i];

		shim_print("  [0x%012llx, 0x%012llx) %s\n", ULL(e->base), ULL(e->base + e->length),
			   e->type == MB_MEMORY_AVAILABLE ? "available" : "reserved");
	}
}

/* The module marked `word`, checked to lie in available RAM. */
static const struct mb_module *find_module(const char *word)
{
	const struct mb_module *m = multiboot_find_module(&bi, word);

	if (!m)
		shim_boot_error("%s", bi.error);
	if (!phys_is_available(m->start, m->end))
		shim_boot_error("module \"%s\" at [%#llx, %#llx) is not in available RAM",
				m->string, ULL(m->start), ULL(m->end));
	shim_print("module \"%s\": [%#llx, %#llx), %llu bytes\n", m->string, ULL(m->start),
		   ULL(m->end), ULL(m->end - m->start));
	return m;
}

static void read_topology(const struct mb_module *dtb)
{
	if (sidecar_topology_from_fdt((const void *)(uintptr_t)dtb->start, dtb->end - dtb->start,
				      &topo) != 0)
		shim_boot_error("host device tree (module \"%s\"): %s", dtb->string, topo.error);
	shim_print("host topology: %zu CPUs, %zu RAM ranges, %zu used ranges, bootargs \"%s\"\n",
		   topo.cpu_count, topo.ram_count, topo.used_count, topo.cmdline);
	if (topo.cpu_count > SIDECAR_EXT_MAX_VPS)
		shim_boot_error("%zu CPUs, the boot extension supports %u", topo.cpu_count,
				SIDECAR_EXT_MAX_VPS);
}

/* The identity map must reach all RAM: node memory may land anywhere. */
static void map_all_ram(void)
{
	const struct sidecar_plan_range *avail;
	size_t count;
	uint64_t end = 0;

	avail = phys_available(&count);
	for (size_t i = 0; i < count; i++)
		end = avail[i].end > end ? avail[i].end : end;
	for (size_t i = 0; i < topo.ram_count; i++)
		end = topo.ram[i].end > end ? topo.ram[i].end : end;
	if (!paging_extend(end))
		shim_boot_error("no memory for page tables to map RAM up to %#llx", ULL(end));
	if (paging_mapped_end() < end)
		shim_print("warning: RAM above %#llx is not mapped; node memory there is refused\n",
			   ULL(paging_mapped_end()));
}

static void *alloc_zeroed(uint64_t size, const char *what)
{
	uint64_t pa = phys_alloc(size, PAGE_SIZE, FOUR_GIB, what);

	if (!pa)
		shim_boot_error("no free memory below 4 GiB for the %s (%llu bytes)", what,
				ULL(size));
	memset((void *)(uintptr_t)pa, 0, (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	return (void *)(uintptr_t)pa;
}

static void print_allocations(void)
{
	const struct mb_range *a;
	size_t count;

	a = phys_allocations(&count);
	shim_print("shim allocations:\n");
	for (size_t i = 0; i < count; i++)
		shim_print("  [0x%012llx, 0x%012llx) %s\n", ULL(a[i].start), ULL(a[i].end),
			   a[i].what);
}

static void make_plan(void)
{
	char why[160];
	const struct sidecar_plan_range *used;
	size_t used_count;

	sc_snprintf(planner_cmdline, sizeof(planner_cmdline), "%s%s", topo.cmdline,
		    sidecar_cmdline_has_token(bi.cmdline, "log") ? " SIDECAR_LOGGING=1" : "");
	if (!boot_plan_compute(&topo, planner_cmdline, taken, taken_count, &plan, why, sizeof(why)))
		shim_boot_error("planner input: %s", why);
	used = boot_plan_used(&used_count);
	shim_print("used ranges given to the planner:\n");
	for (size_t i = 0; i < used_count; i++)
		shim_print("  [0x%012llx, 0x%012llx)\n", ULL(used[i].start), ULL(used[i].end));
	sidecar_plan_print(&plan, serial_emit, NULL);
	if (plan.result != SIDECAR_PLAN_PLANNED)
		shim_boot_error("the planner declined: %s", plan.reason);
	for (uint32_t i = 0; i < plan.node_count; i++) {
		if (!paging_is_mapped(plan.nodes[i].memory_base, plan.nodes[i].memory_size))
			shim_boot_error("node %u's memory at %#llx is beyond the identity map", i,
					ULL(plan.nodes[i].memory_base));
	}
}

/* The BSP runs the shim and stays with Linux: it must not be a CPU the
 * plan hands to the sidecar kernel, which would try to start it. A base VP
 * or a CPU the per-CPU overrides leave to the kernel is fine. */
static void check_bsp(void)
{
	uint32_t apic = apic_id_from_cpuid();

	for (uint32_t vp = 0; vp < topo.cpu_count; vp++) {
		int node;

		if (topo.cpus[vp].apic_id != apic)
			continue;
		boot.bsp_apic_id = apic;
		node = shim_node_of_vp(&boot, vp);
		if (sidecar_plan_sidecar_starts(&plan, vp))
			shim_boot_error(
				"the BSP (APIC ID %u) is VP %u, which the plan gives to the "
				"sidecar (node %d, base VP %u)",
				apic, vp, node, plan.nodes[node].base_vp);
		shim_print("BSP: APIC ID %u, VP %u\n", apic, vp);
		return;
	}
	shim_boot_error("the BSP's APIC ID %u is not in the device tree's /cpus", apic);
}

/* The highest VP the sidecar starts (not a base VP, not one the per-CPU
 * overrides leave to the kernel). */
static bool highest_sidecar_vp(uint32_t *vp)
{
	for (uint32_t v = (uint32_t)topo.cpu_count; v-- > 0;) {
		if (sidecar_plan_sidecar_starts(&plan, v)) {
			*vp = v;
			return true;
		}
	}
	return false;
}

static void fill_params_ext(struct sidecar_params_ext *ext, uint64_t trampoline,
			    uint64_t output_ext, bool selftest)
{
	ext->magic = SIDECAR_PARAMS_EXT_MAGIC;
	ext->version = SIDECAR_PARAMS_EXT_VERSION;
	ext->size = sizeof(*ext);
	ext->trampoline_page = trampoline;
	ext->output_ext = output_ext;
	ext->tsc_khz = tsc_khz();
	ext->init_delay_us = INIT_DELAY_US;
	ext->sipi_delay_us = SIPI_DELAY_US;
	ext->ap_timeout_us = AP_TIMEOUT_US;
	ext->flags = 0;
	ext->fault_inject_vp = 0;
	if (selftest && !sidecar_cmdline_has_token(bi.cmdline, "nofault") &&
	    highest_sidecar_vp(&ext->fault_inject_vp)) {
		ext->flags |= SIDECAR_EXT_FLAG_FAULT_INJECT;
		boot.fault_inject = true;
		boot.fault_vp = ext->fault_inject_vp;
	}
	ext->vp_count = (uint32_t)topo.cpu_count;
	ext->guest_memory_base = guest.base;
	ext->guest_memory_size = guest.size;
	for (uint32_t vp = 0; vp < topo.cpu_count; vp++)
		ext->apic_ids[vp] = topo.cpus[vp].apic_id;
}

/* Linux mode: the kernel (and initrd) checked and loaded, and Linux's
 * memory allocated, before the plan places node memory around it. */
static bool prepare_linux(void)
{
	struct linux_request req = {.extra_cmdline = linux_extra};

	if (multiboot_count_modules(&bi, "bzImage") == 0)
		return false;
	req.kernel = find_module("bzImage");
	if (multiboot_count_modules(&bi, "initrd"))
		req.initrd = find_module("initrd");
	req.guest_base = guest.base;
	req.guest_size = guest.size;
	linux_prepare(&req, (uint32_t)topo.cpu_count);
	return true;
}

void shim_main(uint32_t magic, uint32_t mbi_pa)
{
	static struct sidecar_loaded_image image;
	struct sidecar_image_header header;
	const struct mb_module *dtb_module, *sidecar_module;
	struct sidecar_params *params;
	struct sidecar_params_ext *params_ext;
	struct sidecar_output *output;
	struct sidecar_output_ext *output_ext;
	uint64_t params_size, trampoline, t0, t1;
	const char *tsc_source;
	bool selftest, boot_linux, ok;
	char why[256];

	serial_init();
	idt_init();
	shim_print("\nsidecar-shim: Sidecar reference boot shim, loaded at [%#llx, %#llx)\n",
		   ULL((uintptr_t)__load_start), ULL((uintptr_t)__bss_end));

	if (!multiboot_parse(magic, mbi_pa, &bi))
		shim_boot_error("%s", bi.error);
	linux_extra = linux_split_cmdline(bi.cmdline);
	selftest = sidecar_cmdline_has_token(bi.cmdline, "selftest");
	shim_print("command line \"%s\": self-test %s, sidecar logging %s\n", bi.cmdline,
		   selftest ? "on" : "off",
		   sidecar_cmdline_has_token(bi.cmdline, "log") ? "forced on" : "as the DT says");
	if (linux_extra[0])
		shim_print("for the Linux command line: \"%s\"\n", linux_extra);
	print_memory_map();

	taken[0] = (struct mb_range){(uintptr_t)__load_start, (uintptr_t)__bss_end, "shim"};
	taken_count = 1;
	for (uint32_t i = 0; i < bi.used_count; i++)
		taken[taken_count++] = bi.used[i];
	if (!phys_init(&bi, taken, taken_count, why, sizeof(why)))
		shim_boot_error("%s", why);

	dtb_module = find_module("dtb");
	sidecar_module = find_module("sidecar");
	read_topology(dtb_module);
	map_all_ram();

	if (!sidecar_image_check((const void *)(uintptr_t)sidecar_module->start,
				 sidecar_module->end - sidecar_module->start, &header, why,
				 sizeof(why)))
		shim_boot_error("module \"%s\": %s", sidecar_module->string, why);
	if (!sidecar_image_load((const void *)(uintptr_t)sidecar_module->start, &header, &image,
				why, sizeof(why)))
		shim_boot_error("%s", why);
	shim_print("sidecar image: version %u, %llu bytes in the file, %llu in memory, runs at "
		   "%#llx; loaded at %#llx (align %#llx, end <= %#llx), entry %#llx\n",
		   header.version, ULL(header.file_size), ULL(header.memory_size),
		   ULL(header.image_va), ULL(image.load_pa), ULL(header.load_align),
		   ULL(header.max_load_end), ULL(image.entry_pa));

	/* sidecar_params, then the extension in the page(s) right after it
	 * (boot_ext.h). */
	params_size = SIDECAR_PAGE_SIZE + sizeof(struct sidecar_params_ext) +
		      (uint64_t)topo.cpu_count * sizeof(uint32_t);
	params = alloc_zeroed(params_size, "sidecar params");
	params_ext = (struct sidecar_params_ext *)((char *)params + SIDECAR_PAGE_SIZE);
	output = alloc_zeroed(sizeof(*output), "sidecar output");
	output_ext = alloc_zeroed(sidecar_output_ext_size((uint32_t)topo.cpu_count),
				  "sidecar output extension");
	{
		uint64_t guest_size;

		if (!guest_memory_option(bi.cmdline, &guest_size, why, sizeof(why)))
			shim_boot_error("guest_mem: %s", why);
		guest_memory_reserve(&guest, guest_size);
		boot.guest_base = guest.base;
		boot.guest_size = guest.size;
	}
	boot_linux = prepare_linux();
	print_allocations();

	make_plan();
	boot.topo = &topo;
	boot.plan = &plan;
	check_bsp();
	sidecar_plan_to_params(&plan, params);

	trampoline = phys_find_low_page(TRAMPOLINE_PREFERRED, taken, taken_count);
	if (!trampoline)
		shim_boot_error("no free page below 1 MiB for the AP trampoline");
	tsc_calibrate(&tsc_source);
	shim_print("TSC: %llu kHz (%s)\n", ULL(tsc_khz()), tsc_source);
	shim_print("local APIC: %s\n", apic_enter_x2apic()
					       ? "x2APIC mode (the sidecar's APs use it too)"
					       : "xAPIC mode: the CPU offers no x2APIC");
	fill_params_ext(params_ext, trampoline, (uintptr_t)output_ext, selftest);
	shim_print("AP start-up: trampoline page %#llx, INIT delay %u us, SIPI delay %u us, "
		   "timeout %u us%s\n",
		   ULL(trampoline), params_ext->init_delay_us, params_ext->sipi_delay_us,
		   params_ext->ap_timeout_us, boot.fault_inject ? "" : "; no fault injection");
	if (boot.fault_inject)
		shim_print("fault injection: VP %u takes a page fault when it comes up\n",
			   boot.fault_vp);

	boot.params = params;
	boot.params_ext = params_ext;
	boot.output = output;
	if (selftest)
		bad_params_run(&boot, &image, params, params_ext, output);
	shim_print("calling sidecar_entry(%#llx, %#llx) at %#llx\n", ULL((uintptr_t)params),
		   ULL((uintptr_t)output), ULL(image.entry_pa));
	t0 = rdtsc();
	ok = sidecar_image_call(&image, (uintptr_t)params, (uintptr_t)output, why, sizeof(why));
	t1 = rdtsc();
	boot.entry_ticks = t1 - t0;
	if (why[0])
		shim_boot_error("sidecar_entry() returned %s without restoring: %s",
				ok ? "true" : "false", why);
	if (!ok)
		shim_boot_error("sidecar_entry failed: %.*s", output->error.len,
				(const char *)output->error.buf);
	shim_print("sidecar_entry() returned true after %llu us\n",
		   ULL(tsc_ticks_to_us(boot.entry_ticks)));

	if (!output_check_nodes(&boot, why, sizeof(why)))
		shim_boot_error("sidecar_entry() output: %s", why);
	if (!output_check_ext(&boot, output_ext, boot.output_ext_error,
			      sizeof(boot.output_ext_error)))
		shim_print("warning: sidecar_entry() extension output: %s\n",
			   boot.output_ext_error);
	report_boot(&boot);

	if (selftest && !selftest_run(&boot))
		shim_exit(SHIM_EXIT_TEST_FAILED);
	if (boot_linux)
		linux_start(&boot, &image, &bi);
	if (!selftest)
		shim_print("sidecar-shim: done\n");
	shim_exit(SHIM_EXIT_SUCCESS);
}
