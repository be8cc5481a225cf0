// SPDX-License-Identifier: MIT
/*
 * The VP backends this kernel offers, in the order the BSP tries them
 * (bsp_main.c): the first whose init_partition accepts the CPU and the
 * loader's guest memory runs the guest on every sidecar CPU. A new backend
 * (e.g. Hyper-V's VTL return, chosen from the hypervisor CPUID leaves) is
 * one more row here and its sources in meson.build (docs/vp-backend.md).
 */
#include "kernel.h"
#include "svm.h"

const struct sk_backend_choice sk_backend_choices[] = {
	/* AMD SVM with nested paging (APM Vol. 2 chapter 15). */
	{&svm_backend, svm_partition_init, SIDECAR_OUTPUT_EXT_SVM},
};

const uint32_t sk_backend_choice_count =
	(uint32_t)(sizeof(sk_backend_choices) / sizeof(sk_backend_choices[0]));
