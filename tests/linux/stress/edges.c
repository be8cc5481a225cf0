// SPDX-License-Identifier: MIT
/*
 * The driver's edges, each deterministic (docs/driver.md):
 *
 * - edges: RUN/START/STOP on a file opened read-only fail with EBADF; a
 *   read() into a bad buffer fails with EFAULT and leaves the completion
 *   for the next read; a read whose copy faults while another file takes
 *   the CPU cannot hand out a stale completion (userfaultfd holds the copy
 *   in its fault while the other file tries).
 * - escalate: with the STOP request IPI dropped (inject_drop_stop_ipi),
 *   STOP and a RUN interrupted by a signal still end, by the NMI.
 * - lost: with the NMI dropped too, the CPU is given up: the RUN returns
 *   EIO within the bound, the killed owner of a START dies within it,
 *   sysfs says "lost", every later ioctl EIO, conversion is refused.
 * - recovered: after rmmod and insmod, every CPU of the sidecar is idle
 *   and runs commands again (the new load finds the lost ones in STOP and
 *   asks again).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

/* Bounds the fault parts use (module parameters, set for the part). */
#define STOP_MS	  "1000"
#define NMI_MS	  "2000"
#define STOP_MS_N 1000
#define NMI_MS_N  2000
/* stop + nmi + the watchdog's ticks, and slack for a loaded TCG host. */
#define BOUND_MS (STOP_MS_N + NMI_MS_N + 3000 + 5000)

static uint32_t node_index(struct st_system *s, struct st_node *n)
{
	return (uint32_t)(n - s->nodes);
}

/* Waits until `fd` has a completion, up to timeout_ms. */
static bool wait_readable(int fd, unsigned int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, (int)timeout_ms) == 1 && (p.revents & POLLIN);
}

static void part_ebadf(struct st_system *s)
{
	uint32_t cpu = s->cpus[0];
	struct st_node ro, *n = st_node_of(s, cpu);
	int r;

	r = st_open_node(&ro, node_index(s, n), O_RDONLY);
	st_check(r == 0, "ebadf", "open /dev/" ST_DEVICE "%u read-only: %s", node_index(s, n),
		 strerror(-r));
	if (r)
		return;
	r = st_ioctl(ro.fd, SIDECAR_IOCTL_RUN, cpu);
	st_check(r == -EBADF, "ebadf", "RUN on a read-only file gave %d, expected EBADF", r);
	r = st_ioctl(ro.fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == -EBADF, "ebadf", "START on a read-only file gave %d, expected EBADF", r);
	r = st_ioctl(ro.fd, SIDECAR_IOCTL_STOP, cpu);
	st_check(r == -EBADF, "ebadf", "STOP on a read-only file gave %d, expected EBADF", r);
	st_check(ro.cpu_count == n->cpu_count, "ebadf", "INFO on a read-only file: %u CPUs",
		 ro.cpu_count);
	st_close_node(&ro);
	/* The CPU was not touched: it runs a command for a writable file. */
	st_write_command(st_page(n, cpu), ST_CMD_NONE);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
	st_check(r == 0, "ebadf", "CPU %u: RUN on the writable file afterwards: %d", cpu, r);
}

static void part_efault(struct st_system *s)
{
	uint32_t cpu = s->cpus[0];
	struct st_node *n = st_node_of(s, cpu);
	int flags = fcntl(n->fd, F_GETFL), r;

	st_write_command(st_page(n, cpu), ST_CMD_NONE);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == 0, "efault", "CPU %u: START: %d", cpu, r);
	st_check(wait_readable(n->fd, 30000), "efault", "CPU %u: no completion to read", cpu);
	r = st_read_cpu(n->fd, (void *)16);
	st_check(r == -EFAULT, "efault", "read into address 16 gave %d, expected EFAULT", r);
	/* Nobody can start the CPU: the completion is still unread. */
	r = st_ioctl(n->fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == -EBUSY, "efault",
		 "CPU %u: START after the failed read gave %d, expected EBUSY", cpu, r);
	fcntl(n->fd, F_SETFL, flags | O_NONBLOCK);
	r = st_read_cpu(n->fd, NULL);
	st_check(r == (int)cpu, "efault", "the read after EFAULT gave %d, expected CPU %u", r, cpu);
	r = st_read_cpu(n->fd, NULL);
	st_check(r == -EAGAIN, "efault", "a second read gave %d, expected EAGAIN", r);
	fcntl(n->fd, F_SETFL, flags);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
	st_check(r == 0, "efault", "CPU %u: RUN after the reads: %d", cpu, r);
}

