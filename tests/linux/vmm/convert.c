// SPDX-License-Identifier: MIT
/*
 * One-way conversion: the last sidecar CPU under test (the machine's
 * highest CPU) is brought online in Linux through sysfs, which makes the
 * driver take it out of the sidecar first; a task pinned to it then runs
 * there, and the library reports ENOENT for it while the other CPUs keep
 * working. Its interrupts work: its local APIC timer ticks while the task
 * runs, and a device interrupt (the serial console's, through the I/O
 * APIC and, with APIC IDs above 255, interrupt remapping) reaches it once
 * its affinity names the CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
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
	size_t len = 0;
	ssize_t n = 0;
	int err;

	if (fd < 0)
		return -errno;
	/* A sysfs file comes in one read, /proc/interrupts in several. */
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	err = errno; /* before close() can change it */
	close(fd);
	if (n < 0)
		return -err;
	buf[len] = '\0';
	return 0;
}

/* A child pinned to `cpu` that must find itself running there, busy for
 * `ms` milliseconds (so that the CPU's timer ticks meanwhile). */
static bool runs_pinned(uint32_t cpu, unsigned int ms)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;
		uint64_t end = test_now_ms() + ms;
		volatile unsigned long spin = 0;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			_exit(2);
		do {
			for (int i = 0; i < 100000; i++)
				spin += (unsigned long)i;
		} while (test_now_ms() < end);
		(void)spin; /* only there to take time: clang warns otherwise */
		_exit(sched_getcpu() == (int)cpu ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The count of /proc/interrupts line `label` ("LOC", or an IRQ number) on
 * `cpu`, whose column the header ("CPU0 CPU7 ...": online CPUs only)
 * names; -1 if the CPU or the line is not there. With `device` non-NULL
 * and `label` NULL, the line is the one whose last word is `device`, and
 * its IRQ number goes to `irq`.
 */
static long long irq_count(const char *label, const char *device, uint32_t cpu, int *irq)
{
	static char text[1 << 16];
	char want[16], *line, *save = NULL;
	int column = -1;

	if (read_file("/proc/interrupts", text, sizeof(text)) < 0)
		return -1;
	snprintf(want, sizeof(want), "CPU%u", cpu);
	line = strtok_r(text, "\n", &save);
	if (!line)
		return -1;
	/* The header: the column of `cpu`. */
	{
		char *word, *wsave = NULL;
		int i = 0;

		for (word = strtok_r(line, " ", &wsave); word;
		     word = strtok_r(NULL, " ", &wsave), i++)
			if (strcmp(word, want) == 0)
				column = i;
	}
	if (column < 0)
		return -1;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *colon = strchr(line, ':'), *p, *end, *last;
		long long count = -1;

		if (!colon)
			continue;
		*colon = '\0';
		for (p = line; *p == ' '; p++)
			;
		if (label && strcmp(p, label) != 0)
			continue;
		last = strrchr(colon + 1, ' ');
		if (!label && (!last || strcmp(last + 1, device) != 0))
			continue;
		if (irq)
			*irq = atoi(p);
		p = colon + 1;
		for (int i = 0; i <= column; i++) {
			count = strtoll(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
		return count;
	}
	return -1;
}

/* The local APIC timer of the converted CPU ticks while a task runs there
 * (Linux's tick, "LOC" in /proc/interrupts). */
static void timer_ticks(struct tv *t, uint32_t cpu)
{
	long long before = irq_count("LOC", NULL, cpu, NULL), after;

	tv_check(t, before >= 0, PART, "no LOC count for CPU %u in /proc/interrupts", cpu);
	tv_check(t, runs_pinned(cpu, 500), PART, "a task pinned to CPU %u did not run there", cpu);
	after = irq_count("LOC", NULL, cpu, NULL);
	tv_check(t, after > before, PART,
		 "CPU %u took no timer interrupt while busy for 500 ms (LOC %lld, then %lld)", cpu,
		 before, after);
	printf("convert: CPU %u: %lld timer interrupts while busy\n", cpu, after - before);
}

/*
 * The serial console's interrupt aimed at the converted CPU: the I/O APIC
 * entry (or, with interrupt remapping, its IRTE) must carry the CPU's
 * APIC ID, which above 255 only remapping in x2APIC mode can (Intel VT-d
 * 5.1, "Interrupt Remapping"). Lines written to the console raise its
 * transmit interrupt; one of them must arrive on the CPU. The affinity
 * moves at the next interrupt without remapping, so several lines.
 */
static void device_interrupt(struct tv *t, uint32_t cpu)
{
	char path[64], old[256] = "", text[32];
	long long before, after = -1;
	int irq = -1, fd, r;
	uint64_t end;

	before = irq_count(NULL, "ttyS0", cpu, &irq);
	tv_check(t, before >= 0 && irq >= 0, PART,
		 "no ttyS0 line with a CPU%u column in /proc/interrupts", cpu);
	if (before < 0 || irq < 0)
		return;
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	r = read_file(path, old, sizeof(old));
	tv_check(t, r == 0, PART, "read %s: %s", path, strerror(-r));
	snprintf(text, sizeof(text), "%u", cpu);
	r = write_file(path, text);
	tv_check(t, r == 0, PART, "echo %u > %s: %s", cpu, path, strerror(-r));
	if (r)
		return;
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	tv_check(t, fd >= 0, PART, "open /dev/console: %s", strerror(errno));
	end = test_now_ms() + 5000;
	while (fd >= 0 && test_now_ms() < end) {
		static const char line[] = "convert: a line for the console's interrupt\n";

		if (write(fd, line, sizeof(line) - 1) < 0)
			break;
		test_sleep_ms(100);
		after = irq_count(NULL, "ttyS0", cpu, NULL);
		if (after > before)
			break;
	}
	if (fd >= 0)
		close(fd);
	tv_check(t, after > before, PART,
		 "IRQ %d (ttyS0) with affinity %u never arrived on CPU %u in 5 s (count %lld)", irq,
		 cpu, cpu, after);
	printf("convert: CPU %u: IRQ %d (ttyS0) arrived there %lld time(s)\n", cpu, irq,
	       after - before);
	old[strcspn(old, "\n")] = '\0';
	r = write_file(path, old);
	tv_check(t, r == 0, PART, "restore %s to %s: %s", path, old, strerror(-r));
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
	timer_ticks(t, cpu);
	device_interrupt(t, cpu);
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
		     "CPU %u now runs Linux tasks and takes its timer's and a device's interrupts; "
		     "the library reports ENOENT for it",
		     cpu);
}
