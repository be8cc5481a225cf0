// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every ABI header compiles as Linux kernel C (docs/abi.md): this unit
 * includes all of them, so building sidecar.ko checks it.
 */
#include <sidecar_defs.h>
#include <sidecar/abi_base.h>
#include <sidecar/boot_ext.h>
#include <sidecar/command_page.h>
#include <sidecar/control_ops.h>
#include <sidecar/control_page.h>
#include <sidecar/handoff.h>
#include <sidecar/hvdef.h>
#include <sidecar/image.h>
#include <sidecar/params.h>
#include <sidecar/uapi.h>
#include <sidecar/vp_pages.h>

static_assert(sizeof(struct sidecar_ioctl_info) == 12);
static_assert(SIDECAR_IOCTL_RUN == 0xb8f2);
