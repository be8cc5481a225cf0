// SPDX-License-Identifier: MIT
/*
 * Error paths. Through the library: a CPU outside every node, a VP owned
 * twice, the base CPU (Linux's), a VP started twice or used while running,
 * a wait without a start, and the sidecar's own refusals (an invalid MXCSR,
 * guest state VMRUN rejects) with their messages. Through the driver's
 * files directly, for what the library never sends: a CPU of another node,
 * an unknown ioctl, bad mappings of the node and guest-memory devices, a
 * short read, and a synchronous RUN interrupted by a signal, which must
 * stop the guest and return with the CPU idle.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <sidecar/uapi.h>

#include "test_vmm.h"

#define PART "errors"

/* A run of `vp` that the sidecar must refuse with an error containing `needle`. */
static void expect_run_error(struct tv *t, struct sidecar_vp *vp, const char *needle,
			     const char *what)
{
	int r = sidecar_vp_start(vp);

	if (r == 0)
		r = sidecar_vp_wait(vp, 30000);
	tv_check(t, r == -SIDECAR_VMM_ESIDECAR && strstr(sidecar_vp_error_message(vp), needle),
		 PART, "CPU %u: RUN_VP with %s gave %d (\"%s\"), expected the sidecar's \"%s\"",
		 sidecar_vp_cpu(vp), what, r, sidecar_vp_error_message(vp), needle);
}

static void library_errors(struct tv *t)
{
	struct sidecar_vp *vp = t->vps[0], *other;
	struct sidecar_cpu_context_x64 *ctx = sidecar_vp_cpu_context(vp);
	uint32_t cpu = t->cpus[0];
	union hv_register_value v;
	int r;

	r = sidecar_vp_acquire(t->vmm, t->cpu_count, &other);
	tv_check(t, r == -EINVAL, PART, "acquire CPU %u (no node has it) gave %d, expected EINVAL",
		 t->cpu_count, r);
	r = sidecar_vp_acquire(t->vmm, cpu, &other);
	tv_check(t, r == -EBUSY, PART, "acquire CPU %u a second time gave %d, expected EBUSY", cpu,
		 r);
	r = sidecar_vp_acquire(t->vmm, 0, &other);
	tv_check(t, r == 0, PART, "acquire CPU 0: %d", r);
	if (r == 0) {
		r = sidecar_vp_test(other);
		tv_check(t, r == -ENOENT, PART,
			 "NONE on CPU 0 (a base CPU, Linux's) gave %d (%s), expected ENOENT", r,
			 sidecar_vp_error_message(other));
		sidecar_vp_release(other);
	}

	r = sidecar_vp_wait(vp, 0);
	tv_check(t, r == -EINVAL, PART, "CPU %u: wait without a start gave %d, expected EINVAL",
		 cpu, r);
	r = tg_vmm_set_rip(t->vps[0], tg_spin_rip());
	if (r == 0)
		r = sidecar_vp_start(vp);
	tv_check(t, r == 0, PART, "CPU %u: start: %s", cpu, sidecar_vp_error_message(vp));
	r = sidecar_vp_start(vp);
	tv_check(t, r == -EBUSY, PART, "CPU %u: a second start gave %d, expected EBUSY", cpu, r);
	r = sidecar_vp_test(vp);
	tv_check(t, r == -EBUSY, PART, "CPU %u: NONE while running gave %d, expected EBUSY", cpu,
		 r);
	r = sidecar_vp_get_register(vp, HV_X64_REGISTER_RIP, &v);
	tv_check(t, r == -EBUSY, PART, "CPU %u: GET while running gave %d, expected EBUSY", cpu, r);
	sidecar_vp_cancel(vp);
	r = sidecar_vp_wait(vp, 30000);
	tv_check(t, r == SIDECAR_VP_STOPPED, PART, "CPU %u: cancel: %d", cpu, r);

	/* The sidecar checks what it loads: FXRSTOR of this MXCSR would #GP. */
	ctx->fx_state.mxcsr = 0xFFFFFFFF;
	expect_run_error(t, vp, "invalid MXCSR 0xffffffff", "MXCSR 0xffffffff");
	ctx->fx_state.mxcsr = 0x1F80;

	/* CR0.NW without CR0.CD: VMRUN's consistency checks refuse it (APM
	 * Vol. 2 15.5.1), and the sidecar says so. The interrupted RUN below
	 * runs on this CPU next: it must still be stoppable afterwards. */
	v.reg64 = 0x20000011;
	r = sidecar_vp_set_register(vp, HV_X64_REGISTER_CR0, &v);
	tv_check(t, r == 0, PART, "CPU %u: set CR0: %s", cpu, sidecar_vp_error_message(vp));
	expect_run_error(t, vp, "VMEXIT_INVALID", "CR0 0x20000011");
	r = tg_vmm_reset(t->vps[0], 0);
	tv_check(t, r == 0, PART, "CPU %u: reset the guest: %s", cpu, sidecar_vp_error_message(vp));
}

