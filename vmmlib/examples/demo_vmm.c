// SPDX-License-Identifier: MIT
/*
 * The README's demo (scripts/demo.sh): a VMM in the Linux that the boot shim
 * started after the sidecar, on libsidecar-vmm only. It shows the nodes and
 * CPUs the driver found, exercises every sidecar CPU (NONE round trip,
 * a register written and read back, a guest-address translation), runs
 * the test guest (lib/testguest) on every sidecar CPU at once, measures the
 * exit rate of one guest, converts the last sidecar CPU to Linux, and
 * prints the timings it measured.
 *
 *   sidecar-demo-vmm
 *
 * Exit status 0 when every step did what it should; otherwise the first
 * failure is printed as "FAIL: <reason>" and the status is 1.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sidecar_vmm.h>

#include "test_guest_vmm.h"

#define PINGS_PER_CPU	200
#define BENCH_MS	500
#define RUN_TIMEOUT_MS	300000
#define STOP_TIMEOUT_MS 30000

struct demo {
	struct sidecar_vmm *vmm;
	uint32_t *cpus; /* the sidecar CPUs: every CPU of a node but its base */
	struct sidecar_vp **vps;
	uint32_t count;
	void *guest;
	uint64_t guest_size;
	struct tg_cpuid leaf1;
	double ping_us_min, ping_us_max, ping_us_sum;
	double guests_ms, exit_rate, convert_ms;
	unsigned long guest_exits;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

/* Whether Linux runs on `cpu` (sysfs "online"; CPU 0 has no such file). */
static bool linux_online(uint32_t cpu)
{
	char path[96];
	int c = EOF;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	f = fopen(path, "r");
	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == '1';
}

static const char *status_text(uint8_t status, uint32_t cpu)
{
	if (status == SIDECAR_CPU_STATUS_REMOVED && linux_online(cpu))
		return "removed: converted, now a Linux CPU";
	return sidecar_cpu_status_name(status);
}

static void print_table(struct demo *d, const char *title)
{
	printf("\n== %s\n", title);
	printf("  node  device             CPU  status\n");
	for (unsigned int n = 0; n < sidecar_vmm_node_count(d->vmm); n++) {
		uint8_t status[SIDECAR_MAX_CPUS_PER_NODE];
		struct sidecar_vmm_node_info info;

		/* One read of the node's sysfs table, not one per CPU. */
		sidecar_vmm_node_info(d->vmm, n, &info);
		if (sidecar_vmm_cpu_status(d->vmm, n, status, info.cpu_count) < 0)
			memset(status, SIDECAR_VMM_CPU_STATUS_UNKNOWN, info.cpu_count);
		for (uint32_t c = 0; c < info.cpu_count; c++) {
			uint32_t cpu = info.base_cpu + c;

			printf("  %4u  %-17s %4u  %s\n", n, info.device, cpu,
			       c == 0 ? "linux (node base CPU)" : status_text(status[c], cpu));
		}
	}
}

static void open_nodes(struct demo *d)
{
	char error[256];
	struct sidecar_vmm_options options = {.error = error, .error_size = sizeof(error)};
	uint32_t cpu_count;
	int r = sidecar_vmm_open(&options, &d->vmm);

	if (r)
		fail("sidecar_vmm_open: %s", error);
	cpu_count = sidecar_vmm_cpu_count(d->vmm);
	d->cpus = calloc(cpu_count, sizeof(*d->cpus));
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, so pointer-sized */
	d->vps = calloc(cpu_count, sizeof(*d->vps));
	if (!d->cpus || !d->vps)
		fail("out of memory");
	for (unsigned int n = 0; n < sidecar_vmm_node_count(d->vmm); n++) {
		struct sidecar_vmm_node_info info;

		sidecar_vmm_node_info(d->vmm, n, &info);
		for (uint32_t c = 1; c < info.cpu_count; c++)
			d->cpus[d->count++] = info.base_cpu + c;
	}
	if (d->count == 0)
		fail("the nodes have no sidecar CPU");
	for (uint32_t i = 0; i < d->count; i++) {
		r = sidecar_vp_acquire(d->vmm, d->cpus[i], &d->vps[i]);
		if (r)
			fail("acquire CPU %u: %s", d->cpus[i], strerror(-r));
	}
	r = sidecar_vmm_guest_memory(d->vmm, &d->guest, &d->guest_size);
	if (r)
		fail("no guest memory: %s", strerror(-r));
	if (!tg_build(d->guest, d->guest_size, d->cpus, d->count))
		fail("guest memory of %llu bytes does not hold the test guest for %u VPs",
		     (unsigned long long)d->guest_size, d->count);
	d->leaf1 = tg_host_leaf1();
	printf("%u node(s), %u CPUs, %u of them in the sidecar; guest memory %llu MiB\n",
	       sidecar_vmm_node_count(d->vmm), cpu_count, d->count,
	       (unsigned long long)(d->guest_size >> 20));
}

