/* SPDX-License-Identifier: MIT */
/*
 * sidecar_defs: the Sidecar ABI, binary-identical to OpenHCL's sidecar_defs
 * crate and the hvdef types it uses. Include this one header; the pieces
 * behind it may be included on their own too.
 *
 *   sidecar/abi_base.h      portability: types, assertions, atomic fields
 *   sidecar/hvdef.h         Hyper-V types (hv_*)
 *   sidecar/params.h        sidecar_params / sidecar_output, required memory
 *   sidecar/control_page.h  the per-node control page
 *   sidecar/command_page.h  the per-VP command page and its requests
 *
 * Sidecar's own, versioned additions (not part of OpenHCL's crate) are
 * included separately:
 *   sidecar/control_ops.h   control-page accesses with their orderings
 *   sidecar/boot_ext.h      params/output extensions for bare x86-64 boot
 *   sidecar/image.h         the kernel image header, for boot loaders
 *   sidecar/vp_pages.h      per-VP page layout, crash records
 */
#ifndef SIDECAR_DEFS_H
#define SIDECAR_DEFS_H

#include "sidecar/abi_base.h"
#include "sidecar/hvdef.h"
#include "sidecar/params.h"
#include "sidecar/control_page.h"
#include "sidecar/command_page.h"

#endif /* SIDECAR_DEFS_H */
