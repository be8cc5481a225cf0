/* SPDX-License-Identifier: MIT */
/*
 * The valid loader input the boot-check unit tests and the fuzz seeds
 * start from: node 0 is VPs 0-3 at 64 MiB, node 1 VPs 4-6 at 80 MiB, eight
 * VPs in all, the trampoline at 0x8000, the output extension at 56 MiB.
 */
#ifndef TESTS_BOOT_CHECK_BASELINE_H
#define TESTS_BOOT_CHECK_BASELINE_H

#include <sidecar/boot_ext.h>
#include <sidecar/params.h>
#include <string.h>

#define BOOT_BASELINE_MIB (1ull << 20)

static inline void boot_check_baseline(struct sidecar_params_ext *ext,
				       struct sidecar_node_params nodes[2])
{
	memset(ext, 0, sizeof(*ext));
	ext->magic = SIDECAR_PARAMS_EXT_MAGIC;
	ext->version = SIDECAR_PARAMS_EXT_VERSION;
	ext->size = sizeof(*ext);
	ext->trampoline_page = 0x8000;
	ext->output_ext = 0x3800000;
	ext->vp_count = 8;
	nodes[0] = (struct sidecar_node_params){64 * BOOT_BASELINE_MIB, sidecar_required_memory(4),
						0, 4};
	nodes[1] = (struct sidecar_node_params){80 * BOOT_BASELINE_MIB, sidecar_required_memory(3),
						4, 3};
}

#endif /* TESTS_BOOT_CHECK_BASELINE_H */