/* NONE round trips, DR0 written and read back, one translation, per CPU. */
static void exercise(struct demo *d)
{
	printf("\n== Every sidecar CPU: %d NONE round trips, SET/GET DR0, TRANSLATE_GVA\n",
	       PINGS_PER_CPU);
	printf("   CPU  NONE round trip (us, mean)    DR0 read back  GVA %#llx -> GPA\n",
	       (unsigned long long)TG_CODE);
	d->ping_us_min = 1e30;
	for (uint32_t i = 0; i < d->count; i++) {
		struct sidecar_vp *vp = d->vps[i];
		struct hv_translate_virtual_address_ex_output_x64 out = {0};
		union hv_register_value dr0 = {.reg64 = 0xD0000000ull + d->cpus[i]};
		union hv_register_value back = {0};
		double start = now_us(), us;
		int r = 0;

		for (int p = 0; p < PINGS_PER_CPU && r == 0; p++)
			r = sidecar_vp_test(vp);
		if (r)
			fail("CPU %u: NONE: %s", d->cpus[i], sidecar_vp_error_message(vp));
		us = (now_us() - start) / PINGS_PER_CPU;
		d->ping_us_sum += us;
		d->ping_us_min = us < d->ping_us_min ? us : d->ping_us_min;
		d->ping_us_max = us > d->ping_us_max ? us : d->ping_us_max;

		r = sidecar_vp_set_register(vp, HV_X64_REGISTER_DR0, &dr0);
		if (r == 0)
			r = sidecar_vp_get_register(vp, HV_X64_REGISTER_DR0, &back);
		if (r || back.reg64 != dr0.reg64)
			fail("CPU %u: DR0 wrote %#llx, read %#llx: %s", d->cpus[i],
			     (unsigned long long)dr0.reg64, (unsigned long long)back.reg64,
			     r ? sidecar_vp_error_message(vp) : "mismatch");

		/* The guest's own page tables (lib/testguest) decide the answer. */
		r = tg_vmm_reset(d->vps[i], i);
		if (r == 0)
			r = sidecar_vp_translate_gva(vp, TG_CODE >> 12,
						     HV_TRANSLATE_GVA_VALIDATE_READ, &out);
		if (r || (out.translation_result.result & HV_TRANSLATE_GVA_RESULT_CODE_MASK) !=
				 HV_TRANSLATE_GVA_SUCCESS)
			fail("CPU %u: translate %#llx: %s, result %u", d->cpus[i],
			     (unsigned long long)TG_CODE, sidecar_vp_error_message(vp),
			     (unsigned)(out.translation_result.result &
					HV_TRANSLATE_GVA_RESULT_CODE_MASK));
		printf("  %4u  %26.1f  %#14llx  %#llx\n", d->cpus[i], us,
		       (unsigned long long)back.reg64, (unsigned long long)out.gpa_page << 12);
	}
}

static int index_of_cpu(const struct demo *d, uint32_t cpu)
{
	for (uint32_t i = 0; i < d->count; i++)
		if (d->cpus[i] == cpu)
			return (int)i;
	return -1;
}

