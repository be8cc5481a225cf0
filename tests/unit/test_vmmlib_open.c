// SPDX-License-Identifier: MIT
/*
 * libsidecar-vmm discovery: nodes opened in order until one is missing,
 * INFO and mmap checked, CPU ranges in order (gaps allowed); the errors of each
 * step; the CPUs' status and the one-way conversion of a CPU to Linux
 * (the fake's CPU hotplug takes the CPU out of the sidecar as sidecar.ko's
 * callback does). Over the emulated driver (vmmlib/fake), and over the
 * real transport on a directory without a driver behind it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmmlib_fixture.h"

static char error[256];

TestSuite(vmmlib_open, .fini = vf_cleanup, .timeout = 60);

Test(vmmlib_open, two_nodes)
{
	struct fake_config config = {.node_count = 2, .cpus = {4, 3}};
	struct sidecar_vmm_node_info info;

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_str_eq(error, "");
	cr_expect_eq(sidecar_vmm_node_count(vmm), 2);
	cr_expect_eq(sidecar_vmm_cpu_count(vmm), 7);

	cr_assert_eq(sidecar_vmm_node_info(vmm, 0, &info), 0);
	cr_expect_eq(info.base_cpu, 0);
	cr_expect_eq(info.cpu_count, 4);
	cr_expect_eq(info.per_cpu_shmem, 2 * SIDECAR_PAGE_SIZE);
	cr_expect_str_eq(info.device, "sidecar0");
	cr_expect_geq(info.fd, 0);
	cr_assert_eq(sidecar_vmm_node_info(vmm, 1, &info), 0);
	cr_expect_eq(info.base_cpu, 4);
	cr_expect_eq(info.cpu_count, 3);
	cr_expect_str_eq(info.device, "sidecar1");
	cr_expect_eq(sidecar_vmm_node_info(vmm, 2, &info), -EINVAL);
	cr_expect_eq(sidecar_vmm_node_info(vmm, 0, NULL), -EINVAL);

	cr_expect_eq(sidecar_vmm_node_of(vmm, 0), 0);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 3), 0);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 4), 1);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 6), 1);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 7), -EINVAL);
	cr_expect_eq(sidecar_vmm_node_of(vmm, UINT32_MAX), -EINVAL);
	cr_expect_geq(sidecar_vmm_poll_fd(vmm), 0);
}

Test(vmmlib_open, mshv_names_and_one_page_per_cpu)
{
	struct fake_config config = {.node_count = 3,
				     .cpus = {2, 2, 5},
				     .mshv_names = true,
				     .per_cpu_shmem = SIDECAR_PAGE_SIZE};
	struct sidecar_vmm_node_info info;
	struct sidecar_vp *vp;

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_eq(sidecar_vmm_node_count(vmm), 3);
	cr_expect_eq(sidecar_vmm_cpu_count(vmm), 9);
	cr_assert_eq(sidecar_vmm_node_info(vmm, 2, &info), 0);
	cr_expect_str_eq(info.device, "mshv_vtl_sidecar2");
	cr_expect_eq(info.base_cpu, 4);
	cr_assert_eq(sidecar_vp_acquire(vmm, 5, &vp), 0);
	cr_expect_null(sidecar_vp_register_page(vp), "one page per CPU: no register page");
	cr_expect_eq(sidecar_vp_test(vp), 0, "%s", sidecar_vp_error_message(vp));
	sidecar_vp_release(vp);
}

Test(vmmlib_open, no_devices_is_enoent)
{
	struct fake_config config = {.node_count = 0};

	cr_expect_eq(vf_open(&config, error, sizeof(error)), -ENOENT);
	cr_expect_null(vmm);
	cr_expect_neq(strstr(error, "no sidecar device"), NULL, "%s", error);
}

/* A chunk whose CPUs all went to Linux has no node (openhcl_boot since
 * 103d1be96): its CPUs are in no node, the others work as usual. */
