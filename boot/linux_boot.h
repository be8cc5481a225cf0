/* SPDX-License-Identifier: MIT */
/*
 * Booting Linux on the BSP once the sidecar holds the other CPUs
 * (docs/linux-boot.md): a module with the word "bzImage" (and optionally
 * one with "initrd") turns the shim into a Linux loader. In two steps,
 * because node memory must be planned around everything Linux needs:
 *
 *   linux_prepare()  before the plan: check and load the kernel; allocate
 *                    the zero page, the command line and the handoff block
 *                    (the planner sees them as used)
 *   linux_start()    after sidecar_entry() (and the self-test): write the
 *                    handoff block, the e820 map, the command line and the
 *                    zero page, and enter startup_64
 */
#ifndef SHIM_LINUX_BOOT_H
#define SHIM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_sidecar.h"
#include "multiboot.h"
#include "shim.h"

struct linux_request {
	const struct mb_module *kernel;
	const struct mb_module *initrd; /* NULL: none */
	/* The guest memory (guest_memory.h), reserved in e820 and named in
	 * the handoff block; size 0 for none. */
	uint64_t guest_base, guest_size;
	const char *extra_cmdline; /* appended to the Linux command line */
};

/* See above. Any failure ends the boot with a reason. */
void linux_prepare(const struct linux_request *req, uint32_t vp_count);

_Noreturn void linux_start(const struct shim_boot *b, const struct sidecar_loaded_image *image,
			   const struct boot_info *bi);

/* Entry stub (linux_entry.asm). */
_Noreturn void linux_enter(uint64_t startup_64, uint64_t boot_params);

#endif /* SHIM_LINUX_BOOT_H */