/*
 * The test guest on every sidecar CPU at once, event-driven: all started,
 * one poll() on the library's fd, sidecar_vmm_collect() for the VPs that
 * stopped, each exit completed in user space and the VP started again.
 */
static void run_guests(struct demo *d)
{
	struct tg_vp *g = calloc(d->count, sizeof(*g));
	uint32_t *stopped = calloc(d->count, sizeof(*stopped));
	struct pollfd pfd = {.fd = sidecar_vmm_poll_fd(d->vmm), .events = POLLIN};
	uint32_t running = 0;
	double start = now_us();
	char detail[256];

	if (!g || !stopped)
		fail("out of memory");
	printf("\n== The test guest on all %u sidecar CPUs at once\n", d->count);
	for (uint32_t i = 0; i < d->count; i++) {
		int r = tg_vmm_reset(d->vps[i], i);

		tg_vp_init(&g[i], d->cpus[i], i, &d->leaf1);
		if (r == 0)
			r = sidecar_vp_start(d->vps[i]);
		if (r)
			fail("CPU %u: start the guest: %s", d->cpus[i],
			     sidecar_vp_error_message(d->vps[i]));
		running++;
	}
	while (running) {
		int n;

		if (now_us() - start > RUN_TIMEOUT_MS * 1e3)
			fail("%u guests still running after %d ms", running, RUN_TIMEOUT_MS);
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		n = sidecar_vmm_collect(d->vmm, SIDECAR_VMM_ALL_NODES, stopped, d->count);
		if (n < 0)
			fail("collect: %s", strerror(-n));
		for (int k = 0; k < n; k++) {
			int i = index_of_cpu(d, stopped[k]);
			struct sidecar_vp *vp;
			int r;

			if (i < 0)
				fail("collect reported CPU %u, not one of ours", stopped[k]);
			vp = d->vps[i];
			r = sidecar_vp_wait(vp, 0);
			if (r != SIDECAR_VP_INTERCEPT)
				fail("CPU %u: the run ended with %d (%s), not an intercept",
				     d->cpus[i], r, sidecar_vp_error_message(vp));
			d->guest_exits++;
			if (!tg_handle_exit(&g[i], sidecar_vp_intercept_message(vp),
					    sidecar_vp_cpu_context(vp)->gps, detail,
					    sizeof(detail)))
				fail("CPU %u: %s", d->cpus[i], detail);
			if (g[i].stage == TG_STAGE_DONE) {
				running--;
				continue;
			}
			r = tg_vmm_set_rip(vp, g[i].next_rip);
			if (r == 0)
				r = sidecar_vp_start(vp);
			if (r)
				fail("CPU %u: resume: %s", d->cpus[i],
				     sidecar_vp_error_message(vp));
		}
	}
	d->guests_ms = (now_us() - start) / 1e3;
	printf("   CPU  the guest printed (OUT 0xE9)  then: IN, CPUID, RDMSR, WRMSR, "
	       "unmapped GPA, HLT\n");
	for (uint32_t i = 0; i < d->count; i++) {
		char shown[TG_STRING_LEN + 1];

		if (!tg_check_printed(&g[i], detail, sizeof(detail)))
			fail("CPU %u: %s", d->cpus[i], detail);
		/* The string ends in a newline; print it without. */
		snprintf(shown, sizeof(shown), "%.*s", TG_STRING_LEN - 1, g[i].printed);
		printf("  %4u  %-28s  all handled\n", d->cpus[i], shown);
	}
	printf("%lu exits handled in user space in %.1f ms\n", d->guest_exits, d->guests_ms);
	free(g);
	free(stopped);
}

