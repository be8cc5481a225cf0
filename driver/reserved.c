// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The check that a range the boot loader hands over is reserved, shared
 * by the handoff block's reader (handoff.c) and the probe (platform.c);
 * it calls nothing else in the driver.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/printk.h>

#include "reserved.h"

/* [base, base + size) must not wrap and must not touch System RAM. */
int sidecar_check_reserved(const char *what, u64 base, u64 size)
{
	int r;

	if (!size)
		return 0;
	if (base + size < base) {
		pr_err("%s [%#llx, +%#llx) wraps around the physical address space\n",
		       what, base, size);
		return -EINVAL;
	}
	r = region_intersects(base, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE);
	if (r != REGION_DISJOINT) {
		pr_err("%s [%#llx-%#llx] %s System RAM: the boot loader must reserve it in the e820 map\n",
		       what, base, base + size - 1, r == REGION_INTERSECTS ? "is" : "overlaps");
		return -EINVAL;
	}
	return 0;
}
