// SPDX-License-Identifier: MIT
/*
 * One CPU's status, and the one-way conversion of a sidecar CPU into a
 * Linux CPU. The conversion itself is Linux's CPU hotplug: the driver's
 * hotplug callback (docs/driver.md, "Conversion to Linux") removes the CPU
 * from the sidecar before Linux sends it INIT-SIPI, so the library only
 * checks the CPU and asks the transport to online it.
 */
#include <errno.h>

#include "vmm_internal.h"

int sidecar_vmm_cpu_status_of(struct sidecar_vmm *vmm, uint32_t cpu)
{
	uint8_t status[SIDECAR_MAX_CPUS_PER_NODE];
	struct sidecar_vmm_node_info info;
	int node = sidecar_vmm_node_of(vmm, cpu), r;

	if (node < 0)
		return node;
	/* Discovery bounds cpu_count by SIDECAR_MAX_CPUS_PER_NODE. */
	sidecar_vmm_node_info(vmm, (unsigned int)node, &info);
	r = sidecar_vmm_cpu_status(vmm, (unsigned int)node, status, info.cpu_count);
	if (r < 0)
		return r;
	return status[cpu - info.base_cpu];
}

int sidecar_vmm_convert_cpu(struct sidecar_vmm *vmm, uint32_t cpu)
{
	struct sidecar_vmm_node_info info;
	int node = sidecar_vmm_node_of(vmm, cpu);

	if (node < 0)
		return node;
	sidecar_vmm_node_info(vmm, (unsigned int)node, &info);
	if (cpu == info.base_cpu)
		return -EALREADY;
	/* No status check: a CPU the sidecar never ran (REMOVED from boot)
	 * converts like any other, and Linux takes the online of a CPU that
	 * is up already as done. */
	if (!vmm->transport.ops->online_cpu)
		return -EOPNOTSUPP;
	return VMM_CALL(vmm, online_cpu, cpu);
}
