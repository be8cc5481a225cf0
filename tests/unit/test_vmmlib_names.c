// SPDX-License-Identifier: MIT
/*
 * libsidecar-vmm's tables: register names (shared with sidecarctl), HV
 * status names, CPU status and command names, and the parser of the
 * driver's cpu_status file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sidecar_vmm.h"
#include "transport.h"

TestSuite(vmmlib_names, .timeout = 30);

static hv_register_name_t lookup(const char *text)
{
	hv_register_name_t name = 0xFFFFFFFF;

	cr_assert_eq(sidecar_vmm_register_by_name(text, &name), 0, "'%s' not found", text);
	return name;
}

Test(vmmlib_names, well_known_registers)
{
	cr_expect_eq(lookup("rax"), HV_X64_REGISTER_RAX);
	cr_expect_eq(lookup("rip"), HV_X64_REGISTER_RIP);
	cr_expect_eq(lookup("rip"), 0x00020010u);
	cr_expect_eq(lookup("rflags"), HV_X64_REGISTER_RFLAGS);
	cr_expect_eq(lookup("rsp"), HV_X64_REGISTER_RSP);
	cr_expect_eq(lookup("r15"), HV_X64_REGISTER_R15);
	cr_expect_eq(lookup("cr0"), 0x00040000u);
	cr_expect_eq(lookup("cr8"), HV_X64_REGISTER_CR8);
	cr_expect_eq(lookup("dr0"), 0x00050000u);
	cr_expect_eq(lookup("dr6"), HV_X64_REGISTER_DR6);
	cr_expect_eq(lookup("dr7"), HV_X64_REGISTER_DR7);
	cr_expect_eq(lookup("efer"), HV_X64_REGISTER_EFER);
	cr_expect_eq(lookup("mtrr_def_type"), 0x0008000Eu);
	cr_expect_eq(lookup("mtrr_cap"), HV_X64_REGISTER_MSR_MTRR_CAP);
	cr_expect_eq(lookup("mtrr_phys_base0"), HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0);
	cr_expect_eq(lookup("mtrr_phys_basef"), HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + 15);
	cr_expect_eq(lookup("mtrr_phys_mask7"), HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + 7);
	cr_expect_eq(lookup("mtrr_fix4k_f8000"), HV_X64_REGISTER_MSR_MTRR_FIX4K_F8000);
	cr_expect_eq(lookup("xmm15"), HV_X64_REGISTER_XMM0 + 15);
	cr_expect_eq(lookup("fp_mmx7"), HV_X64_REGISTER_FP_MMX0 + 7);
	cr_expect_eq(lookup("cs"), HV_X64_REGISTER_CS);
	cr_expect_eq(lookup("tr"), HV_X64_REGISTER_TR);
	cr_expect_eq(lookup("gdtr"), HV_X64_REGISTER_GDTR);
	cr_expect_eq(lookup("tsc_aux"), HV_X64_REGISTER_TSC_AUX);
	cr_expect_eq(lookup("pending_event1"), HV_X64_REGISTER_PENDING_EVENT1);
}

Test(vmmlib_names, lookup_ignores_case_and_takes_numbers)
{
	cr_expect_eq(lookup("RIP"), HV_X64_REGISTER_RIP);
	cr_expect_eq(lookup("Mtrr_Def_Type"), HV_X64_REGISTER_MSR_MTRR_DEF_TYPE);
	cr_expect_eq(lookup("0x2000e"), 0x2000Eu);
	cr_expect_eq(lookup("0X00020010"), HV_X64_REGISTER_RIP);
	cr_expect_eq(lookup("8000e"), 0x8000Eu);
	cr_expect_eq(lookup("0xffffffff"), 0xFFFFFFFFu);
}

Test(vmmlib_names, bad_names_are_refused)
{
	static const char *const bad[] = {"",	 "rxx",	      "0x",    "0x100000000",
					  "r16", "rax ",      "xmm16", "mtrr_phys_base10",
					  "0xg", "123456789a"};
	hv_register_name_t name = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sidecar_vmm_register_by_name(bad[i], &name), -EINVAL, "'%s'", bad[i]);
	cr_expect_eq(name, 7, "untouched on failure");
	cr_expect_eq(sidecar_vmm_register_by_name(NULL, &name), -EINVAL);
	cr_expect_eq(sidecar_vmm_register_by_name("rax", NULL), -EINVAL);
}

Test(vmmlib_names, table_round_trips_and_is_unique)
{
	size_t count = sidecar_vmm_register_count();
	hv_register_name_t name;
	const char *n;

	cr_assert_gt(count, 100);
	cr_expect_null(sidecar_vmm_register_at(count, &name));
	for (size_t i = 0; i < count; i++) {
		hv_register_name_t back;

		n = sidecar_vmm_register_at(i, &name);
		cr_assert_not_null(n);
		cr_expect_eq(sidecar_vmm_register_by_name(n, &back), 0, "%s", n);
		cr_expect_eq(back, name, "%s", n);
		cr_expect_str_eq(sidecar_vmm_register_name(name), n);
		for (size_t j = i + 1; j < count; j++) {
			hv_register_name_t other;
			const char *m = sidecar_vmm_register_at(j, &other);

			cr_expect_neq(other, name, "%s and %s share a number", n, m);
			cr_expect_neq(strcmp(m, n), 0, "%s twice", n);
		}
	}
	cr_expect_null(sidecar_vmm_register_name(0xDEAD));
}

Test(vmmlib_names, register_kinds)
{
	cr_expect_eq(sidecar_vmm_register_kind(HV_X64_REGISTER_RAX), SIDECAR_REGISTER_U64);
	cr_expect_eq(sidecar_vmm_register_kind(HV_X64_REGISTER_XMM0 + 3), SIDECAR_REGISTER_U128);
	cr_expect_eq(sidecar_vmm_register_kind(HV_X64_REGISTER_FP_CONTROL_STATUS),
		     SIDECAR_REGISTER_U128);
	cr_expect_eq(sidecar_vmm_register_kind(HV_X64_REGISTER_SS), SIDECAR_REGISTER_SEGMENT);
	cr_expect_eq(sidecar_vmm_register_kind(HV_X64_REGISTER_LDTR), SIDECAR_REGISTER_SEGMENT);
	cr_expect_eq(sidecar_vmm_register_kind(HV_X64_REGISTER_IDTR), SIDECAR_REGISTER_TABLE);
	cr_expect_eq(sidecar_vmm_register_kind(0xDEAD), SIDECAR_REGISTER_U64);
}

Test(vmmlib_names, hv_status_names)
{
	cr_expect_str_eq(sidecar_hv_status_name(HV_STATUS_SUCCESS), "HV_STATUS_SUCCESS");
	cr_expect_str_eq(sidecar_hv_status_name(HV_STATUS_INVALID_PARAMETER),
			 "HV_STATUS_INVALID_PARAMETER");
	cr_expect_str_eq(sidecar_hv_status_name(0x0050), "HV_STATUS_INVALID_REGISTER_VALUE");
	cr_expect_str_eq(sidecar_hv_status_name(HV_STATUS_UNKNOWN_REGISTER_NAME),
			 "HV_STATUS_UNKNOWN_REGISTER_NAME");
	cr_expect_str_eq(sidecar_hv_status_name(HV_STATUS_TIMEOUT), "HV_STATUS_TIMEOUT");
	cr_expect_null(sidecar_hv_status_name(0x0001));
	cr_expect_null(sidecar_hv_status_name(0xFFFF));
}

Test(vmmlib_names, cpu_status_and_command_names)
{
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_CPU_STATUS_REMOVED), "removed");
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_CPU_STATUS_IDLE), "idle");
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_CPU_STATUS_RUN), "run");
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_CPU_STATUS_STOP), "stop");
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_CPU_STATUS_REMOVE), "remove");
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_VMM_CPU_STATUS_CRASHED), "crashed");
	cr_expect_str_eq(sidecar_cpu_status_name(SIDECAR_VMM_CPU_STATUS_LOST), "lost");
	cr_expect_str_eq(sidecar_cpu_status_name(9), "unknown");
	cr_expect_str_eq(sidecar_command_name(SIDECAR_COMMAND_NONE), "NONE");
	cr_expect_str_eq(sidecar_command_name(SIDECAR_COMMAND_RUN_VP), "RUN_VP");
	cr_expect_str_eq(sidecar_command_name(SIDECAR_COMMAND_GET_VP_REGISTERS),
			 "GET_VP_REGISTERS");
	cr_expect_str_eq(sidecar_command_name(SIDECAR_COMMAND_SET_VP_REGISTERS),
			 "SET_VP_REGISTERS");
	cr_expect_str_eq(sidecar_command_name(SIDECAR_COMMAND_TRANSLATE_GVA), "TRANSLATE_GVA");
	cr_expect_str_eq(sidecar_command_name(77), "unknown");
}

/* ---- cpu_status parser ---- */

