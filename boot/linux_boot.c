// SPDX-License-Identifier: MIT
#include <sidecar/control_ops.h>
#include <string.h>

#include "bzimage.h"
#include "e820.h"
#include "exit.h"
#include "handoff.h"
#include "linux_boot.h"
#include "phys_alloc.h"
#include "serial.h"
#include "tsc.h"
#include "x86.h"

#define ULL(x) ((unsigned long long)(x))

/* The zero page, then SETUP_E820_EXT setup_data for entries past the
 * zero page's 128 (zero-page.rst). */
#define ZERO_PAGE_PAGES 1u
#define E820_EXT_PAGES	2u
#define E820_EXT_MAX                                                                               \
	((E820_EXT_PAGES * PAGE_SIZE - sizeof(struct linux_setup_data)) /                          \
	 sizeof(struct linux_e820_entry))
_Static_assert(LINUX_E820_MAX_ZEROPAGE + E820_EXT_MAX >= E820_MAX_ENTRIES,
	       "room for every entry e820_build() can produce");

/* Longest Linux command line accepted whatever cmdline_size says. */
#define CMDLINE_MAX 4096u

static struct {
	struct bzimage kernel;
	const struct mb_module *initrd;
	struct linux_boot_params *zero_page;
	struct linux_setup_data *e820_ext;
	char *cmdline;
	uint64_t cmdline_cap;
	struct sidecar_handoff *handoff;
	uint64_t handoff_cap;
	uint64_t guest_base, guest_size;
	char extra[MB_CMDLINE_SIZE];
} lx;

static struct linux_e820_entry e820[E820_MAX_ENTRIES];

