// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The handoff block (sidecar/handoff.h): copied out of reserved memory once
 * and validated on the copy. Any problem refuses the load with a message
 * that names the field. Its nodes become platform devices like those
 * OpenHCL's kernel makes from the device tree, so that one probe
 * (platform.c) serves both.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <sidecar/boot_ext.h>

#include "reserved.h"
#include "sidecar_drv.h"

/* Far more than 128 nodes and 4096 APIC IDs need (about 22 KiB). */
#define SIDECAR_HANDOFF_MAX_SIZE SZ_1M

static_assert(PAGE_SIZE == SIDECAR_PAGE_SIZE);

static int check_header(const struct sidecar_handoff *h)
{
	u64 nodes_end, ids_end;

	if (h->magic != SIDECAR_HANDOFF_MAGIC) {
		pr_err("handoff block: bad magic %#llx (expected %#llx, \"SCHANDF1\")\n",
		       h->magic, SIDECAR_HANDOFF_MAGIC);
		return -EINVAL;
	}
	if (h->version != SIDECAR_HANDOFF_VERSION) {
		pr_err("handoff block: version %u, this driver knows version %u\n",
		       h->version, SIDECAR_HANDOFF_VERSION);
		return -EINVAL;
	}
	if (h->size < sizeof(*h) || h->size > SIDECAR_HANDOFF_MAX_SIZE) {
		pr_err("handoff block: size %u out of range (%zu..%u)\n",
		       h->size, sizeof(*h), SIDECAR_HANDOFF_MAX_SIZE);
		return -EINVAL;
	}
	if (h->flags) {
		pr_err("handoff block: unknown flags %#llx (none are defined)\n", h->flags);
		return -EINVAL;
	}
	if (h->node_count < 1 || h->node_count > SIDECAR_MAX_NODES) {
		pr_err("handoff block: node_count %u out of range (1..%u)\n",
		       h->node_count, SIDECAR_MAX_NODES);
		return -EINVAL;
	}
	if (h->vp_count < 1 || h->vp_count > SIDECAR_EXT_MAX_VPS) {
		pr_err("handoff block: vp_count %u out of range (1..%u)\n",
		       h->vp_count, SIDECAR_EXT_MAX_VPS);
		return -EINVAL;
	}
	nodes_end = (u64)h->nodes_offset + (u64)h->node_count * sizeof(struct sidecar_handoff_node);
	if (h->nodes_offset % 8 || h->nodes_offset < sizeof(*h) || nodes_end > h->size) {
		pr_err("handoff block: nodes_offset %u (%u nodes) must be 8-aligned, after the header and inside the %u bytes\n",
		       h->nodes_offset, h->node_count, h->size);
		return -EINVAL;
	}
	ids_end = (u64)h->apic_ids_offset + (u64)h->vp_count * sizeof(u32);
	if (h->apic_ids_offset % 4 || h->apic_ids_offset < sizeof(*h) || ids_end > h->size) {
		pr_err("handoff block: apic_ids_offset %u (%u VPs) must be 4-aligned, after the header and inside the %u bytes\n",
		       h->apic_ids_offset, h->vp_count, h->size);
		return -EINVAL;
	}
	if (sidecar_overlaps(h->nodes_offset, nodes_end - h->nodes_offset,
			     h->apic_ids_offset, ids_end - h->apic_ids_offset)) {
		pr_err("handoff block: the node array [%u, %llu) and the APIC ID array [%u, %llu) overlap\n",
		       h->nodes_offset, nodes_end, h->apic_ids_offset, ids_end);
		return -EINVAL;
	}
	return 0;
}

