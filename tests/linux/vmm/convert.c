// SPDX-License-Identifier: MIT
/*
 * One-way conversion: the last sidecar CPU is brought online in Linux
 * through sysfs, which makes the driver take it out of the sidecar first;
 * a task pinned to it then runs there, and the library reports ENOENT for
 * it while the other CPUs keep working.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_vmm.h"

#define PART "convert"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* A child pinned to `cpu` that must find itself running there. */
static bool runs_pinned(uint32_t cpu)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;
		volatile unsigned long spin = 0;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			_exit(2);
		for (int i = 0; i < 1000000; i++)
			spin += (unsigned long)i;
		(void)spin; /* only there to take time: clang warns otherwise */
		_exit(sched_getcpu() == (int)cpu ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void part_convert(struct tv *t)
{
	unsigned int failed = t->failed;
	size_t last = t->count - 1;
	uint32_t cpu = t->cpus[last];
	char path[128], text[32];
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	r = read_file(path, text, sizeof(text));
	tv_check(t, r == 0 && text[0] == '0', PART, "CPU %u is not offline in Linux before: %s",
		 cpu, r ? strerror(-r) : text);
	r = write_file(path, "1");
	tv_check(t, r == 0, PART, "echo 1 > %s: %s", path, strerror(-r));
	r = read_file(path, text, sizeof(text));
	tv_check(t, r == 0 && text[0] == '1', PART, "CPU %u is not online in Linux after: %s", cpu,
		 r ? strerror(-r) : text);
	tv_check(t, runs_pinned(cpu), PART, "a task pinned to CPU %u did not run there", cpu);
	tv_check(t, tv_cpu_status(t, cpu) == SIDECAR_CPU_STATUS_REMOVED, PART,
		 "the driver reports CPU %u as %s, not removed", cpu,
		 sidecar_cpu_status_name(tv_cpu_status(t, cpu)));

	r = sidecar_vp_test(t->vps[last]);
	tv_check(t, r == -ENOENT, PART, "NONE on converted CPU %u gave %d (%s), expected ENOENT",
		 cpu, r, sidecar_vp_error_message(t->vps[last]));
	r = sidecar_vp_start(t->vps[last]);
	tv_check(t, r == -ENOENT, PART, "a start on converted CPU %u gave %d, expected ENOENT", cpu,
		 r);
	/* The others are still the sidecar's. */
	for (size_t i = 0; i < last; i++) {
		r = sidecar_vp_test(t->vps[i]);
		tv_check(t, r == 0, PART, "CPU %u: NONE after CPU %u's conversion: %d (%s)",
			 t->cpus[i], cpu, r, sidecar_vp_error_message(t->vps[i]));
	}
	tv_part_done(t, PART, failed,
		     "CPU %u now runs Linux tasks; the library reports ENOENT for it", cpu);
}
