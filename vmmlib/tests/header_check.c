// SPDX-License-Identifier: MIT
/* The public header compiles on its own (pedantic C11, and as C++ in
 * header_check.cc). */
#include <sidecar_vmm.h>

int sidecar_vmm_header_check(void);

int sidecar_vmm_header_check(void)
{
	return SIDECAR_VP_INTERCEPT + SIDECAR_VMM_VERSION_MAJOR;
}