/* One guest doing OUT 0x80 in a loop, resumed by this VMM for BENCH_MS. */
static void exit_rate(struct demo *d)
{
	struct tg_vp g;
	struct sidecar_vp *vp = d->vps[0];
	double start, elapsed;
	unsigned long exits = 0;
	char detail[256];
	int r;

	tg_vp_init(&g, d->cpus[0], 0, &d->leaf1);
	r = tg_vmm_set_rip(vp, tg_bench_rip());
	start = now_us();
	while (r == 0 && (elapsed = now_us() - start) < BENCH_MS * 1e3) {
		r = sidecar_vp_start(vp);
		if (r == 0)
			r = sidecar_vp_wait(vp, STOP_TIMEOUT_MS);
		if (r != SIDECAR_VP_INTERCEPT)
			fail("CPU %u: bench run gave %d (%s)", d->cpus[0], r,
			     sidecar_vp_error_message(vp));
		if (!tg_check_bench_out(&g, sidecar_vp_intercept_message(vp), detail,
					sizeof(detail)))
			fail("CPU %u: %s", d->cpus[0], detail);
		exits++;
		r = tg_vmm_set_rip(vp, g.next_rip);
	}
	if (r)
		fail("CPU %u: bench: %s", d->cpus[0], sidecar_vp_error_message(vp));
	d->exit_rate = (double)exits / (elapsed / 1e6);
	printf("\n== Exit rate: CPU %u's guest does OUT 0x80 in a loop, this VMM resumes it\n"
	       "%lu exits in %.0f ms: %.0f exits/s (%.1f us per exit and resume)\n",
	       d->cpus[0], exits, elapsed / 1e3, d->exit_rate, elapsed / (double)exits);
}

/* The CPU a child process pinned to `cpu` found itself on, or -1. */
static int pinned_child_cpu(uint32_t cpu)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			_exit(255);
		_exit(sched_getcpu());
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

/* One way: the last sidecar CPU becomes a Linux CPU. */
static void convert_last(struct demo *d)
{
	uint32_t i = d->count - 1, cpu = d->cpus[i];
	double start;
	int r, ran_on;

	printf("\n== Converting CPU %u to Linux: sidecar_vmm_convert_cpu() onlines it in Linux\n",
	       cpu);
	start = now_us();
	r = sidecar_vmm_convert_cpu(d->vmm, cpu);
	d->convert_ms = (now_us() - start) / 1e3;
	if (r)
		fail("convert CPU %u: %s", cpu, strerror(-r));
	ran_on = pinned_child_cpu(cpu);
	if (ran_on != (int)cpu)
		fail("a task pinned to CPU %u ran on %d", cpu, ran_on);
	r = sidecar_vp_test(d->vps[i]);
	if (r != -ENOENT)
		fail("NONE on converted CPU %u gave %d, expected -ENOENT", cpu, r);
	printf("online in Linux after %.1f ms; a task pinned to it ran on CPU %d; the library "
	       "now answers -ENOENT (%s) for it\n",
	       d->convert_ms, ran_on, strerror(-r));
}

static double uptime_s(void)
{
	FILE *f = fopen("/proc/uptime", "r");
	double up = -1;

	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = -1;
		fclose(f);
	}
	return up;
}

int main(void)
{
	struct demo d = {0};
	double linux_up = uptime_s();

	setvbuf(stdout, NULL, _IOLBF, 0);
	open_nodes(&d);
	print_table(&d, "Nodes and CPUs, as the driver reports them");
	exercise(&d);
	run_guests(&d);
	exit_rate(&d);
	convert_last(&d);
	print_table(&d, "After the conversion");
	printf("\n== Timings (guest time under QEMU TCG; the shim's bring-up figures are above "
	       "the Linux log)\n"
	       "  Linux uptime when the demo started      %8.2f s\n"
	       "  NONE round trip, mean per CPU           %8.1f us (min %.1f, max %.1f)\n"
	       "  test guest on %3u CPUs at once          %8.1f ms (%lu exits)\n"
	       "  exits handled per second, one VP        %8.0f\n"
	       "  conversion of one CPU to Linux          %8.1f ms\n",
	       linux_up, d.ping_us_sum / d.count, d.ping_us_min, d.ping_us_max, d.count,
	       d.guests_ms, d.guest_exits, d.exit_rate, d.convert_ms);
	for (uint32_t i = 0; i < d.count; i++)
		sidecar_vp_release(d.vps[i]);
	sidecar_vmm_close(d.vmm);
	printf("sidecar-demo-vmm: done\n");
	return 0;
}