static int check_node(const struct sidecar_config *cfg, u32 i)
{
	const struct sidecar_handoff_node *n = &cfg->nodes[i];
	u64 required;
	char what[48];
	u32 j;
	int ret;

	if (n->vp_count < 1 || n->vp_count > SIDECAR_MAX_CPUS_PER_NODE) {
		pr_err("handoff node %u: vp_count %u out of range (1..%u)\n",
		       i, n->vp_count, SIDECAR_MAX_CPUS_PER_NODE);
		return -EINVAL;
	}
	if ((u64)n->base_vp + n->vp_count > cfg->hdr.vp_count) {
		pr_err("handoff node %u: VPs %u..%llu outside the APIC ID list (%u VPs)\n",
		       i, n->base_vp, (u64)n->base_vp + n->vp_count - 1, cfg->hdr.vp_count);
		return -EINVAL;
	}
	required = sidecar_required_memory(n->vp_count);
	if (!IS_ALIGNED(n->memory_base, SIDECAR_PAGE_SIZE) ||
	    !IS_ALIGNED(n->memory_size, SIDECAR_PAGE_SIZE)) {
		pr_err("handoff node %u: memory base %#llx or size %#llx not page aligned\n",
		       i, n->memory_base, n->memory_size);
		return -EINVAL;
	}
	if (n->memory_size < required) {
		pr_err("handoff node %u: memory size %#llx is less than the %#llx bytes %u VPs need\n",
		       i, n->memory_size, required, n->vp_count);
		return -EINVAL;
	}
	if (n->control_page != n->memory_base) {
		pr_err("handoff node %u: control page %#llx is not the first page of the node memory %#llx\n",
		       i, n->control_page, n->memory_base);
		return -EINVAL;
	}
	if (n->shmem_pages_base != n->memory_base + SIDECAR_PAGE_SIZE ||
	    n->shmem_pages_size != (u64)n->vp_count * SIDECAR_SHMEM_PER_CPU) {
		pr_err("handoff node %u: shared pages [%#llx, +%#llx) are not the %u pages after the control page (%#llx)\n",
		       i, n->shmem_pages_base, n->shmem_pages_size,
		       n->vp_count * SIDECAR_PER_VP_SHMEM_PAGES,
		       n->memory_base + SIDECAR_PAGE_SIZE);
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "handoff node %u: memory", i);
	ret = sidecar_check_reserved(what, n->memory_base, n->memory_size);
	if (ret)
		return ret;
	if (sidecar_overlaps(n->memory_base, n->memory_size, cfg->pa, cfg->hdr.size)) {
		pr_err("handoff node %u: memory [%#llx, +%#llx) overlaps the handoff block\n",
		       i, n->memory_base, n->memory_size);
		return -EINVAL;
	}
	/*
	 * /dev/sidecar_guest maps all of guest memory into a VMM, and the
	 * image holds the sidecar kernel's code and data: the node memory
	 * (control page, command pages, the CPUs' private pages) must be in
	 * neither, or a VMM could write the sidecar's own state.
	 */
	if (sidecar_overlaps(n->memory_base, n->memory_size, cfg->hdr.guest_memory_base,
			     cfg->hdr.guest_memory_size)) {
		pr_err("handoff node %u: memory [%#llx, +%#llx) overlaps the guest memory [%#llx, +%#llx)\n",
		       i, n->memory_base, n->memory_size, cfg->hdr.guest_memory_base,
		       cfg->hdr.guest_memory_size);
		return -EINVAL;
	}
	if (sidecar_overlaps(n->memory_base, n->memory_size, cfg->hdr.image_base,
			     cfg->hdr.image_size)) {
		pr_err("handoff node %u: memory [%#llx, +%#llx) overlaps the sidecar image [%#llx, +%#llx)\n",
		       i, n->memory_base, n->memory_size, cfg->hdr.image_base,
		       cfg->hdr.image_size);
		return -EINVAL;
	}
	for (j = 0; j < i; j++) {
		const struct sidecar_handoff_node *m = &cfg->nodes[j];

		if (sidecar_overlaps(n->base_vp, n->vp_count, m->base_vp, m->vp_count)) {
			pr_err("handoff node %u: VPs %u..%u overlap those of node %u (%u..%u)\n",
			       i, n->base_vp, n->base_vp + n->vp_count - 1, j, m->base_vp,
			       m->base_vp + m->vp_count - 1);
			return -EINVAL;
		}
		if (sidecar_overlaps(n->memory_base, n->memory_size, m->memory_base,
				     m->memory_size)) {
			pr_err("handoff node %u: memory overlaps that of node %u\n", i, j);
			return -EINVAL;
		}
	}
	return 0;
}