#define U SIDECAR_VMM_CPU_STATUS_UNKNOWN

static void expect_status(const char *text, uint32_t base, uint32_t count, int found,
			  const uint8_t *want)
{
	uint8_t got[16];

	memset(got, 0xEE, sizeof(got));
	cr_expect_eq(vmm_parse_cpu_status(text, base, count, got), found, "found in '%s'", text);
	for (uint32_t i = 0; i < count; i++)
		cr_expect_eq(got[i], want[i], "cpu index %u of '%s': %u, not %u", i, text, got[i],
			     want[i]);
	cr_expect_eq(got[count], 0xEE, "wrote past the node");
}

Test(vmmlib_names, status_pairs_absolute)
{
	static const uint8_t want[4] = {0, 1, 2, 3};

	expect_status("4 removed\n5 idle\n6 run\n7 stop\n", 4, 4, 4, want);
	expect_status("cpu4: removed\ncpu5: idle\ncpu6: running\ncpu7: stopping\n", 4, 4, 4, want);
	expect_status("4=0\n5=1\n6=2\n7=3", 4, 4, 4, want);
	expect_status("# cpu status\nCPU STATUS\n4\tREMOVED\n5 , Idle\n6 run extra words\n7 3\n", 4,
		      4, 4, want);
}

Test(vmmlib_names, status_pairs_relative_and_partial)
{
	static const uint8_t rel[4] = {0, 1, 1, 4};
	static const uint8_t part[4] = {U, 1, U, 0};
	static const uint8_t overlap[4] = {1, 2, U, U};

	/* Node of CPUs 4-7 whose file counts from 0. */
	expect_status("0 removed\n1 idle\n2 idle\n3 remove\n", 4, 4, 4, rel);
	/* Only some CPUs listed; unknown words and CPUs elsewhere skipped. */
	expect_status("5 idle\n7 linux\n6 weird\n99 idle\n", 4, 4, 2, part);
	/* Numbers both in the node and below its size: absolute wins. */
	expect_status("2 idle\n3 run\n", 2, 4, 2, overlap);
}

