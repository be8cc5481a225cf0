// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sidecar.ko: the Linux side of Sidecar (docs/driver.md). Registers the
 * platform driver that binds sidecar nodes (platform.c) and adds a device
 * for each node of the handoff block the boot loader left (handoff.c); on
 * kernels with a device tree, OpenHCL's nodes bind as well. Each node's
 * base CPU comes online, and every node gets a device through which a VMM
 * runs commands on its sidecar CPUs. Onlining a sidecar CPU takes it out
 * of the sidecar first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include <asm/smp.h>

#include "convert.h"
#include "response_irq.h"
#include "sidecar_drv.h"
#include "watchdog.h"

static unsigned long handoff;
module_param(handoff, ulong, 0400);
MODULE_PARM_DESC(handoff,
		 "Physical address of the handoff block (from sidecar.handoff= on the kernel command line)");

static char *boot_cpus;
module_param(boot_cpus, charp, 0400);
MODULE_PARM_DESC(boot_cpus,
		 "CPUs the sidecar left to Linux, a CPU list (the plan's boot_cpus=, from sidecar.boot_cpus= on the kernel command line): onlined once the nodes are bound");

module_param_named(mshv_names, sidecar_mshv_names, bool, 0444);
MODULE_PARM_DESC(mshv_names,
		 "Name the devices /dev/mshv_vtl_sidecarN, as OpenHCL's user space expects (default); 0: /dev/sidecarN");

module_param_named(remove_timeout_ms, sidecar_remove_timeout_ms, uint, 0644);
MODULE_PARM_DESC(remove_timeout_ms,
		 "How long onlining a sidecar CPU waits for it to stop its command and to leave the sidecar, each (ms, at most 30000)");

module_param_named(stop_timeout_ms, sidecar_stop_timeout_ms, uint, 0644);
MODULE_PARM_DESC(stop_timeout_ms,
		 "How long a sidecar CPU may take to answer STOP before it is sent an NMI (ms, at most 30000)");

module_param_named(nmi_timeout_ms, sidecar_nmi_timeout_ms, uint, 0644);
MODULE_PARM_DESC(nmi_timeout_ms,
		 "How long a sidecar CPU may take to answer STOP after that NMI before it is given up as lost (ms, at most 30000)");

/* Test-only fault injection (docs/driver.md, "Fault injection"). */
module_param_named(inject_drop_stop_ipi, sidecar_inject_drop_stop_ipi, bool, 0644);
MODULE_PARM_DESC(inject_drop_stop_ipi,
		 "TESTING ONLY: do not send the request IPI of a STOP, so that only the NMI escalation can stop the command (default off)");

module_param_named(inject_drop_nmi, sidecar_inject_drop_nmi, bool, 0644);
MODULE_PARM_DESC(inject_drop_nmi,
		 "TESTING ONLY: do not send the escalation NMI, so that a CPU that missed STOP is given up as lost (default off)");

module_param_named(response_ipis, sidecar_response_ipis, bool, 0444);
MODULE_PARM_DESC(response_ipis,
		 "Ask sidecar CPUs for response IPIs (default); off, only the 1 s watchdog notices ended commands (for testing)");

static struct platform_device **handoff_devs;
static u32 handoff_dev_count;
static int cpuhp_state = -1;
static bool driver_registered;

/* Hotplug, on the control CPU before Linux sends INIT-SIPI to `cpu`. */
static int sidecar_cpu_prepare(unsigned int cpu)
{
	struct sidecar_node *node;
	u32 i;

	node = sidecar_node_of_cpu(cpu, &i);
	return node ? sidecar_node_remove_cpu(node, i) : 0;
}

/* Hotplug, after `cpu` died: its interrupts moved elsewhere. */
static int sidecar_cpu_dead(unsigned int cpu)
{
	sidecar_nodes_update_response();
	return 0;
}

/*
 * Linux CPU n must be VP n: the uapi uses Linux CPU numbers, the sidecar
 * VP indexes. Every CPU of a node must be a CPU Linux knows.
 */
static int check_cpu_numbering(const struct sidecar_config *cfg)
{
	u32 vp, n;

	for (vp = 0; vp < cfg->hdr.vp_count; vp++) {
		const struct sidecar_handoff_node *in = NULL;

		for (n = 0; n < cfg->hdr.node_count; n++)
			if (vp >= cfg->nodes[n].base_vp &&
			    vp - cfg->nodes[n].base_vp < cfg->nodes[n].vp_count)
				in = &cfg->nodes[n];
		if (vp >= nr_cpu_ids || !cpu_present(vp)) {
			if (!in)
				continue;
			pr_err("VP %u (node %u) has no Linux CPU %u (nr_cpu_ids %u): Linux must know every CPU of a node\n",
			       vp, (u32)(in - cfg->nodes), vp, nr_cpu_ids);
			return -EINVAL;
		}
		if (cpu_physical_id(vp) != cfg->apic_ids[vp]) {
			pr_err("Linux CPU %u has APIC ID %u, but VP %u has APIC ID %u: Linux numbers the CPUs differently from the VP order\n",
			       vp, (u32)cpu_physical_id(vp), vp, cfg->apic_ids[vp]);
			return -EINVAL;
		}
	}
	return 0;
}