int sidecar_handoff_read(u64 pa, struct sidecar_config *cfg)
{
	struct sidecar_handoff first;
	void *map, *copy;
	u32 i;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->pa = pa;
	if (!pa) {
		pr_err("no handoff block: pass handoff=<physical address> (the boot loader puts sidecar.handoff= on the kernel command line)\n");
		return -EINVAL;
	}
	if (!IS_ALIGNED(pa, SIDECAR_PAGE_SIZE)) {
		pr_err("handoff block address %#llx is not page aligned\n", pa);
		return -EINVAL;
	}
	ret = sidecar_check_reserved("handoff block", pa, sizeof(first));
	if (ret)
		return ret;
	map = memremap(pa, sizeof(first), MEMREMAP_WB);
	if (!map) {
		pr_err("cannot map the handoff block at %#llx\n", pa);
		return -ENOMEM;
	}
	memcpy(&first, map, sizeof(first));
	memunmap(map);
	ret = check_header(&first);
	if (ret)
		return ret;
	ret = sidecar_check_reserved("handoff block", pa, first.size);
	if (ret)
		return ret;

	/* Read the whole block once; validate only the copy. */
	copy = kvmalloc(first.size, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	map = memremap(pa, first.size, MEMREMAP_WB);
	if (!map) {
		pr_err("cannot map the %u-byte handoff block at %#llx\n", first.size, pa);
		kvfree(copy);
		return -ENOMEM;
	}
	memcpy(copy, map, first.size);
	memunmap(map);
	memcpy(&cfg->hdr, copy, sizeof(cfg->hdr));
	if (memcmp(&cfg->hdr, &first, sizeof(first))) {
		pr_err("handoff block at %#llx changed while it was read\n", pa);
		kvfree(copy);
		return -EINVAL;
	}

	cfg->nodes = kmemdup((char *)copy + cfg->hdr.nodes_offset,
			     cfg->hdr.node_count * sizeof(*cfg->nodes), GFP_KERNEL);
	cfg->apic_ids = kvmalloc_array(cfg->hdr.vp_count, sizeof(u32), GFP_KERNEL);
	if (!cfg->nodes || !cfg->apic_ids) {
		kvfree(copy);
		sidecar_handoff_free(cfg);
		return -ENOMEM;
	}
	memcpy(cfg->apic_ids, (char *)copy + cfg->hdr.apic_ids_offset,
	       cfg->hdr.vp_count * sizeof(u32));
	kvfree(copy);

	ret = sidecar_check_reserved("handoff block: sidecar image", cfg->hdr.image_base,
				     cfg->hdr.image_size);
	if (!ret)
		ret = sidecar_check_reserved("handoff block: guest memory",
					     cfg->hdr.guest_memory_base,
					     cfg->hdr.guest_memory_size);
	/* /dev/sidecar_guest maps it page by page. */
	if (!ret && (!PAGE_ALIGNED(cfg->hdr.guest_memory_base) ||
		     !PAGE_ALIGNED(cfg->hdr.guest_memory_size))) {
		pr_err("handoff block: guest memory [%#llx, +%#llx) is not page aligned\n",
		       cfg->hdr.guest_memory_base, cfg->hdr.guest_memory_size);
		ret = -EINVAL;
	}
	/* Nor may it hold the sidecar's image or this block. */
	if (!ret && (sidecar_overlaps(cfg->hdr.guest_memory_base, cfg->hdr.guest_memory_size,
				      cfg->hdr.image_base, cfg->hdr.image_size) ||
		     sidecar_overlaps(cfg->hdr.guest_memory_base, cfg->hdr.guest_memory_size,
				      pa, cfg->hdr.size))) {
		pr_err("handoff block: guest memory [%#llx, +%#llx) overlaps the sidecar image [%#llx, +%#llx) or the handoff block [%#llx, +%#x)\n",
		       cfg->hdr.guest_memory_base, cfg->hdr.guest_memory_size,
		       cfg->hdr.image_base, cfg->hdr.image_size, pa, cfg->hdr.size);
		ret = -EINVAL;
	}
	for (i = 0; !ret && i < cfg->hdr.node_count; i++)
		ret = check_node(cfg, i);
	if (ret) {
		sidecar_handoff_free(cfg);
		return ret;
	}
	return 0;
}

void sidecar_handoff_free(struct sidecar_config *cfg)
{
	kfree(cfg->nodes);
	kvfree(cfg->apic_ids);
	cfg->nodes = NULL;
	cfg->apic_ids = NULL;
}

/*
 * One platform device per node, named as upstream's driver and with the
 * memory resources openhcl_boot writes into the device tree ("ctrl",
 * "shmem"), plus the private pages and the node the block meant
 * (extensions). The driver is registered with synchronous probing, so each
 * device is bound, or refused, on return.
 */
int sidecar_handoff_add_devices(const struct sidecar_config *cfg,
				struct platform_device **pdevs)
{
	u32 n;
	int ret;

	for (n = 0; n < cfg->hdr.node_count; n++) {
		const struct sidecar_handoff_node *hn = &cfg->nodes[n];
		u64 shared_end = hn->shmem_pages_base + hn->shmem_pages_size;
		u64 private_size = hn->memory_base + hn->memory_size - shared_end;
		struct resource res[] = {
			DEFINE_RES_MEM_NAMED(hn->control_page, SIDECAR_PAGE_SIZE, SIDECAR_RES_CTRL),
			DEFINE_RES_MEM_NAMED(hn->shmem_pages_base, hn->shmem_pages_size,
					     SIDECAR_RES_SHMEM),
			DEFINE_RES_MEM_NAMED(shared_end, private_size, SIDECAR_RES_PRIVATE),
		};
		struct sidecar_platform_data pd = {
			.index = n,
			.base_cpu = hn->base_vp,
			.cpu_count = hn->vp_count,
		};
		struct platform_device_info info = {
			.name = SIDECAR_PLATFORM_NAME,
			.id = n,
			.res = res,
			.num_res = ARRAY_SIZE(res),
			.data = &pd,
			.size_data = sizeof(pd),
		};
		struct platform_device *pdev = platform_device_register_full(&info);

		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			pr_err("handoff node %u: cannot add its platform device: %d\n", n, ret);
			goto fail;
		}
		pdevs[n] = pdev;
		ret = sidecar_platform_bound(pdev);
		if (ret) {
			pr_err("handoff node %u: the driver refused %s: %d\n", n,
			       dev_name(&pdev->dev), ret);
			n++;
			goto fail;
		}
	}
	return 0;

fail:
	sidecar_handoff_remove_devices(pdevs, n);
	return ret;
}

void sidecar_handoff_remove_devices(struct platform_device **pdevs, u32 count)
{
	while (count--) {
		platform_device_unregister(pdevs[count]);
		pdevs[count] = NULL;
	}
}
