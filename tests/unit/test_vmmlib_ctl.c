// SPDX-License-Identifier: MIT
/*
 * sidecarctl, run in-process over the emulated driver: every command in
 * both output formats, the one-line errors and the exit statuses.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_driver.h"
#include "sidecarctl.h"
#include "transport.h"

static struct fake_driver *fake;
static char *out, *err;

static void cleanup(void)
{
	free(out);
	free(err);
	out = err = NULL;
	fake_destroy(fake);
	fake = NULL;
}

TestSuite(vmmlib_ctl, .fini = cleanup, .timeout = 60);

static int open_fake(void *ctx, const struct sidecar_vmm_options *options, struct sidecar_vmm **vmm)
{
	struct vmm_transport t = fake_transport(ctx);

	return vmm_open_transport(&t, vmm, options->error, options->error_size);
}

static void setup(const struct fake_config *config)
{
	fake = fake_create(config);
	cr_assert_not_null(fake);
}

static void setup_default(void)
{
	struct fake_config config = {.node_count = 2, .cpus = {4, 3}};

	setup(&config);
}

/* Runs sidecarctl with the NULL-terminated arguments; output in out/err. */
static int ctl(const char *first, ...)
{
	char *argv[32] = {"sidecarctl"};
	int argc = 1, r;
	size_t nout, nerr;
	struct sidecarctl_env env = {.open = open_fake, .ctx = fake};
	va_list ap;

	free(out);
	free(err);
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	env.out = open_memstream(&out, &nout);
	env.err = open_memstream(&err, &nerr);
	cr_assert(env.out && env.err);
	r = sidecarctl_main(argc, argv, &env);
	fclose(env.out);
	fclose(env.err);
	return r;
}

#define expect_has(text, needle)                                                                   \
	cr_expect_neq(strstr(text, needle), NULL, "'%s' not in:\n%s", needle, text)

Test(vmmlib_ctl, status_table)
{
	setup_default();
	cr_assert_eq(ctl("status", NULL), 0, "%s", err);
	expect_has(out, "node 0  sidecar0  cpus 0-3  (8192 bytes shared per cpu; status from "
			"sysfs)\n");
	expect_has(out, "node 1  sidecar1  cpus 4-6");
	expect_has(out, "      0  base     removed\n");
	expect_has(out, "      1  sidecar  idle\n");
	expect_has(out, "      4  base     removed\n");
	expect_has(out, "      6  sidecar  idle\n");
	expect_has(out, "2 nodes, 7 cpus: 2 removed, 5 idle\n");
	expect_has(out, "guest memory: none (no VP backend: RUN_VP will fail)\n");
	cr_expect_str_eq(err, "");
}

Test(vmmlib_ctl, status_shows_guest_memory)
{
	struct fake_config config = {.node_count = 1, .cpus = {2}, .guest_memory_size = 4 << 20};

	setup(&config);
	cr_assert_eq(ctl("status", NULL), 0, "%s", err);
	expect_has(out, "guest memory: 4096 KiB (sidecar_guest)\n");
	cr_assert_eq(ctl("--json", "status", NULL), 0, "%s", err);
	expect_has(out, "]}],\"guest_memory\":4194304}\n");
}