Test(vmmlib_open, gap_between_nodes_is_accepted)
{
	/* The fake shifts what INFO says of node 1 only: CPUs 0-3 and 5-8. */
	struct fake_config config = {
		.node_count = 2, .cpus = {4, 4}, .base_skew = 1, .skew_node = 1};
	struct sidecar_vmm_node_info info;
	struct sidecar_vp *vp;

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_eq(sidecar_vmm_node_count(vmm), 2);
	cr_assert_eq(sidecar_vmm_node_info(vmm, 1, &info), 0);
	cr_expect_eq(info.base_cpu, 5);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 3), 0);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 4), -EINVAL, "CPU 4 is in the gap");
	cr_expect_eq(sidecar_vmm_node_of(vmm, 5), 1);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 8), 1);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 9), -EINVAL);
	cr_expect_eq(sidecar_vmm_cpu_count(vmm), 9);
	cr_expect_eq(sidecar_vp_acquire(vmm, 4, &vp), -EINVAL);
	cr_assert_eq(sidecar_vp_acquire(vmm, 2, &vp), 0);
	cr_expect_eq(sidecar_vp_test(vp), 0, "%s", sidecar_vp_error_message(vp));
	sidecar_vp_release(vp);
}

Test(vmmlib_open, overlapping_nodes_are_refused)
{
	struct fake_config config = {
		.node_count = 2, .cpus = {4, 4}, .base_skew = -1, .skew_node = 1};

	cr_expect_eq(vf_open(&config, error, sizeof(error)), -EINVAL);
	cr_expect_str_eq(error,
			 "sidecar1: CPUs 3-6 overlap or precede sidecar0, which ends at CPU 3 "
			 "(nodes must be in CPU order)");
}

/* The first chunk's CPUs all went to Linux: the first node starts later. */
Test(vmmlib_open, first_node_may_start_after_cpu_0)
{
	struct fake_config config = {.node_count = 1, .cpus = {4}, .base_skew = 2, .skew_node = 0};

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 1), -EINVAL);
	cr_expect_eq(sidecar_vmm_node_of(vmm, 2), 0);
	cr_expect_eq(sidecar_vmm_cpu_count(vmm), 6);
}

Test(vmmlib_open, bad_shared_page_size_is_refused)
{
	struct fake_config config = {.node_count = 1, .cpus = {2}, .per_cpu_shmem = 6000};

	cr_expect_eq(vf_open(&config, error, sizeof(error)), -EINVAL);
	cr_expect_neq(strstr(error, "6000 bytes of shared pages per CPU"), NULL, "%s", error);
}

Test(vmmlib_open, step_errors_are_reported)
{
	static const struct {
		enum fake_op op;
		int err;
		unsigned int skip;
		const char *message;
	} cases[] = {
		{FAKE_OP_OPEN, EACCES, 0, "sidecar0: open: Permission denied"},
		{FAKE_OP_OPEN, EPERM, 1, "sidecar1: open: Operation not permitted"},
		{FAKE_OP_INFO, ENOTTY, 0, "sidecar0: INFO: Inappropriate ioctl for device"},
		{FAKE_OP_INFO, EFAULT, 1, "sidecar1: INFO: Bad address"},
		{FAKE_OP_MMAP, ENOMEM, 1, "sidecar1: mmap of 24576 bytes: Cannot allocate memory"},
	};
	struct fake_config config = {.node_count = 2, .cpus = {2, 3}};
	struct vmm_transport t;

	fake = fake_create(&config);
	cr_assert_not_null(fake);
	t = fake_transport(fake);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_inject(fake, cases[i].op, cases[i].err, cases[i].skip);
		cr_expect_eq(vmm_open_transport(&t, &vmm, error, sizeof(error)), -cases[i].err);
		cr_expect_null(vmm);
		cr_expect_str_eq(error, cases[i].message);
	}
	/* Every file the failed attempts opened was closed again: the fake
	 * has room for FAKE_MAX_FILES per node only. */
	for (int i = 0; i < FAKE_MAX_FILES + 1; i++) {
		cr_assert_eq(vmm_open_transport(&t, &vmm, error, sizeof(error)), 0, "%s", error);
		sidecar_vmm_close(vmm);
		vmm = NULL;
	}
}