static void *alloc_pages(uint64_t size, uint64_t align, uint64_t min, const char *what)
{
	uint64_t pa = phys_alloc_range(size, align, min, FOUR_GIB, what);

	if (!pa)
		shim_boot_error(
			"no free memory below 4 GiB for the %s (%#llx bytes, aligned %#llx)", what,
			ULL(size), ULL(align));
	memset((void *)(uintptr_t)pa, 0, (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	return (void *)(uintptr_t)pa;
}

void linux_prepare(const struct linux_request *req, uint32_t vp_count)
{
	const struct linux_setup_header *h = &lx.kernel.hdr;
	uint32_t max_nodes = vp_count < SIDECAR_MAX_NODES ? vp_count : SIDECAR_MAX_NODES;
	char why[200];

	if (!bzimage_check((const void *)(uintptr_t)req->kernel->start,
			   req->kernel->end - req->kernel->start, &lx.kernel, why, sizeof(why)))
		shim_boot_error("module \"%s\": %s", req->kernel->string, why);
	if (!bzimage_load(&lx.kernel, why, sizeof(why)))
		shim_boot_error("%s", why);
	shim_print("linux: \"%s\"\n", lx.kernel.version[0] ? lx.kernel.version : "(no version)");
	shim_print("linux: boot protocol %u.%02u, xloadflags %#x, init_size %#x, alignment %#llx; "
		   "loaded %#llx bytes at %#llx\n",
		   h->version >> 8, h->version & 0xFF, h->xloadflags, h->init_size,
		   ULL(lx.kernel.align), ULL(lx.kernel.pm_size), ULL(lx.kernel.load_pa));

	lx.initrd = req->initrd;
	if (lx.initrd && !(h->xloadflags & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G) &&
	    lx.initrd->end - 1 > h->initrd_addr_max)
		/* boot.rst: initrd_addr_max bounds the initrd's last byte
		 * unless the kernel takes everything above 4 GiB too. */
		shim_boot_error("initrd at [%#llx, %#llx) ends above initrd_addr_max %#x",
				ULL(lx.initrd->start), ULL(lx.initrd->end), h->initrd_addr_max);

	lx.zero_page = alloc_pages((ZERO_PAGE_PAGES + E820_EXT_PAGES) * PAGE_SIZE, PAGE_SIZE, 0,
				   "Linux zero page");
	lx.e820_ext =
		(struct linux_setup_data *)((char *)lx.zero_page + ZERO_PAGE_PAGES * PAGE_SIZE);
	/* boot.rst: cmdline_size excludes the terminating NUL. */
	lx.cmdline_cap = (uint64_t)h->cmdline_size + 1;
	if (lx.cmdline_cap > CMDLINE_MAX)
		lx.cmdline_cap = CMDLINE_MAX;
	lx.cmdline = alloc_pages(lx.cmdline_cap, PAGE_SIZE, 0, "Linux command line");
	/* Sized for the most nodes the plan can make, as the block is
	 * written after planning, when allocating is no longer safe. */
	lx.handoff_cap = handoff_size(max_nodes, vp_count);
	lx.handoff = alloc_pages(lx.handoff_cap, PAGE_SIZE, 0, "sidecar handoff block");
	lx.guest_base = req->guest_base;
	lx.guest_size = req->guest_size;
	sc_snprintf(lx.extra, sizeof(lx.extra), "%s", req->extra_cmdline);
}

static void write_cmdline(const struct shim_boot *b)
{
	static char kernel_cpus[SIDECAR_PLAN_BOOT_CPUS_SIZE];
	const char *bootargs = b->topo->cmdline;
	size_t len;

	/* The plan's boot_cpus= (every CPU the sidecar does not start) for
	 * sidecar.ko, which onlines them: a stock kernel has no boot_cpus=. */
	if (sidecar_plan_kernel_cpulist(b->plan, kernel_cpus, sizeof(kernel_cpus)) >=
	    sizeof(kernel_cpus))
		shim_boot_error("the kernel-started CPU list is longer than %zu bytes",
				sizeof(kernel_cpus) - 1);
	/* maxcpus=1: Linux brings up only the BSP, VP 0 = node 0's base VP;
	 * every other CPU is the sidecar's, or one the driver brings up
	 * (docs/linux-boot.md). */
	len = sc_snprintf(lx.cmdline, lx.cmdline_cap,
			  "%s%smaxcpus=1 sidecar.handoff=%#llx sidecar.boot_cpus=%s%s%s", bootargs,
			  bootargs[0] ? " " : "", ULL((uintptr_t)lx.handoff), kernel_cpus,
			  lx.extra[0] ? " " : "", lx.extra);
	if (len >= lx.cmdline_cap)
		shim_boot_error(
			"the Linux command line is %zu bytes; the kernel takes at most %llu", len,
			ULL(lx.cmdline_cap - 1));
}

static size_t write_e820(const struct shim_boot *b, const struct sidecar_loaded_image *image,
			 const struct boot_info *bi)
{
	static struct mb_range reserve[E820_MAX_RESERVE];
	size_t n = 0, count;
	char why[200];

	reserve[n++] = (struct mb_range){image->load_pa, image->load_pa + image->reserved_size,
					 "sidecar image"};
	reserve[n++] = (struct mb_range){
		(uintptr_t)lx.handoff,
		(uintptr_t)lx.handoff + ((lx.handoff_cap + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)),
		"handoff block"};
	if (lx.guest_size)
		reserve[n++] = (struct mb_range){lx.guest_base, lx.guest_base + lx.guest_size,
						 "guest memory"};
	for (uint32_t i = 0; i < b->plan->node_count; i++)
		reserve[n++] = (struct mb_range){b->params->nodes[i].memory_base,
						 b->params->nodes[i].memory_base +
							 b->params->nodes[i].memory_size,
						 "sidecar node memory"};

	count = e820_build(bi->mmap, bi->mmap_count, reserve, n, e820, E820_MAX_ENTRIES, why,
			   sizeof(why));
	if (!count)
		shim_boot_error("%s", why);
	shim_print("linux: e820 map (%zu entries):\n", count);
	for (size_t i = 0; i < count; i++)
		shim_print("  [0x%012llx, 0x%012llx) %s\n", ULL(e820[i].addr),
			   ULL(e820[i].addr + e820[i].size), e820_type_name(e820[i].type));
	return count;
}

static void fill_zero_page(size_t e820_count)
{
	struct linux_boot_params *bp = lx.zero_page;
	size_t in_page =
		e820_count < LINUX_E820_MAX_ZEROPAGE ? e820_count : LINUX_E820_MAX_ZEROPAGE;
	uint64_t cmdline = (uintptr_t)lx.cmdline;

	bzimage_init_boot_params(&lx.kernel, bp);
	bp->hdr.type_of_loader = LINUX_LOADER_UNDEFINED;
	/* boot.rst: code32_start is the protected-mode code's address;
	 * loaders that load elsewhere than 1 MiB set it. */
	bp->hdr.code32_start = (uint32_t)lx.kernel.load_pa;
	bp->hdr.loadflags &= (uint8_t)~LINUX_QUIET_FLAG;
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline >> 32);
	if (lx.initrd) {
		uint64_t size = lx.initrd->end - lx.initrd->start;

		bp->hdr.ramdisk_image = (uint32_t)lx.initrd->start;
		bp->ext_ramdisk_image = (uint32_t)(lx.initrd->start >> 32);
		bp->hdr.ramdisk_size = (uint32_t)size;
		bp->ext_ramdisk_size = (uint32_t)(size >> 32);
	}
	memcpy(bp->e820_table, e820, in_page * sizeof(e820[0]));
	bp->e820_entries = (uint8_t)in_page;
	bp->hdr.setup_data = 0;
	if (e820_count > in_page) {
		lx.e820_ext->next = 0;
		lx.e820_ext->type = LINUX_SETUP_E820_EXT;
		lx.e820_ext->len = (uint32_t)((e820_count - in_page) * sizeof(e820[0]));
		memcpy(lx.e820_ext->data, e820 + in_page, lx.e820_ext->len);
		bp->hdr.setup_data = (uintptr_t)lx.e820_ext;
	}
}

_Noreturn void linux_start(const struct shim_boot *b, const struct sidecar_loaded_image *image,
			   const struct boot_info *bi)
{
	uint64_t entry = lx.kernel.load_pa + LINUX_STARTUP_64_OFFSET;
	size_t e820_count;

	shim_print("\n== Linux\n");
	/* Linux numbers the CPU it boots on 0, and the driver needs Linux CPU
	 * numbers to be VP indexes (uapi.h). */
	if (b->topo->cpus[0].apic_id != b->bsp_apic_id)
		shim_boot_error("the BSP (APIC ID %u) is not VP 0 (APIC ID %u): Linux would number "
				"it CPU 0 and its CPU numbers would not be VP indexes",
				b->bsp_apic_id, b->topo->cpus[0].apic_id);
	if (handoff_size(b->plan->node_count, (uint32_t)b->topo->cpu_count) > lx.handoff_cap)
		shim_boot_error("the handoff block outgrew its %llu bytes", ULL(lx.handoff_cap));
	handoff_write(lx.handoff, b,
		      &(struct handoff_ranges){image->load_pa, image->reserved_size, lx.guest_base,
					       lx.guest_size});
	handoff_print(lx.handoff, (uintptr_t)lx.handoff);

	/* control_page.h: response IPIs go where the driver asks, and it has
	 * not asked yet; the self-test may have pointed them at the shim. */
	for (uint32_t n = 0; n < b->plan->node_count; n++)
		SIDECAR_STORE_RELEASE(&b->control[n]->response_vector, 0u);

	e820_count = write_e820(b, image, bi);
	write_cmdline(b);
	fill_zero_page(e820_count);
	if (lx.initrd)
		shim_print("linux: initrd [%#llx, %#llx), %llu bytes\n", ULL(lx.initrd->start),
			   ULL(lx.initrd->end), ULL(lx.initrd->end - lx.initrd->start));
	shim_print("linux: command line \"%s\"\n", lx.cmdline);
	shim_print("linux: zero page %#llx, entering startup_64 at %#llx (TSC %llu)\n",
		   ULL((uintptr_t)lx.zero_page), ULL(entry), ULL(rdtsc()));
	linux_enter(entry, (uintptr_t)lx.zero_page);
}