Test(vmmlib_ctl, status_json)
{
	struct fake_config config = {.node_count = 1, .cpus = {3}};

	setup(&config);
	cr_assert_eq(fake_remove_cpu(fake, 2), 0);
	cr_assert_eq(ctl("--json", "status", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "{\"nodes\":[{\"node\":0,\"device\":\"sidecar0\",\"base_cpu\":0,"
			      "\"cpu_count\":3,\"per_cpu_shmem\":8192,\"status_source\":\"sysfs\","
			      "\"cpus\":[{\"cpu\":0,\"base\":true,\"status\":\"removed\"},"
			      "{\"cpu\":1,\"base\":false,\"status\":\"idle\"},"
			      "{\"cpu\":2,\"base\":false,\"status\":\"removed\"}]}],"
			      "\"guest_memory\":0}\n");
}

Test(vmmlib_ctl, status_crashed_and_unknown)
{
	struct fake_config config = {.node_count = 1, .cpus = {4}};

	setup(&config);
	fake_set_status_text(fake, 0, "0 removed\n1 crashed\n2 idle\n3 invalid\n");
	cr_assert_eq(ctl("status", NULL), 0, "%s", err);
	expect_has(out, "      1  sidecar  crashed\n");
	expect_has(out, "      3  sidecar  unknown\n");
	expect_has(out, "1 node, 4 cpus: 1 removed, 1 idle, 1 crashed, 1 unknown\n");
	fake_set_status_text(fake, 0, "0 removed\n1 lost\n2 idle\n3 idle\n");
	cr_assert_eq(ctl("status", NULL), 0, "%s", err);
	expect_has(out, "      1  sidecar  lost\n");
	expect_has(out, "1 node, 4 cpus: 1 removed, 2 idle, 1 lost\n");
}

Test(vmmlib_ctl, status_by_probe_without_sysfs)
{
	struct fake_config config = {.node_count = 1, .cpus = {3}, .no_sysfs = true};

	setup(&config);
	fake_set_busy(fake, 2, true);
	cr_assert_eq(ctl("status", NULL), 0, "%s", err);
	expect_has(out, "status from a NONE probe");
	expect_has(out, "      0  base     removed\n");
	expect_has(out, "      1  sidecar  idle\n");
	expect_has(out, "      2  sidecar  run\n");
}

Test(vmmlib_ctl, ping)
{
	setup_default();
	cr_assert_eq(ctl("ping", "1", "--count", "3", NULL), 0, "%s", err);
	expect_has(out, "cpu 1: 3 round trips, min ");
	expect_has(out, " us, avg ");
	cr_assert_eq(ctl("ping", "--json", "5", NULL), 0, "%s", err);
	expect_has(out, "{\"cpu\":5,\"count\":10,\"min_ns\":");
	/* The base CPU runs Linux. */
	cr_expect_eq(ctl("ping", "0", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: ping cpu 0: NONE: cpu 0 is not in the sidecar "
			      "(converted to Linux, or removed)\n");
	cr_expect_str_eq(out, "");
	cr_expect_eq(ctl("ping", "1", "--count", "0", NULL), 2);
	cr_expect_eq(ctl("ping", NULL), 2);
	cr_expect_eq(ctl("ping", "x", NULL), 2);
	expect_has(err, "bad CPU number 'x'");
}

Test(vmmlib_ctl, set_and_get)
{
	setup_default();
	cr_assert_eq(ctl("set", "1", "rax=0x1234", "rip=4096", "cs=0,0xffffffff,8,0xa09b",
			 "gdtr=0x1000,0x7f", "xmm1=0x0102030405060708090a0b0c0d0e0f10",
			 "mtrr_def_type=0xc06", NULL),
		     0, "%s", err);
	cr_expect_str_eq(out, "cpu 1: set 6 registers\n");
	cr_assert_eq(ctl("get", "1", "rax", "RIP", "cs", "gdtr", "xmm1", "0x8000e", "r8", NULL), 0,
		     "%s", err);
	cr_expect_str_eq(out, "rax                  0x0000000000001234\n"
			      "rip                  0x0000000000001000\n"
			      "cs                   base=0x0000000000000000 limit=0xffffffff "
			      "selector=0x0008 attributes=0xa09b\n"
			      "gdtr                 base=0x0000000000001000 limit=0x007f\n"
			      "xmm1                 0x0102030405060708090a0b0c0d0e0f10\n"
			      "mtrr_def_type        0x0000000000000c06\n"
			      "r8                   0x0000000000000000\n");
	cr_assert_eq(ctl("--json", "get", "1", "rax", "cs", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "{\"cpu\":1,\"registers\":["
			      "{\"name\":\"rax\",\"register\":\"0x00020000\",\"value\":\"0x1234\"},"
			      "{\"name\":\"cs\",\"register\":\"0x00060001\",\"value\":{\"base\":"
			      "\"0x0\",\"limit\":\"0xffffffff\",\"selector\":\"0x8\","
			      "\"attributes\":\"0xa09b\"}}]}\n");
	cr_assert_eq(ctl("set", "--json", "2", "dr1=7", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "{\"cpu\":2,\"set\":1}\n");
}

Test(vmmlib_ctl, register_errors)
{
	setup_default();
	cr_expect_eq(ctl("get", "1", "rxx", NULL), 2);
	expect_has(err, "unknown register 'rxx'");
	cr_expect_eq(ctl("set", "1", "rax", NULL), 2);
	expect_has(err, "expected REG=VALUE, not 'rax'");
	cr_expect_eq(ctl("set", "1", "rax=12z", NULL), 2);
	expect_has(err, "bad value '12z' for rax");
	cr_expect_eq(ctl("set", "1", "cs=1,2,3", NULL), 2);
	cr_expect_eq(ctl("set", "1", "xmm0=0x123456789012345678901234567890123", NULL), 2);
	cr_expect_eq(ctl("get", "1", NULL), 2);

	cr_expect_eq(ctl("set", "1", "mtrr_cap=1", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: set cpu 1: SET_VP_REGISTERS: HV_STATUS_ACCESS_DENIED "
			      "(0x0006) in registers 0-0: mtrr_cap\n");
	cr_expect_eq(ctl("--json", "get", "1", "0x12345", NULL), 1);
	cr_expect_str_eq(out, "{\"error\":\"get cpu 1: GET_VP_REGISTERS: "
			      "HV_STATUS_UNKNOWN_REGISTER_NAME (0x0087) in registers 0-0: "
			      "0x00012345\"}\n");
	cr_expect_eq(ctl("get", "99", "rax", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: cpu 99 is not in any sidecar node (cpus 0-6)\n");
}

Test(vmmlib_ctl, translate)
{
	setup_default();
	cr_assert_eq(ctl("translate", "1", "0x1234567", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "cpu 1: gva 0x1234567 -> gpa 0x1334567\n");
	cr_assert_eq(ctl("translate", "1", "0x1000", "--flags", "4", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "cpu 1: gva 0x1000: privilege_violation\n");
	cr_assert_eq(ctl("--json", "translate", "2", "0x2000", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "{\"cpu\":2,\"gva\":\"0x2000\",\"result\":\"success\","
			      "\"gpa\":\"0x102000\"}\n");
	cr_expect_eq(ctl("translate", "1", "0xffffffffffffffff", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: translate cpu 1: TRANSLATE_GVA: "
			      "HV_STATUS_INVALID_PARAMETER (0x0005)\n");
}

Test(vmmlib_ctl, convert)
{
	setup_default();
	cr_assert_eq(ctl("convert", "2", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "cpu 2 converted to Linux\n");
	cr_expect_eq(fake_vp_status(fake, 2), SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(ctl("ping", "2", NULL), 1);
	expect_has(err, "is not in the sidecar");
	cr_assert_eq(ctl("status", NULL), 0);
	expect_has(out, "      2  sidecar  removed\n");

	cr_expect_eq(ctl("convert", "4", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: cpu 4 is the base CPU of node 1: it already runs "
			      "Linux\n");
	cr_expect_eq(ctl("convert", "9", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: cpu 9 is not in any sidecar node\n");
	fake_inject(fake, FAKE_OP_ONLINE, EACCES, 0);
	cr_expect_eq(ctl("convert", "3", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: cannot bring cpu 3 online: Permission denied\n");
	fake_set_online_converts(fake, false);
	cr_expect_eq(ctl("--json", "convert", "3", NULL), 1);
	cr_expect_str_eq(err, "sidecarctl: cpu 3 is online but still answers in the sidecar\n");
	cr_expect_str_eq(out, "{\"error\":\"cpu 3 is online but still answers in the "
			      "sidecar\"}\n");
	fake_set_online_converts(fake, true);
	cr_assert_eq(ctl("convert", "--json", "3", NULL), 0, "%s", err);
	cr_expect_str_eq(out, "{\"cpu\":3,\"converted\":true}\n");
}

Test(vmmlib_ctl, usage_and_listing)
{
	setup_default();
	cr_expect_eq(ctl(NULL), 2);
	expect_has(err, "usage: sidecarctl");
	cr_expect_eq(ctl("--help", NULL), 0);
	expect_has(out, "usage: sidecarctl");
	cr_expect_eq(ctl("frobnicate", NULL), 2);
	expect_has(err, "unknown command 'frobnicate'");
	cr_expect_eq(ctl("status", "--bogus", NULL), 2);
	expect_has(err, "unknown option '--bogus'");
	cr_expect_eq(ctl("status", "extra", NULL), 2);
	cr_expect_eq(ctl("ping", "1", "--count", NULL), 2);
	expect_has(err, "--count needs a value");
	cr_assert_eq(ctl("registers", NULL), 0);
	expect_has(out, "rax                            0x00020000  u64\n");
	expect_has(out, "mtrr_def_type                  0x0008000e  u64\n");
	expect_has(out, "gdtr                           0x00070001  table\n");
	cr_assert_eq(ctl("--json", "registers", NULL), 0);
	expect_has(out, "{\"name\":\"xmm0\",\"register\":\"0x00030000\",\"kind\":\"u128\"}");
}

static int open_fails(void *ctx, const struct sidecar_vmm_options *options,
		      struct sidecar_vmm **vmm)
{
	(void)ctx;
	(void)vmm;
	snprintf(options->error, options->error_size, "no sidecar device (test)");
	return -ENOENT;
}

Test(vmmlib_ctl, open_failure_is_one_line)
{
	struct sidecarctl_env env = {.open = open_fails};
	char *argv[] = {"sidecarctl", "status", NULL};
	size_t n1, n2;
	int r;

	env.out = open_memstream(&out, &n1);
	env.err = open_memstream(&err, &n2);
	r = sidecarctl_main(2, argv, &env);
	fclose(env.out);
	fclose(env.err);
	cr_expect_eq(r, 1);
	cr_expect_str_eq(err, "sidecarctl: no sidecar device (test)\n");
}