static void expect_errno(struct tv *t, long r, int want, const char *what)
{
	int err = r < 0 ? errno : 0;

	tv_check(t, r < 0 && err == want, PART, "%s gave %ld (%s), expected %s", what, r,
		 strerror(err), strerror(want));
}

static void driver_errors(struct tv *t)
{
	struct sidecar_vmm_node_info info;
	struct sidecar_ioctl_guest_info ginfo;
	size_t shmem;
	uint32_t buf;
	void *p;
	int fd;

	sidecar_vmm_node_info(t->vmm, 0, &info);
	shmem = (size_t)info.cpu_count * info.per_cpu_shmem;
	expect_errno(t, ioctl(info.fd, SIDECAR_IOCTL_RUN, (unsigned long)t->cpu_count), EINVAL,
		     "RUN of a CPU beyond every node");
	if (sidecar_vmm_node_count(t->vmm) > 1)
		expect_errno(t,
			     ioctl(info.fd, SIDECAR_IOCTL_RUN,
				   (unsigned long)(info.base_cpu + info.cpu_count)),
			     EINVAL, "RUN on node 0's device of a CPU of node 1");
	expect_errno(t, ioctl(info.fd, _IO(SIDECAR_IOCTL_TYPE, 0x42), 0), ENOTTY,
		     "an unknown ioctl");
	expect_errno(t, read(info.fd, &buf, 2), EINVAL, "a read of 2 bytes");
	p = mmap(NULL, shmem + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, info.fd, 0);
	expect_errno(t, p == MAP_FAILED ? -1 : 0, EINVAL, "mmap one page past the shared pages");
	if (p != MAP_FAILED)
		munmap(p, shmem + 4096);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, info.fd, 0);
	expect_errno(t, p == MAP_FAILED ? -1 : 0, EINVAL, "a private mmap of the shared pages");
	if (p != MAP_FAILED)
		munmap(p, 4096);

	fd = open("/dev/sidecar_guest", O_RDWR | O_CLOEXEC);
	tv_check(t, fd >= 0, PART, "open /dev/sidecar_guest: %s", strerror(errno));
	if (fd < 0)
		return;
	tv_check(t, ioctl(fd, SIDECAR_IOCTL_GUEST_INFO, &ginfo) == 0 && ginfo.size == t->guest_size,
		 PART, "GUEST_INFO reports %llu bytes, the library mapped %llu",
		 (unsigned long long)ginfo.size, (unsigned long long)t->guest_size);
	expect_errno(t, ioctl(fd, SIDECAR_IOCTL_INFO, &info), ENOTTY,
		     "the node INFO ioctl on the guest-memory device");
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)t->guest_size - 4096);
	expect_errno(t, p == MAP_FAILED ? -1 : 0, EINVAL, "mmap across the end of guest memory");
	if (p != MAP_FAILED)
		munmap(p, 8192);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	expect_errno(t, p == MAP_FAILED ? -1 : 0, EINVAL, "a private mmap of guest memory");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	/* A second mapping sees what the library's mapping holds. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)TG_CODE);
	tv_check(t, p != MAP_FAILED && memcmp(p, (char *)t->guest + TG_CODE, 4096) == 0, PART,
		 "a second mapping of guest page %#llx differs from the library's",
		 (unsigned long long)TG_CODE);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A synchronous RUN of a spinning guest, interrupted by SIGALRM: the
 * driver stops the command and, once the CPU is idle, returns 0 as
 * OpenHCL's driver does; the command page says how it ended (a RUN_VP
 * stopped without an intercept). */