/* What sidecar.ko writes: "%u %s\n", with "crashed", "lost" and "invalid". */
Test(vmmlib_names, status_of_the_driver)
{
	static const uint8_t want[5] = {0, SIDECAR_VMM_CPU_STATUS_CRASHED, 1,
					SIDECAR_VMM_CPU_STATUS_LOST, U};

	expect_status("8 removed\n9 crashed\n10 idle\n11 lost\n12 invalid\n", 8, 5, 4, want);
}

Test(vmmlib_names, status_lists)
{
	static const uint8_t want[4] = {0, 1, 1, 2};
	static const uint8_t two[4] = {0, 1, U, U};

	expect_status("removed idle idle run\n", 8, 4, 4, want);
	expect_status("removed\nidle\nidle\nrun\n", 8, 4, 4, want);
	expect_status("0 1 1 2\n", 8, 4, 4, want);
	expect_status("0\n1\n", 8, 4, 2, two);
	/* More statuses than CPUs: the rest is ignored. */
	expect_status("0 1 1 2 1 1", 8, 4, 4, want);
}

Test(vmmlib_names, status_garbage_is_einval)
{
	uint8_t got[4];

	cr_expect_eq(vmm_parse_cpu_status("", 0, 4, got), -EINVAL);
	cr_expect_eq(vmm_parse_cpu_status("hello world\n\n", 0, 4, got), -EINVAL);
	cr_expect_eq(vmm_parse_cpu_status("9 idle\n", 0, 4, got), -EINVAL);
	cr_expect_eq(vmm_parse_cpu_status("0 7\n", 0, 4, got), -EINVAL);
}