Test(vmmlib_open, guest_memory_is_mapped_shared)
{
	struct fake_config config = {.node_count = 1, .cpus = {3}, .guest_memory_size = 1 << 20};
	uint8_t *view, *mem;
	uint64_t size = 0;
	void *base = NULL;

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_assert_eq(sidecar_vmm_guest_memory(vmm, &base, &size), 0);
	cr_assert_not_null(base);
	cr_expect_eq(size, 1 << 20);
	view = fake_guest_memory(fake);
	mem = base;
	/* One memory seen from both sides: the VMM's writes reach the
	 * "guest", and the guest's reach the VMM, at the same offsets. */
	memcpy(mem + 0x1000, "guest code", 11);
	cr_expect_str_eq((char *)view + 0x1000, "guest code");
	view[(1 << 20) - 1] = 0x5A;
	cr_expect_eq(mem[(1 << 20) - 1], 0x5A);
	cr_expect(fake_guest_memory_in_use(fake));
	sidecar_vmm_close(vmm);
	vmm = NULL;
	cr_expect_not(fake_guest_memory_in_use(fake), "close must unmap and close the device");
}

Test(vmmlib_open, no_guest_memory_is_enoent)
{
	struct fake_config config = {.node_count = 1, .cpus = {2}};
	uint64_t size = 7;
	void *base = NULL;

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_eq(sidecar_vmm_guest_memory(vmm, &base, &size), -ENOENT);
	cr_expect_eq(sidecar_vmm_guest_memory(vmm, NULL, &size), -EINVAL);
	cr_expect_eq(sidecar_vmm_guest_memory(vmm, &base, NULL), -EINVAL);
	cr_expect_eq(sidecar_vmm_guest_memory(NULL, &base, &size), -EINVAL);
}

Test(vmmlib_open, guest_memory_errors_are_reported)
{
	static const struct {
		enum fake_op op;
		int err;
		unsigned int skip;
		const char *message;
	} cases[] = {
		/* Open 0 is node 0's device, open 1 the guest memory's. */
		{FAKE_OP_OPEN, EACCES, 1, "sidecar_guest: open: Permission denied"},
		{FAKE_OP_GUEST_INFO, ENOTTY, 0,
		 "sidecar_guest: GUEST_INFO: Inappropriate ioctl for device"},
		{FAKE_OP_MMAP, ENOMEM, 1,
		 "sidecar_guest: mmap of 2097152 bytes: Cannot allocate memory"},
	};
	struct fake_config config = {.node_count = 1, .cpus = {2}, .guest_memory_size = 2 << 20};
	struct vmm_transport t;

	fake = fake_create(&config);
	cr_assert_not_null(fake);
	t = fake_transport(fake);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_inject(fake, cases[i].op, cases[i].err, cases[i].skip);
		cr_expect_eq(vmm_open_transport(&t, &vmm, error, sizeof(error)), -cases[i].err);
		cr_expect_null(vmm);
		cr_expect_str_eq(error, cases[i].message);
		cr_expect_not(fake_guest_memory_in_use(fake), "case %zu left the device open", i);
	}
}

Test(vmmlib_open, odd_guest_memory_size_is_refused)
{
	struct fake_config config = {.node_count = 1,
				     .cpus = {2},
				     .guest_memory_size = 2 << 20,
				     .guest_info_size = 1000};

	cr_expect_eq(vf_open(&config, error, sizeof(error)), -EINVAL);
	cr_expect_null(vmm);
	cr_expect_str_eq(error, "sidecar_guest: the driver reports 1000 bytes of guest memory "
				"(a non-zero multiple of 4096 expected)");
	cr_expect_not(fake_guest_memory_in_use(fake));
}

Test(vmmlib_open, null_arguments)
{
	struct fake_config config = {.node_count = 1, .cpus = {2}};
	struct vmm_transport t;

	fake = fake_create(&config);
	cr_assert_not_null(fake);
	t = fake_transport(fake);
	cr_expect_eq(vmm_open_transport(&t, NULL, NULL, 0), -EINVAL);
	cr_expect_eq(sidecar_vmm_node_count(NULL), 0);
	cr_expect_eq(sidecar_vmm_cpu_count(NULL), 0);
	cr_expect_eq(sidecar_vmm_node_of(NULL, 0), -EINVAL);
	cr_expect_eq(sidecar_vmm_poll_fd(NULL), -EINVAL);
	sidecar_vmm_close(NULL);
}

