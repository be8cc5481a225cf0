// SPDX-License-Identifier: MIT
/*
 * The example VMM of docs/vmmlib.md (vmmlib/examples/example_vmm.c), its
 * run loop driven against the emulated driver: entry state, I/O
 * intercepts stepped over, a halt ends the run.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#define SIDECAR_EXAMPLE_NO_MAIN
#include "../../vmmlib/examples/example_vmm.c"

#include "vmmlib_fixture.h"

TestSuite(vmmlib_example, .fini = vf_cleanup, .timeout = 60);

Test(vmmlib_example, run_loop)
{
	struct fake_config config = {.node_count = 1, .cpus = {2}};
	union hv_register_value v;
	struct sidecar_vp *vp;
	char error[256];

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_assert_eq(sidecar_vp_acquire(vmm, 1, &vp), 0);

	cr_assert_eq(set_entry_state(vp, 0x1000), 0);
	cr_assert_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_CS, &v), 0);
	cr_expect_eq(v.segment.selector, 8);
	cr_expect_eq(v.segment.attributes, 0xA09B);

	/* Three "out 0xe9, al": each steps RIP over the 2-byte instruction. */
	sidecar_vp_cpu_context(vp)->gps[SIDECAR_CPU_CONTEXT_RAX] = '\n';
	fake_set_run_mode(fake, 1, FAKE_RUN_IO, 2);
	cr_expect_eq(run_guest(vp, 3), 0);
	cr_assert_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_RIP, &v), 0);
	cr_expect_eq(v.reg64, 0x1006);
	cr_expect_eq(sidecar_vp_cpu_context(vp)->gps[SIDECAR_CPU_CONTEXT_RCX], 3);

	/* A halt ends the loop however many exits are allowed. */
	fake_set_run_mode(fake, 1, FAKE_RUN_HALT, 1);
	cr_expect_eq(run_guest(vp, 0), 0);
	/* A failing run is reported. */
	fake_set_run_mode(fake, 1, FAKE_RUN_FAIL, 1);
	cr_expect_eq(run_guest(vp, 0), -SIDECAR_VMM_ESIDECAR);
	/* Ctrl-C: the spinning guest is cancelled. */
	fake_set_run_mode(fake, 1, FAKE_RUN_SPIN, 1);
	atomic_store(&stop_requested, true);
	cr_expect_eq(run_guest(vp, 0), 0);
	sidecar_vp_release(vp);
}