static void sidecar_teardown(void)
{
	sidecar_handoff_remove_devices(handoff_devs, handoff_dev_count);
	kfree(handoff_devs);
	handoff_devs = NULL;
	handoff_dev_count = 0;
	if (driver_registered)
		sidecar_platform_unregister();
	driver_registered = false;
	sidecar_guest_unregister();
	if (cpuhp_state >= 0)
		cpuhp_remove_state_nocalls(cpuhp_state);
	cpuhp_state = -1;
}

/*
 * The handoff block, if the boot loader left one: validated, then its
 * guest memory and its nodes' platform devices. Without one, only a
 * device tree can describe nodes.
 */
static int sidecar_add_handoff(void)
{
	struct sidecar_config cfg;
	int ret;

	if (!handoff && IS_ENABLED(CONFIG_OF)) {
		pr_info("no handoff block: only device-tree nodes bind\n");
		return 0;
	}
	ret = sidecar_handoff_read(handoff, &cfg);
	if (ret)
		return ret;
	ret = check_cpu_numbering(&cfg);
	if (ret)
		goto out;
	ret = sidecar_guest_register(&cfg);
	if (ret)
		goto out;
	handoff_devs = kcalloc(cfg.hdr.node_count, sizeof(*handoff_devs), GFP_KERNEL);
	if (!handoff_devs) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sidecar_handoff_add_devices(&cfg, handoff_devs);
	if (!ret)
		handoff_dev_count = cfg.hdr.node_count;
out:
	sidecar_handoff_free(&cfg);
	return ret;
}

/*
 * OpenHCL's kernel starts the CPUs of its boot_cpus= at boot; a stock
 * kernel, booted with maxcpus=1, does not, so they come online here (the
 * same way as the nodes' base CPUs): CPUs the per-CPU overrides left to
 * Linux and those of chunks that became no node (docs/linux-boot.md). The
 * nodes are bound first, so a listed CPU that a node still holds goes
 * through the hotplug callback, which takes it out of the sidecar. A CPU
 * that does not come up is reported, and the others still come up.
 */
static int sidecar_online_boot_cpus(void)
{
	cpumask_var_t mask;
	unsigned int cpu;
	int ret;

	if (!boot_cpus || !boot_cpus[0])
		return 0;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = cpulist_parse(boot_cpus, mask);
	if (ret) {
		pr_err("boot_cpus=%s is not a list of CPUs below %u: %d\n", boot_cpus,
		       nr_cpumask_bits, ret);
		goto out;
	}
	for_each_cpu(cpu, mask) {
		int err;

		if (cpu_online(cpu))
			continue;
		if (!cpu_present(cpu)) {
			pr_err("boot_cpus: CPU %u is not present; not onlining it\n", cpu);
			continue;
		}
		pr_info("onlining CPU %u (boot_cpus: the sidecar left it to Linux)\n", cpu);
		err = add_cpu(cpu);
		if (err)
			pr_err("boot_cpus: cannot online CPU %u: %d\n", cpu, err);
	}
out:
	free_cpumask_var(mask);
	return ret;
}

static int __init sidecar_init(void)
{
	int ret;

	/* Before any node binds: its CPUs must not be onlined behind its back. */
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "sidecar:prepare",
					sidecar_cpu_prepare, sidecar_cpu_dead);
	if (ret < 0) {
		pr_err("cannot register the CPU hotplug callback: %d\n", ret);
		return ret;
	}
	cpuhp_state = ret;
	ret = sidecar_platform_register();
	if (ret)
		goto fail;
	driver_registered = true;
	ret = sidecar_add_handoff();
	if (ret)
		goto fail;
	ret = sidecar_online_boot_cpus();
	if (ret)
		goto fail;
	return 0;

fail:
	sidecar_teardown();
	return ret;
}

static void __exit sidecar_exit(void)
{
	sidecar_teardown();
	pr_info("unloaded; the sidecar CPUs stay in the sidecar\n");
}

module_init(sidecar_init);
module_exit(sidecar_exit);

MODULE_DESCRIPTION("Sidecar: run commands on CPUs parked in the sidecar kernel");
MODULE_LICENSE("Dual MIT/GPL");