Test(vmmlib_open, cpu_status_from_sysfs)
{
	struct fake_config config = {.node_count = 2, .cpus = {3, 4}};
	uint8_t status[SIDECAR_MAX_CPUS_PER_NODE];

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 1, status, 4), 4);
	cr_expect_eq(status[0], SIDECAR_CPU_STATUS_REMOVED, "base CPU");
	cr_expect_eq(status[1], SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(status[3], SIDECAR_CPU_STATUS_IDLE);
	cr_assert_eq(fake_remove_cpu(fake, 4), 0);
	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 1, status, 4), 4);
	cr_expect_eq(status[1], SIDECAR_CPU_STATUS_REMOVED, "converted");

	fake_set_status_text(fake, 0, "cpu0: removed\ncpu1: running\n");
	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 0, status, 3), 2);
	cr_expect_eq(status[1], SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(status[2], SIDECAR_VMM_CPU_STATUS_UNKNOWN);
	fake_set_status_text(fake, 0, "nonsense");
	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 0, status, 3), -EINVAL);

	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 0, status, 2), -EINVAL, "buffer too small");
	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 2, status, 4), -EINVAL, "no node 2");
}

Test(vmmlib_open, cpu_status_without_sysfs)
{
	struct fake_config config = {.node_count = 1, .cpus = {3}, .no_sysfs = true};
	uint8_t status[4];

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
	cr_expect_eq(sidecar_vmm_cpu_status(vmm, 0, status, 4), -ENOENT);
}

/* ---- One CPU's status, and the conversion to Linux ---- */

/* Nodes of CPUs 0-2 and 3-6. */
static void open_two_nodes(bool no_sysfs)
{
	struct fake_config config = {.node_count = 2, .cpus = {3, 4}, .no_sysfs = no_sysfs};

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
}

Test(vmmlib_open, status_of_one_cpu)
{
	open_two_nodes(false);
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 0), SIDECAR_CPU_STATUS_REMOVED, "base CPU");
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 1), SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 3), SIDECAR_CPU_STATUS_REMOVED, "base CPU");
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 6), SIDECAR_CPU_STATUS_IDLE, "last CPU");
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 7), -EINVAL, "no node has CPU 7");
	cr_expect_eq(sidecar_vmm_cpu_status_of(NULL, 1), -EINVAL);
	fake_set_status_text(fake, 1, "3 removed\n4 running\n");
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 4), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 5), SIDECAR_VMM_CPU_STATUS_UNKNOWN,
		     "not in the file");
}

Test(vmmlib_open, status_without_sysfs_is_enoent)
{
	open_two_nodes(true);
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 1), -ENOENT);
}

