// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The platform driver "mshv_vtl_sidecar": one probe per sidecar node,
 * whoever made the node's device (docs/driver.md, "Discovery"). OpenHCL's
 * kernel gets the devices from device-tree nodes compatible with
 * "microsoft,openhcl-sidecar" (written by openhcl_boot), kernels without
 * a device tree from the handoff block (handoff.c), both with memory
 * resources named "ctrl" and "shmem". The node's index, base CPU and CPU
 * count come from its control page. Also the list of bound nodes, which
 * the CPU hotplug callbacks search.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>

#include <asm/smp.h>

#include <sidecar/vp_pages.h>

#include "reserved.h"
#include "response_irq.h"
#include "sidecar_drv.h"

/* OpenHCL's device names by default (docs/driver.md, "Device names"). */
bool sidecar_mshv_names = true;

/*
 * Bound nodes. Changed with nodes_lock and the CPU hotplug lock (read)
 * held; the hotplug callbacks run with the hotplug lock held for writing,
 * so they may walk the list without nodes_lock. (6.1 does not export
 * lockdep_assert_cpus_held(), so the two walkers below cannot assert it.)
 */
static LIST_HEAD(nodes);
static DEFINE_MUTEX(nodes_lock);
static int last_probe_error;	/* nodes_lock */

struct sidecar_node *sidecar_node_of_cpu(unsigned int cpu, u32 *i)
{
	struct sidecar_node *node;

	list_for_each_entry(node, &nodes, link) {
		if (cpu >= node->base_cpu && cpu - node->base_cpu < node->cpu_count) {
			*i = cpu - node->base_cpu;
			return node;
		}
	}
	return NULL;
}

void sidecar_nodes_update_response(void)
{
	struct sidecar_node *node;

	list_for_each_entry(node, &nodes, link)
		sidecar_node_update_response(node);
}

/* What the control page says about its node (sidecar_defs.h). */
static int read_control_page(struct device *dev, phys_addr_t pa, u32 *index, u32 *base,
			     u32 *count)
{
	struct sidecar_control_page *cp;

	cp = memremap(pa, SIDECAR_PAGE_SIZE, MEMREMAP_WB);
	if (!cp) {
		dev_err(dev, "cannot map the control page at %pa\n", &pa);
		return -ENOMEM;
	}
	*index = READ_ONCE(cp->index);
	*base = READ_ONCE(cp->base_cpu);
	*count = READ_ONCE(cp->cpu_count);
	memunmap(cp);
	return 0;
}

/*
 * A node must not share its index (the device name), a CPU or memory with
 * a node already bound: two device-tree nodes, or a device-tree node and
 * the handoff block, may describe the same node.
 */
static int check_conflicts(struct device *dev, const struct sidecar_node_desc *d)
{
	struct sidecar_node *n;

	lockdep_assert_held(&nodes_lock);
	list_for_each_entry(n, &nodes, link) {
		if (n->index == d->index ||
		    sidecar_overlaps(n->base_cpu, n->cpu_count, d->base_cpu, d->cpu_count) ||
		    sidecar_overlaps(n->mem_pa, n->mem_size, d->mem_pa, d->mem_size)) {
			dev_err(dev, "node %u (CPUs %u+%u, memory %pa) conflicts with node %u (CPUs %u+%u, memory %pa), bound already\n",
				d->index, d->base_cpu, d->cpu_count, &d->mem_pa, n->index,
				n->base_cpu, n->cpu_count, &n->mem_pa);
			return -EBUSY;
		}
	}
	return 0;
}

/*
 * The handoff path's platform data (an extension) says which node the
 * handoff block meant; the control page must agree with it.
 */
static int check_platform_data(struct device *dev, const struct sidecar_node_desc *d)
{
	const struct sidecar_platform_data *pd = dev_get_platdata(dev);

	if (!pd)
		return 0;
	if (pd->index != d->index || pd->base_cpu != d->base_cpu ||
	    pd->cpu_count != d->cpu_count) {
		dev_err(dev, "node %u: the control page at %pa says node %u, CPUs %u+%u; the handoff block says CPUs %u+%u\n",
			pd->index, &d->mem_pa, d->index, d->base_cpu, d->cpu_count, pd->base_cpu,
			pd->cpu_count);
		return -EINVAL;
	}
	return 0;
}

