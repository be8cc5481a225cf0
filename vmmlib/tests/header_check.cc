// SPDX-License-Identifier: MIT
/* The public header compiles as C++. */
#include <sidecar_vmm.h>

int sidecar_vmm_header_check_cpp();

int sidecar_vmm_header_check_cpp()
{
	sidecar_vp_error e{};
	return static_cast<int>(e.source) + SIDECAR_VP_INTERCEPT;
}