Test(vmmlib_open, converts_one_way)
{
	struct sidecar_vp *vp, *other;

	open_two_nodes(false);
	cr_assert_eq(sidecar_vp_acquire(vmm, 5, &vp), 0);
	cr_assert_eq(sidecar_vp_test(vp), 0);
	cr_assert_eq(sidecar_vmm_convert_cpu(vmm, 5), 0);
	cr_expect_eq(fake_vp_status(fake, 5), SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(sidecar_vmm_cpu_status_of(vmm, 5), SIDECAR_CPU_STATUS_REMOVED);
	/* The handle stays valid; the sidecar has no CPU 5 any more. */
	cr_expect_eq(sidecar_vp_test(vp), -ENOENT);
	cr_expect_eq(sidecar_vp_start(vp), -ENOENT);
	sidecar_vp_release(vp);
	/* Linux takes the online of an online CPU as done. */
	cr_expect_eq(sidecar_vmm_convert_cpu(vmm, 5), 0);
	/* The others are still the sidecar's. */
	cr_assert_eq(sidecar_vp_acquire(vmm, 6, &other), 0);
	cr_expect_eq(sidecar_vp_test(other), 0);
	sidecar_vp_release(other);
}

Test(vmmlib_open, refusals)
{
	open_two_nodes(false);
	cr_expect_eq(sidecar_vmm_convert_cpu(vmm, 0), -EALREADY, "node 0's base CPU");
	cr_expect_eq(sidecar_vmm_convert_cpu(vmm, 3), -EALREADY, "node 1's base CPU");
	cr_expect_eq(sidecar_vmm_convert_cpu(vmm, 7), -EINVAL, "no node has CPU 7");
	cr_expect_eq(sidecar_vmm_convert_cpu(NULL, 1), -EINVAL);
	fake_inject(fake, FAKE_OP_ONLINE, EACCES, 0);
	cr_expect_eq(sidecar_vmm_convert_cpu(vmm, 1), -EACCES, "no privilege");
	cr_expect_eq(fake_vp_status(fake, 1), SIDECAR_CPU_STATUS_IDLE, "still in the sidecar");
	fake_inject(fake, FAKE_OP_ONLINE, ETIMEDOUT, 0);
	cr_expect_eq(sidecar_vmm_convert_cpu(vmm, 2), -ETIMEDOUT, "the driver's timeout");
	cr_expect_eq(fake_vp_status(fake, 2), SIDECAR_CPU_STATUS_IDLE);
}

/* ---- The real transport, on a directory of plain files ---- */

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vmmlib-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void touch(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void remove_dir(void)
{
	static const char *const names[] = {"sidecar0", "mshv_vtl_sidecar0"};
	char path[128];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

Test(vmmlib_open, real_transport_without_driver)
{
	struct sidecar_vmm_options options = {
		.dev_dir = dir, .error = error, .error_size = sizeof(error)};

	make_dir();
	/* Nothing there. */
	cr_expect_eq(sidecar_vmm_open(&options, &vmm), -ENOENT);
	cr_expect_neq(strstr(error, "no sidecar device"), NULL, "%s", error);
	/* A file that is not the driver: INFO fails with ENOTTY. */
	touch("mshv_vtl_sidecar0");
	cr_expect_eq(sidecar_vmm_open(&options, &vmm), -ENOTTY);
	cr_expect_str_eq(error, "mshv_vtl_sidecar0: INFO: Inappropriate ioctl for device");
	touch("sidecar0");
	cr_expect_eq(sidecar_vmm_open(&options, &vmm), -ENOTTY);
	cr_expect_str_eq(error, "sidecar0: INFO: Inappropriate ioctl for device");
	cr_expect_null(vmm);
	remove_dir();
}

Test(vmmlib_open, real_transport_environment_override)
{
	struct sidecar_vmm_options options = {.error = error, .error_size = sizeof(error)};

	make_dir();
	touch("sidecar0");
	setenv("SIDECAR_DEV_DIR", dir, 1);
	cr_expect_eq(sidecar_vmm_open(&options, &vmm), -ENOTTY, "%s", error);
	cr_expect_eq(sidecar_vmm_open(NULL, &vmm), -ENOTTY);
	unsetenv("SIDECAR_DEV_DIR");
	remove_dir();
}

Test(vmmlib_open, real_transport_writes_sysfs_online)
{
	char dir[64], path[160], text[8] = {0};
	struct vmm_transport t;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/vmmlib-convert-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/devices", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/devices/system", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/devices/system/cpu", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu12", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu12/online", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	close(fd);

	cr_assert_eq(vmm_linux_transport("/nonexistent", dir, &t), 0);
	cr_expect_eq(t.ops->online_cpu(t.ctx, 12), 0);
	cr_expect_eq(t.ops->online_cpu(t.ctx, 13), -ENOENT, "no cpu13 in sysfs");
	t.ops->destroy(t.ctx);

	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_expect_eq(read(fd, text, sizeof(text) - 1), 2);
	close(fd);
	cr_expect_str_eq(text, "1\n");

	unlink(path);
	for (int depth = 0; depth < 4; depth++) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
	rmdir(dir);
}