/*
 * The node's memory from its resources. "ctrl" is the control page,
 * "shmem" the CPUs' command and register pages right after it (8192 bytes
 * per CPU: SIDECAR_IOCTL_INFO reports that). "private" (an extension: the
 * handoff path adds it, a device tree has none) is the rest of the node's
 * memory; without it the CPUs' private pages are where the sidecar kernel
 * puts them, right after the shared pages (vp_pages.h), and must not be
 * System RAM either.
 */
static int describe_node(struct platform_device *pdev, struct sidecar_node_desc *d)
{
	struct device *dev = &pdev->dev;
	struct resource *ctrl, *shmem, *priv;
	u64 shared_end;
	int ret;

	ctrl = platform_get_resource_byname(pdev, IORESOURCE_MEM, SIDECAR_RES_CTRL);
	shmem = platform_get_resource_byname(pdev, IORESOURCE_MEM, SIDECAR_RES_SHMEM);
	if (!ctrl || !shmem) {
		dev_err(dev, "no memory resource named \"%s\"\n",
			ctrl ? SIDECAR_RES_SHMEM : SIDECAR_RES_CTRL);
		return -EINVAL;
	}
	if (!IS_ALIGNED(ctrl->start, SIDECAR_PAGE_SIZE) ||
	    resource_size(ctrl) != SIDECAR_PAGE_SIZE) {
		dev_err(dev, "control page %pR: must be one aligned page\n", ctrl);
		return -EINVAL;
	}
	ret = sidecar_check_reserved("control page", ctrl->start, SIDECAR_PAGE_SIZE);
	if (ret)
		return ret;
	d->mem_pa = ctrl->start;
	ret = read_control_page(dev, ctrl->start, &d->index, &d->base_cpu, &d->cpu_count);
	if (!ret)
		ret = check_platform_data(dev, d);
	if (ret)
		return ret;
	if (d->cpu_count < 1 || d->cpu_count > SIDECAR_MAX_CPUS_PER_NODE ||
	    (u64)d->base_cpu + d->cpu_count > nr_cpu_ids) {
		dev_err(dev, "the control page at %pR says CPUs %u+%u (1..%u CPUs below %u expected)\n",
			ctrl, d->base_cpu, d->cpu_count, SIDECAR_MAX_CPUS_PER_NODE, nr_cpu_ids);
		return -EINVAL;
	}
	d->mem_size = sidecar_required_memory(d->cpu_count);
	d->shmem_pa = shmem->start;
	d->shmem_size = (u64)d->cpu_count * SIDECAR_SHMEM_PER_CPU;
	if (shmem->start != ctrl->start + SIDECAR_PAGE_SIZE ||
	    resource_size(shmem) != d->shmem_size) {
		dev_err(dev, "shared pages %pR: must be the %llu bytes after the control page (%u CPUs)\n",
			shmem, d->shmem_size, d->cpu_count);
		return -EINVAL;
	}
	ret = sidecar_check_reserved("node memory", d->mem_pa, d->mem_size);
	if (ret)
		return ret;
	shared_end = d->shmem_pa + d->shmem_size;
	priv = platform_get_resource_byname(pdev, IORESOURCE_MEM, SIDECAR_RES_PRIVATE);
	if (priv && (priv->start != shared_end ||
		     resource_size(priv) < d->mem_pa + d->mem_size - shared_end)) {
		dev_err(dev, "private pages %pR: must start after the shared pages and hold %llu bytes\n",
			priv, d->mem_pa + d->mem_size - shared_end);
		return -EINVAL;
	}
	return 0;
}

/* The memory the node's device stands for is the driver's while bound. */
static int claim_memory(struct device *dev, const struct sidecar_node_desc *d)
{
	u64 shared_end = d->shmem_pa + d->shmem_size;

	if (!devm_request_mem_region(dev, d->mem_pa, SIDECAR_PAGE_SIZE, dev_name(dev)) ||
	    !devm_request_mem_region(dev, d->shmem_pa, d->shmem_size, dev_name(dev)) ||
	    !devm_request_mem_region(dev, shared_end, d->mem_pa + d->mem_size - shared_end,
				     dev_name(dev))) {
		dev_err(dev, "node memory [%pa, +%#llx) is in use already\n", &d->mem_pa,
			d->mem_size);
		return -EBUSY;
	}
	return 0;
}

/* The node leaves the list the hotplug callbacks search. */
static void unlink_node(struct sidecar_node *node)
{
	cpus_read_lock();
	list_del(&node->link);
	cpus_read_unlock();
}