static void interrupted_run(struct tv *t)
{
	struct sidecar_vmm_node_info info;
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval timer = {.it_value = {.tv_usec = 300000}};
	struct sidecar_command_page *cp;
	uint32_t cpu = t->cpus[0], index;
	uint64_t start;
	size_t shmem;
	void *map;
	long r;
	int err;

	r = tg_vmm_set_rip(t->vps[0], tg_spin_rip());
	tv_check(t, r == 0, PART, "CPU %u: set RIP: %s", cpu, sidecar_vp_error_message(t->vps[0]));
	sidecar_vmm_node_info(t->vmm, (unsigned int)sidecar_vmm_node_of(t->vmm, cpu), &info);
	shmem = (size_t)info.cpu_count * info.per_cpu_shmem;
	map = mmap(NULL, shmem, PROT_READ | PROT_WRITE, MAP_SHARED, info.fd, 0);
	tv_check(t, map != MAP_FAILED, PART, "mmap of the node's pages: %s", strerror(errno));
	if (map == MAP_FAILED)
		return;
	index = cpu - info.base_cpu;
	cp = (struct sidecar_command_page *)((char *)map + (size_t)index * info.per_cpu_shmem);
	cp->command = SIDECAR_COMMAND_RUN_VP;
	cp->has_error = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: the ioctl must see it */
	setitimer(ITIMER_REAL, &timer, NULL);
	start = test_now_ms();
	r = ioctl(info.fd, SIDECAR_IOCTL_RUN, (unsigned long)cpu);
	err = errno;
	sigaction(SIGALRM, &old, NULL);
	tv_check(t, r == 0, PART,
		 "CPU %u: a RUN of a spinning guest interrupted by a signal gave %ld (%s), "
		 "expected 0 (the command page holds the outcome)",
		 cpu, r, r < 0 ? strerror(err) : "no error");
	tv_check(t, test_now_ms() - start >= 250, PART,
		 "CPU %u: the RUN returned after %llu ms, before the signal", cpu,
		 (unsigned long long)(test_now_ms() - start));
	tv_check(t, tv_cpu_status(t, cpu) == SIDECAR_CPU_STATUS_IDLE, PART,
		 "CPU %u is %s after the interrupted RUN, not idle", cpu,
		 sidecar_cpu_status_name(tv_cpu_status(t, cpu)));
	tv_check(t, !cp->has_error && sidecar_response_run_vp(cp)->intercept == 0, PART,
		 "CPU %u: the interrupted RUN_VP ended with error %u / intercept %u, expected a "
		 "plain stop",
		 cpu, cp->has_error, sidecar_response_run_vp(cp)->intercept);
	munmap(map, shmem);
	r = sidecar_vp_test(t->vps[0]);
	tv_check(t, r == 0, PART, "CPU %u: NONE after the interrupted RUN: %ld (%s)", cpu, r,
		 sidecar_vp_error_message(t->vps[0]));
}

void part_errors(struct tv *t)
{
	unsigned int failed = t->failed;

	library_errors(t);
	driver_errors(t);
	interrupted_run(t);
	tv_part_done(t, PART, failed, "library, driver and signal error paths");
}