struct faulting_read {
	int fd;
	void *buf;
	int result;
};

static void *faulting_read(void *arg)
{
	struct faulting_read *fr = arg;

	fr->result = st_read_cpu(fr->fd, fr->buf);
	return NULL;
}

/*
 * File A's read of CPU X's completion faults on a userfaultfd page and is
 * held there. Meanwhile file B tries to START X, which must fail (X is
 * still A's: the completion is consumed only by a successful copy). Then
 * the page is unmapped and the fault woken: A's read fails with EFAULT,
 * and A's next read still gets X, once. Before the fix, the read freed X
 * before copying: B could start, end and read X in between, and A's
 * failed read then put a stale completion of X back into A's queue.
 */
static void part_stale(struct st_system *s)
{
	uint32_t cpu = s->cpus[0];
	struct st_node *n = st_node_of(s, cpu), b;
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg;
	struct uffdio_range range;
	struct faulting_read fr;
	struct uffd_msg msg;
	struct pollfd p;
	pthread_t thread;
	long page = sysconf(_SC_PAGESIZE);
	void *buf;
	int uffd, r;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	st_check(uffd >= 0, "stale", "userfaultfd: %s", strerror(errno));
	if (uffd < 0)
		return;
	r = ioctl(uffd, UFFDIO_API, &api);
	st_check(r == 0, "stale", "UFFDIO_API: %s", strerror(errno));
	buf = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg = (struct uffdio_register){
		.range = {.start = (uintptr_t)buf, .len = (uint64_t)page},
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	r = buf == MAP_FAILED ? -1 : ioctl(uffd, UFFDIO_REGISTER, &reg);
	st_check(r == 0, "stale", "UFFDIO_REGISTER: %s", strerror(errno));
	r = st_open_node(&b, node_index(s, n), O_RDWR);
	st_check(r == 0, "stale", "open a second file: %s", strerror(-r));
	if (r) {
		close(uffd);
		return;
	}

	st_write_command(st_page(n, cpu), ST_CMD_NONE);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == 0 && wait_readable(n->fd, 30000), "stale", "CPU %u: START and end: %d", cpu,
		 r);
	fr = (struct faulting_read){.fd = n->fd, .buf = buf, .result = 1};
	pthread_create(&thread, NULL, faulting_read, &fr);
	p = (struct pollfd){.fd = uffd, .events = POLLIN};
	r = poll(&p, 1, 30000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT;
	st_check(r, "stale", "the read's copy did not fault on the userfaultfd page");

	/* While A's copy is held: B must not get the CPU. */
	st_write_command(st_page(&b, cpu), ST_CMD_NONE);
	r = st_ioctl(b.fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == -EBUSY, "stale",
		 "CPU %u: another file's START while the owner's read copies gave %d, expected "
		 "EBUSY",
		 cpu, r);
	if (r == 0 && wait_readable(b.fd, 30000))
		st_read_cpu(b.fd, NULL);

	/* Fail the copy: no page there any more, then wake the fault. */
	munmap(buf, (size_t)page);
	range = (struct uffdio_range){.start = (uintptr_t)buf, .len = (uint64_t)page};
	ioctl(uffd, UFFDIO_WAKE, &range);
	pthread_join(thread, NULL);
	close(uffd);
	st_check(fr.result == -EFAULT, "stale", "the held read gave %d, expected EFAULT",
		 fr.result);
	r = st_read_cpu(n->fd, NULL);
	st_check(r == (int)cpu, "stale", "the read after EFAULT gave %d, expected CPU %u", r, cpu);
	r = st_ioctl(b.fd, SIDECAR_IOCTL_RUN, cpu);
	st_check(r == 0, "stale", "CPU %u: RUN by the other file afterwards: %d", cpu, r);
	st_close_node(&b);
}

void st_edges(struct st_system *s)
{
	unsigned int failed = st_failed;

	part_ebadf(s);
	part_efault(s);
	part_stale(s);
	if (st_failed == failed)
		printf("PASS: edges (EBADF on a read-only file; EFAULT keeps the completion; "
		       "no stale completion from a read racing another file)\n");
}

static void set_bounds(const char *part)
{
	int r = st_set_param("stop_timeout_ms", STOP_MS);

	if (r == 0)
		r = st_set_param("nmi_timeout_ms", NMI_MS);
	st_check(r == 0, part, "set stop_timeout_ms/nmi_timeout_ms: %s", strerror(-r));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Spins CPU `cpu` with START and waits until sysfs says run. */
static bool start_spin(struct st_system *s, struct st_node *n, uint32_t cpu, const char *part)
{
	int r;

	st_write_command(st_page(n, cpu), ST_CMD_SPIN);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == 0, part, "CPU %u: START the spinning guest: %d", cpu, r);
	if (r)
		return false;
	test_sleep_ms(200);
	r = st_wait_status(node_index(s, n), cpu, "run", 100);
	st_check(r, part, "CPU %u is not running its spinning guest", cpu);
	return r;
}

void st_escalate(struct st_system *s)
{
	uint32_t cpu = s->cpus[0];
	struct st_node *n = st_node_of(s, cpu);
	struct sigaction sa = {.sa_handler = on_alarm};
	unsigned int failed = st_failed;
	uint64_t t0, ms;
	int r;

	set_bounds("escalate");
	r = st_set_param("inject_drop_stop_ipi", "1");
	st_check(r == 0, "escalate", "set inject_drop_stop_ipi: %s", strerror(-r));

	/* STOP of a START: the end comes through read, after the NMI. */
	if (start_spin(s, n, cpu, "escalate")) {
		t0 = test_now_ms();
		r = st_ioctl(n->fd, SIDECAR_IOCTL_STOP, cpu);
		st_check(r == 0, "escalate", "CPU %u: STOP: %d", cpu, r);
		r = wait_readable(n->fd, BOUND_MS) ? st_read_cpu(n->fd, NULL) : -ETIMEDOUT;
		ms = test_now_ms() - t0;
		st_check(r == (int)cpu, "escalate",
			 "CPU %u: the stopped START ended with %d after %llu ms", cpu, r,
			 (unsigned long long)ms);
		st_check(ms >= STOP_MS_N - 100, "escalate",
			 "CPU %u stopped after %llu ms, before the STOP bound: the IPI was not "
			 "dropped",
			 cpu, (unsigned long long)ms);
		printf("escalate: CPU %u: STOP without its IPI ended by the NMI after %llu ms\n",
		       cpu, (unsigned long long)ms);
		/* Ended by the CPU itself, not given up: it is idle, not lost. */
		r = st_wait_status(node_index(s, n), cpu, "idle", 1000);
		st_check(r, "escalate", "CPU %u is not idle after the NMI ended its STOP", cpu);
	}

	/* A RUN interrupted by a signal: 0 once the NMI ended it (OpenHCL's
	 * driver returns 0 too; the command page holds the outcome). */
	sigaction(SIGALRM, &sa, NULL);
	st_write_command(st_page(n, cpu), ST_CMD_SPIN);
	alarm(1);
	t0 = test_now_ms();
	r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
	ms = test_now_ms() - t0;
	st_check(r == 0, "escalate", "CPU %u: RUN interrupted by SIGALRM gave %d, expected 0", cpu,
		 r);
	st_check(ms < 1000 + BOUND_MS, "escalate", "CPU %u: the interrupted RUN took %llu ms", cpu,
		 (unsigned long long)ms);
	printf("escalate: CPU %u: RUN interrupted, ended by the NMI after %llu ms\n", cpu,
	       (unsigned long long)ms);

	st_set_param("inject_drop_stop_ipi", "0");
	r = st_wait_status(node_index(s, n), cpu, "idle", 1000);
	st_check(r, "escalate", "CPU %u is not idle after the escalations", cpu);
	st_write_command(st_page(n, cpu), ST_CMD_NONE);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
	st_check(r == 0, "escalate", "CPU %u: RUN after the escalations: %d", cpu, r);
	if (st_failed == failed)
		printf("PASS: escalate (a STOP whose IPI is lost ends by the NMI, for START and "
		       "RUN)\n");
}

/* A VMM that starts the spinning guest on `cpu`, says so, and waits to die. */
static void doomed_vmm(uint32_t node, uint32_t cpu, int ready)
{
	struct st_node n;
	char byte = 1;

	if (st_open_node(&n, node, O_RDWR) < 0)
		_exit(10);
	st_write_command(st_page(&n, cpu), ST_CMD_SPIN);
	if (st_ioctl(n.fd, SIDECAR_IOCTL_START, cpu) < 0)
		_exit(11);
	if (write(ready, &byte, 1) != 1)
		_exit(12);
	for (;;)
		pause();
}

static void check_lost_cpu(struct st_system *s, struct st_node *n, uint32_t cpu)
{
	char word[32], path[96];
	int fd, r;

	st_check(!strcmp(st_status(node_index(s, n), cpu, word, sizeof(word)), "lost"), "lost",
		 "CPU %u is \"%s\" in sysfs, expected lost", cpu, word);
	st_write_command(st_page(n, cpu), ST_CMD_NONE);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
	st_check(r == -EIO, "lost", "CPU %u: RUN on the lost CPU gave %d, expected EIO", cpu, r);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_START, cpu);
	st_check(r == -EIO, "lost", "CPU %u: START on the lost CPU gave %d, expected EIO", cpu, r);
	r = st_ioctl(n->fd, SIDECAR_IOCTL_STOP, cpu);
	st_check(r == -EIO, "lost", "CPU %u: STOP on the lost CPU gave %d, expected EIO", cpu, r);
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : (write(fd, "1", 1) < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	st_check(r == -EIO, "lost", "CPU %u: onlining the lost CPU gave %d, expected EIO", cpu, r);
}

void st_lost(struct st_system *s)
{
	uint32_t cpu = s->cpus[0], cpu2 = s->cpus[s->cpu_count - 1];
	struct st_node *n = st_node_of(s, cpu), *n2 = st_node_of(s, cpu2);
	struct sigaction sa = {.sa_handler = on_alarm};
	unsigned int failed = st_failed;
	int fds[2], status = 0, r;
	uint64_t t0, ms;
	struct pollfd p;
	char byte;
	pid_t pid;

	set_bounds("lost");
	r = st_set_param("inject_drop_stop_ipi", "1");
	if (r == 0)
		r = st_set_param("inject_drop_nmi", "1");
	st_check(r == 0, "lost", "set the fault injection: %s", strerror(-r));

	/* The RUN of a VMM: EIO within the bound. */
	sigaction(SIGALRM, &sa, NULL);
	st_write_command(st_page(n, cpu), ST_CMD_SPIN);
	alarm(1);
	t0 = test_now_ms();
	r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
	ms = test_now_ms() - t0;
	st_check(r == -EIO, "lost",
		 "CPU %u: RUN whose STOP and NMI were dropped gave %d, expected EIO", cpu, r);
	st_check(ms < 1000 + BOUND_MS, "lost", "CPU %u: the RUN returned after %llu ms", cpu,
		 (unsigned long long)ms);
	printf("lost: CPU %u: RUN gave %d (%s) after %llu ms\n", cpu, r, strerror(-r),
	       (unsigned long long)ms);
	check_lost_cpu(s, n, cpu);

	/* A VMM killed while its START spins: it dies within the bound. */
	if (cpu2 != cpu && pipe(fds) == 0) {
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			doomed_vmm(node_index(s, n2), cpu2, fds[1]);
		}
		close(fds[1]);
		p = (struct pollfd){.fd = fds[0], .events = POLLIN};
		r = poll(&p, 1, 30000) == 1 && read(fds[0], &byte, 1) == 1;
		close(fds[0]);
		st_check(r, "lost", "the VMM to be killed did not start CPU %u", cpu2);
		test_sleep_ms(200);
		t0 = test_now_ms();
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		ms = test_now_ms() - t0;
		st_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "lost",
			 "the VMM ended with status %#x instead of being killed", status);
		st_check(ms < BOUND_MS, "lost", "the killed VMM took %llu ms to die",
			 (unsigned long long)ms);
		printf("lost: a VMM killed while CPU %u spun died after %llu ms\n", cpu2,
		       (unsigned long long)ms);
		check_lost_cpu(s, n2, cpu2);
	}
	st_set_param("inject_drop_stop_ipi", "0");
	st_set_param("inject_drop_nmi", "0");
	if (st_failed == failed)
		printf("PASS: lost (a CPU that answers neither STOP nor the NMI: EIO, killable, "
		       "lost in sysfs, not onlined)\n");
}

void st_recovered(struct st_system *s)
{
	unsigned int failed = st_failed;

	for (uint32_t i = 0; i < s->cpu_count; i++) {
		uint32_t cpu = s->cpus[i];
		struct st_node *n = st_node_of(s, cpu);
		char word[32];
		int r;

		if (!st_wait_status(node_index(s, n), cpu, "idle", 10000)) {
			st_check(!strcmp(st_status(node_index(s, n), cpu, word, sizeof(word)),
					 "removed"),
				 "recovered", "CPU %u is \"%s\" after the reload, expected idle",
				 cpu, word);
			continue;
		}
		st_write_command(st_page(n, cpu), ST_CMD_NONE);
		r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
		st_check(r == 0, "recovered", "CPU %u: RUN after the reload: %d", cpu, r);
	}
	if (st_failed == failed)
		printf("PASS: recovered (every sidecar CPU idle and running commands after the "
		       "reload)\n");
}