static int sidecar_probe_locked(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct sidecar_node_desc d = {};
	struct sidecar_node *node;
	u32 i;
	int ret;

	lockdep_assert_held(&nodes_lock);
	ret = describe_node(pdev, &d);
	if (!ret)
		ret = check_conflicts(dev, &d);
	if (!ret)
		ret = claim_memory(dev, &d);
	if (ret)
		return ret;
	/*
	 * The request IPIs go to the APIC IDs Linux has for the node's CPUs,
	 * as upstream's driver does; the handoff path checked that they are
	 * the sidecar's (main.c, check_cpu_numbering).
	 */
	for (i = 0; i < d.cpu_count; i++) {
		if (!cpu_present(d.base_cpu + i)) {
			dev_err(dev, "node %u: CPU %u is not a present Linux CPU\n", d.index,
				d.base_cpu + i);
			return -EINVAL;
		}
	}
	d.name_prefix = sidecar_mshv_names ? "mshv_vtl_sidecar" : "sidecar";

	node = sidecar_node_create(&d);
	if (IS_ERR(node))
		return PTR_ERR(node);
	cpus_read_lock();
	list_add_tail(&node->link, &nodes);
	cpus_read_unlock();

	if (!cpu_online(node->base_cpu)) {
		dev_info(dev, "node %u: onlining its base CPU %u\n", node->index, node->base_cpu);
		ret = add_cpu(node->base_cpu);
		if (ret) {
			dev_err(dev, "node %u: cannot online base CPU %u: %d\n", node->index,
				node->base_cpu, ret);
			goto fail;
		}
	}
	ret = sidecar_node_start_irq(node);
	if (ret)
		goto fail;
	node->misc.parent = dev;
	ret = sidecar_node_register(node);
	if (ret)
		goto fail;
	platform_set_drvdata(pdev, node);
	pr_info("node %u: /dev/%s (%s), CPUs %u-%u (base %u), request vector %#x, response IRQ %d vector %#x on CPU %u (APIC ID %u)\n",
		node->index, node->name, dev_name(dev), node->base_cpu,
		node->base_cpu + node->cpu_count - 1, node->base_cpu, node->request_vector,
		node->irq, node->resp_vector, node->resp_cpu, node->resp_apic_id);
	return 0;

fail:
	unlink_node(node);
	sidecar_node_destroy(node);
	return ret;
}

static int sidecar_probe(struct platform_device *pdev)
{
	int ret;

	mutex_lock(&nodes_lock);
	ret = sidecar_probe_locked(pdev);
	last_probe_error = ret;
	mutex_unlock(&nodes_lock);
	return ret;
}

static void sidecar_remove(struct platform_device *pdev)
{
	struct sidecar_node *node = platform_get_drvdata(pdev);

	mutex_lock(&nodes_lock);
	sidecar_node_unregister(node);
	unlink_node(node);
	mutex_unlock(&nodes_lock);
	sidecar_node_destroy(node);
}

/* openhcl_boot's device-tree nodes (openhcl/openhcl_boot/src/dt.rs). */
static const struct of_device_id sidecar_of_match[] = {
	{ .compatible = "microsoft,openhcl-sidecar" },
	{ }
};
MODULE_DEVICE_TABLE(of, sidecar_of_match);

static struct platform_driver sidecar_platform_driver = {
	.probe = sidecar_probe,
	.remove_new = sidecar_remove,
	.driver = {
		.name = SIDECAR_PLATFORM_NAME,
		/* Without CONFIG_OF nothing matches it; devices match by name. */
		.of_match_table = sidecar_of_match,
		/*
		 * Unbinding through sysfs would free a node whose device files
		 * may be open; only unloading (which open files prevent)
		 * unbinds.
		 */
		.suppress_bind_attrs = true,
		/* The handoff path learns at once whether its nodes bound. */
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

int sidecar_platform_register(void)
{
	int ret = platform_driver_register(&sidecar_platform_driver);

	if (ret)
		pr_err("cannot register the platform driver %s (is another one loaded?): %d\n",
		       SIDECAR_PLATFORM_NAME, ret);
	return ret;
}

void sidecar_platform_unregister(void)
{
	platform_driver_unregister(&sidecar_platform_driver);
}

/* 0 if the driver bound pdev, else the error its probe returned. */
int sidecar_platform_bound(struct platform_device *pdev)
{
	int ret;

	mutex_lock(&nodes_lock);
	ret = platform_get_drvdata(pdev) ? 0 : (last_probe_error ?: -ENODEV);
	mutex_unlock(&nodes_lock);
	return ret;
}
