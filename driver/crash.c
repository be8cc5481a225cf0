// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Crash records (docs/driver.md, "Conversion to Linux", its last
 * paragraph): a CPU that left the sidecar by itself wrote one into its
 * globals page, or did not; either way the driver logs what it finds, once
 * per CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/string.h>

#include <sidecar/vp_pages.h>

#include "crash.h"
#include "sidecar_drv.h"

/* In CPU i's globals page, one of the private pages node->priv maps. */
static const struct sidecar_crash_record *crash_record(struct sidecar_node *node, u32 i)
{
	u64 priv_offset = node->shmem_pa + node->shmem_size - node->mem_pa;

	return node->priv + sidecar_vp_page_offset(node->cpu_count, i, SIDECAR_VP_PAGE_GLOBALS) -
	       priv_offset + SIDECAR_CRASH_RECORD_OFFSET;
}

bool sidecar_has_crash_record(struct sidecar_node *node, u32 i)
{
	return READ_ONCE(crash_record(node, i)->magic) == SIDECAR_CRASH_RECORD_MAGIC;
}

static void log_crash(struct sidecar_node *node, u32 i)
{
	static const char * const gpr[16] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
	};
	u32 cpu = node->base_cpu + i;
	struct sidecar_crash_record r;
	unsigned int k;

	memcpy(&r, crash_record(node, i), sizeof(r));
	if (r.magic != SIDECAR_CRASH_RECORD_MAGIC) {
		pr_err("CPU %u (node %u) left the sidecar by itself, without a crash record; it is Linux's now\n",
		       cpu, node->index);
		return;
	}
	pr_err("CPU %u (node %u) crashed in the sidecar: vector %llu, error code %#llx: %.*s\n",
	       cpu, node->index, r.vector, r.error_code,
	       (int)min_t(u32, r.message_len, sizeof(r.message)), r.message);
	if (r.version != SIDECAR_CRASH_RECORD_VERSION || r.vp_index != cpu)
		pr_err("CPU %u: crash record version %u for VP %u\n", cpu, r.version, r.vp_index);
	pr_err("CPU %u: RIP %#llx CS %#llx RFLAGS %#llx RSP %#llx SS %#llx\n",
	       cpu, r.rip, r.cs, r.rflags, r.rsp, r.ss);
	pr_err("CPU %u: CR2 %#llx CR3 %#llx\n", cpu, r.cr2, r.cr3);
	for (k = 0; k < 16; k += 4)
		pr_err("CPU %u: %s %#llx %s %#llx %s %#llx %s %#llx\n", cpu,
		       gpr[k], r.gps[k], gpr[k + 1], r.gps[k + 1],
		       gpr[k + 2], r.gps[k + 2], gpr[k + 3], r.gps[k + 3]);
	pr_err("CPU %u is REMOVED: the sidecar no longer runs it; Linux may start it\n", cpu);
}

void sidecar_crash_work(struct work_struct *work)
{
	struct sidecar_node *node = container_of(work, struct sidecar_node, crash_work);
	unsigned long flags;
	u32 i;

	for (i = 0; i < node->cpu_count; i++) {
		struct sidecar_node_vp *c = &node->vps[i];
		u8 gone;
		bool log;

		spin_lock_irqsave(&node->lock, flags);
		gone = node->cmd.vps[i].gone;
		log = (gone == SCMD_GONE_CRASHED || gone == SCMD_GONE_VANISHED) && !c->crash_logged;
		c->crash_logged |= log;
		spin_unlock_irqrestore(&node->lock, flags);
		if (log)
			log_crash(node, i);
	}
}
