// SPDX-License-Identifier: MIT
/*
 * The random stress: `procs` worker processes of `threads` threads each,
 * every one with its own open files of every node, issue random RUN,
 * START, STOP, read, poll and close/reopen on every sidecar CPU (and on
 * base CPUs and CPUs outside the node, for the error paths) for `seconds`
 * seconds, with three kinds of command in the pages: NONE, a GET of RIP,
 * and RUN_VP of a guest that spins until STOP. A ticker thread in each
 * worker interrupts the others with signals at random, so RUNs of the
 * spinning guest end (with 0, never EINTR: the driver stops the command
 * and returns once the CPU is idle, as OpenHCL's does) and blocked reads
 * wake with EINTR. The controller
 * SIGKILLs random workers mid-run (and starts new ones) and converts a few
 * CPUs to Linux. Everything is seeded from one printed seed.
 *
 * Checked on the way: every call gives one of the errors the driver
 * documents for it (never EIO, EFAULT, EBADF...), a read returns only a
 * CPU its file started and has not read yet, each conversion succeeds.
 * Checked at the end: every worker ended by itself (no call hung), every
 * sidecar CPU is idle (or removed and online in Linux, for the converted
 * ones) and runs a command. The caller (tests/linux/tests/stress) checks
 * dmesg and rmmod.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

#define MAX_PROCS	16
#define MAX_THREADS	16
#define MAX_FAIL_LINES	20
#define FINISH_GRACE_MS 30000

enum op { OP_RUN, OP_START, OP_STOP, OP_READ, OP_POLL_READ, OP_REOPEN, OP_COUNT };
enum outcome { RES_OK, RES_BUSY, RES_NOENT, RES_INTR, RES_AGAIN, RES_INVAL, RES_COUNT };

static const char *const op_names[OP_COUNT] = {"run",  "start",	    "stop",
					       "read", "poll+read", "reopen"};
static const char *const outcome_names[RES_COUNT] = {"ok",    "EBUSY",	"ENOENT",
						     "EINTR", "EAGAIN", "EINVAL"};

/* Shared by all processes (MAP_SHARED before the forks). */
struct shared {
	_Atomic uint64_t counts[OP_COUNT][RES_COUNT];
	_Atomic unsigned int failures;
	_Atomic unsigned int converted[4096 / 32];
};

static struct shared *sh;
static uint64_t deadline_ms;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint64_t *rng, uint32_t n)
{
	return (uint32_t)(splitmix(rng) % n);
}

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...)
{
	unsigned int n = atomic_fetch_add(&sh->failures, 1);
	va_list ap;

	if (n >= MAX_FAIL_LINES)
		return;
	printf("FAIL: random: [pid %d] ", (int)getpid());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void count(enum op op, enum outcome o)
{
	atomic_fetch_add_explicit(&sh->counts[op][o], 1, memory_order_relaxed);
}

/* Classifies r (0 or -errno) against the errors `op` may give. */
static void expect(enum op op, uint32_t cpu, int r, unsigned int allowed)
{
	static const int errnos[RES_COUNT] = {0, -EBUSY, -ENOENT, -EINTR, -EAGAIN, -EINVAL};

	for (int o = 0; o < RES_COUNT; o++) {
		if (r == errnos[o] && (allowed & (1u << o))) {
			count(op, (enum outcome)o);
			return;
		}
	}
	failure("%s of CPU %u gave %d (%s), which the driver does not give for it", op_names[op],
		cpu, r, r < 0 ? strerror(-r) : "?");
}

/* ---- One worker process ---------------------------------------------- */

struct worker {
	struct st_system *s; /* this process's files: a reopen rewrites an entry */
	/* The node layout, for lookups without the locks: never rewritten. */
	const struct st_system *layout;
	uint64_t seed;
	pthread_rwlock_t locks[ST_MAX_NODES]; /* readers: calls on the fd; writer: reopen */
	_Atomic int *pending;		      /* per CPU: starts not yet read */
	pthread_t threads[MAX_THREADS];
	unsigned int nthreads;
	_Atomic unsigned int running; /* threads that have not returned yet */
};

static void on_signal(int sig)
{
	(void)sig;
}

static unsigned int node_of(const struct st_system *s, uint32_t cpu)
{
	return (unsigned int)(st_node_of((struct st_system *)s, cpu) - s->nodes);
}

/* A CPU to aim at: mostly sidecar CPUs, sometimes a base CPU or none. */
static uint32_t pick_cpu(const struct st_system *s, uint64_t *rng, bool *in_node)
{
	uint32_t k = below(rng, 100);

	*in_node = true;
	if (k < 3)
		return s->nodes[below(rng, s->node_count)].base_cpu;
	if (k < 5) {
		*in_node = false;
		return s->nodes[s->node_count - 1].base_cpu +
		       s->nodes[s->node_count - 1].cpu_count + below(rng, 4);
	}
	return s->cpus[below(rng, s->cpu_count)];
}

static enum st_command pick_command(uint64_t *rng)
{
	uint32_t k = below(rng, 10);

	return k < 4 ? ST_CMD_NONE : k < 7 ? ST_CMD_GET_RIP : ST_CMD_SPIN;
}

#define A(o) (1u << (o))

/* A read returned `cpu`: it must be one this process's file started. */
static void got_completion(struct worker *w, struct st_node *n, int r)
{
	if (r < 0)
		return;
	if ((uint32_t)r < n->base_cpu || (uint32_t)r - n->base_cpu >= n->cpu_count) {
		failure("read returned CPU %d, outside node %u", r,
			(unsigned int)(n - w->s->nodes));
		return;
	}
	if (atomic_fetch_sub(&w->pending[r], 1) <= 0) {
		atomic_fetch_add(&w->pending[r], 1);
		failure("read returned CPU %d, which this file did not start (or read already)", r);
	}
}

static void one_op(struct worker *w, uint64_t *rng)
{
	struct st_system *s = w->s;
	bool in_node;
	uint32_t cpu = pick_cpu(w->layout, rng, &in_node);
	unsigned int ni = in_node ? node_of(w->layout, cpu) : s->node_count - 1;
	struct st_node *n = &s->nodes[ni];
	enum op op = (enum op)below(rng, 100);
	struct pollfd p;
	uint32_t buf;
	int r;

	/* Weights: run 25, start 25, stop 20, read 15, poll 13, reopen 2. */
	op = op < 25   ? OP_RUN
	     : op < 50 ? OP_START
	     : op < 70 ? OP_STOP
	     : op < 85 ? OP_READ
	     : op < 98 ? OP_POLL_READ
		       : OP_REOPEN;

	if (op == OP_REOPEN) {
		pthread_rwlock_wrlock(&w->locks[ni]);
		st_close_node(n);
		r = st_open_node(n, ni, O_RDWR);
		if (r < 0)
			failure("reopen /dev/" ST_DEVICE "%u: %s", ni, strerror(-r));
		for (uint32_t i = 0; i < n->cpu_count; i++)
			atomic_store(&w->pending[n->base_cpu + i], 0);
		count(op, RES_OK);
		pthread_rwlock_unlock(&w->locks[ni]);
		return;
	}

	pthread_rwlock_rdlock(&w->locks[ni]);
	if (n->fd < 0) {
		pthread_rwlock_unlock(&w->locks[ni]);
		return;
	}
	switch (op) {
	case OP_RUN:
		if (in_node)
			st_write_command(st_page(n, cpu), pick_command(rng));
		r = st_ioctl(n->fd, SIDECAR_IOCTL_RUN, cpu);
		expect(op, cpu, r, in_node ? A(RES_OK) | A(RES_BUSY) | A(RES_NOENT) : A(RES_INVAL));
		break;
	case OP_START:
		if (in_node) {
			st_write_command(st_page(n, cpu), pick_command(rng));
			atomic_fetch_add(&w->pending[cpu], 1);
		}
		r = st_ioctl(n->fd, SIDECAR_IOCTL_START, cpu);
		if (r < 0 && in_node)
			atomic_fetch_sub(&w->pending[cpu], 1);
		expect(op, cpu, r, in_node ? A(RES_OK) | A(RES_BUSY) | A(RES_NOENT) : A(RES_INVAL));
		break;
	case OP_STOP:
		r = st_ioctl(n->fd, SIDECAR_IOCTL_STOP, cpu);
		expect(op, cpu, r, in_node ? A(RES_OK) | A(RES_BUSY) | A(RES_NOENT) : A(RES_INVAL));
		break;
	case OP_READ: {
		/* The file is blocking: this read may wait for a signal. */
		ssize_t got = read(n->fd, &buf, sizeof(buf));

		r = got == sizeof(buf) ? (int)buf : got < 0 ? -errno : -EPROTO;
		got_completion(w, n, r);
		expect(op, cpu, r < 0 ? r : 0, A(RES_OK) | A(RES_INTR));
		break;
	}
	case OP_POLL_READ:
		p = (struct pollfd){.fd = n->fd, .events = POLLIN};
		r = poll(&p, 1, (int)below(rng, 50));
		if (r == 1) {
			r = st_read_cpu(n->fd, NULL);
			got_completion(w, n, r);
			expect(op, cpu, r < 0 ? r : 0, A(RES_OK) | A(RES_INTR));
		} else {
			count(op, RES_AGAIN);
		}
		break;
	default:
		break;
	}
	pthread_rwlock_unlock(&w->locks[ni]);
}

struct thread_arg {
	struct worker *w;
	uint64_t seed;
};

static void *worker_thread(void *arg)
{
	struct thread_arg *a = arg;
	uint64_t rng = a->seed;

	while (test_now_ms() < deadline_ms)
		one_op(a->w, &rng);
	atomic_fetch_sub(&a->w->running, 1);
	return NULL;
}

/*
 * Signals the worker threads at random, so blocked calls come back, until
 * every one has returned. Their threads are joined only afterwards: a
 * joined thread's handle must not be signalled.
 */
static void ticker(struct worker *w)
{
	uint64_t rng = w->seed ^ 0x7469636b6572ull;

	while (atomic_load(&w->running)) {
		test_sleep_ms(20 + below(&rng, 180));
		pthread_kill(w->threads[below(&rng, w->nthreads)], SIGUSR1);
	}
	for (unsigned int t = 0; t < w->nthreads; t++)
		pthread_join(w->threads[t], NULL);
}

static void worker_main(struct st_system *parent, uint64_t seed, unsigned int nthreads)
{
	struct st_system *s = malloc(sizeof(*s));
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	struct thread_arg args[MAX_THREADS];
	pthread_rwlockattr_t attr;
	struct worker w = {
		.s = s, .layout = parent, .seed = seed, .nthreads = nthreads, .running = nthreads};
	int r;

	if (!s)
		_exit(20);
	sigaction(SIGUSR1, &sa, NULL);
	memcpy(s, parent, sizeof(*s));
	s->node_count = 0;
	r = st_open_nodes(s, O_RDWR);
	if (r < 0) {
		failure("worker: open the nodes: %s", strerror(-r));
		_exit(21);
	}
	w.pending = calloc(4096, sizeof(*w.pending));
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (unsigned int i = 0; i < s->node_count; i++)
		pthread_rwlock_init(&w.locks[i], &attr);
	for (unsigned int t = 0; t < nthreads; t++) {
		args[t] = (struct thread_arg){.w = &w, .seed = seed + 0x1000 * (t + 1)};
		pthread_create(&w.threads[t], NULL, worker_thread, &args[t]);
	}
	ticker(&w);
	/* Closing stops whatever this process still has running. */
	st_close_nodes(s);
	_exit(0);
}

/* ---- The controller ---------------------------------------------------- */

static pid_t spawn(struct st_system *s, uint64_t seed, unsigned int threads)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(s, seed, threads);
	return pid;
}

static bool online(uint32_t cpu)
{
	char path[96], c = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1';
}

static int convert(uint32_t cpu)
{
	char path[96];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) < 0)
		r = -errno;
	close(fd);
	return r;
}

static bool is_converted(uint32_t cpu)
{
	return atomic_load(&sh->converted[cpu / 32]) & (1u << (cpu % 32));
}

static void final_checks(struct st_system *s)
{
	struct st_system fresh;
	int r;

	memset(&fresh, 0, sizeof(fresh));
	r = st_open_nodes(&fresh, O_RDWR);
	st_check(r == 0, "random", "open the nodes after the run: %s", strerror(-r));
	for (uint32_t i = 0; i < s->cpu_count; i++) {
		uint32_t cpu = s->cpus[i];
		unsigned int ni = node_of(s, cpu);
		char word[32];

		if (is_converted(cpu)) {
			st_check(!strcmp(st_status(ni, cpu, word, sizeof(word)), "removed") &&
					 online(cpu),
				 "random", "converted CPU %u is \"%s\" (online %d)", cpu, word,
				 online(cpu));
			continue;
		}
		st_check(st_wait_status(ni, cpu, "idle", 10000), "random",
			 "CPU %u is \"%s\" after the run, expected idle", cpu,
			 st_status(ni, cpu, word, sizeof(word)));
		if (r == 0) {
			int rr;

			st_write_command(st_page(&fresh.nodes[ni], cpu), ST_CMD_NONE);
			rr = st_ioctl(fresh.nodes[ni].fd, SIDECAR_IOCTL_RUN, cpu);
			st_check(rr == 0, "random", "CPU %u: RUN after the run: %d", cpu, rr);
		}
	}
	if (r == 0)
		st_close_nodes(&fresh);
}

void st_random(struct st_system *s, uint64_t seed, unsigned int seconds, unsigned int procs,
	       unsigned int threads, unsigned int conversions)
{
	pid_t pids[MAX_PROCS];
	unsigned int failed = st_failed, kills = 0, spawned = 0, converted = 0, gen = 0;
	uint64_t rng = seed, start = test_now_ms();
	int status;

	procs = procs < 1 ? 1 : procs > MAX_PROCS ? MAX_PROCS : procs;
	threads = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
	printf("random: seed %llu, %u s, %u processes of %u threads, up to %u conversions, "
	       "%u sidecar CPUs\n",
	       (unsigned long long)seed, seconds, procs, threads, conversions, s->cpu_count);
	fflush(stdout);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		st_check(false, "random", "mmap: %s", strerror(errno));
		return;
	}
	memset(sh, 0, sizeof(*sh));
	deadline_ms = start + (uint64_t)seconds * 1000;
	for (unsigned int p = 0; p < procs; p++, spawned++)
		pids[p] = spawn(s, splitmix(&rng) ^ gen++, threads);

	while (test_now_ms() + 500 < deadline_ms) {
		unsigned int p = below(&rng, procs);

		test_sleep_ms(300 + below(&rng, 1200));
		/* Conversion k at (k + 1) / (conversions + 1) of the run. */
		if (converted < conversions && test_now_ms() - start >= (uint64_t)seconds * 1000 *
										(converted + 1) /
										(conversions + 1)) {
			uint32_t cpu = s->cpus[below(&rng, s->cpu_count)];
			int r;

			/* Keep one CPU in the sidecar. */
			if (s->cpu_count - converted <= 1) {
				converted = conversions;
				continue;
			}
			while (is_converted(cpu))
				cpu = s->cpus[below(&rng, s->cpu_count)];
			r = convert(cpu);
			st_check(r == 0, "random", "converting CPU %u during the run: %s", cpu,
				 strerror(-r));
			if (r == 0) {
				atomic_fetch_or(&sh->converted[cpu / 32], 1u << (cpu % 32));
				printf("random: converted CPU %u at %llu ms\n", cpu,
				       (unsigned long long)(test_now_ms() - start));
			}
			converted++;
			continue;
		}
		kill(pids[p], SIGKILL);
		while (waitpid(pids[p], &status, 0) < 0 && errno == EINTR)
			;
		kills++;
		pids[p] = spawn(s, splitmix(&rng) ^ gen++, threads);
		spawned++;
	}

	/* Every worker must end by itself once the time is up. */
	for (unsigned int p = 0; p < procs; p++) {
		uint64_t until = deadline_ms + FINISH_GRACE_MS;
		pid_t got = 0;

		while (test_now_ms() < until && (got = waitpid(pids[p], &status, WNOHANG)) == 0)
			test_sleep_ms(50);
		if (got != pids[p]) {
			st_check(false, "random", "worker %d did not finish %u ms after the end",
				 (int)pids[p], FINISH_GRACE_MS);
			kill(pids[p], SIGKILL);
			waitpid(pids[p], &status, 0);
			continue;
		}
		st_check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "random",
			 "worker %d ended with status %#x", (int)pids[p], status);
	}
	st_failed += atomic_load(&sh->failures);
	st_passed += 1;
	printf("random: %u workers (%u killed mid-run), %u conversions, %llu ms\n", spawned, kills,
	       converted, (unsigned long long)(test_now_ms() - start));
	for (int op = 0; op < OP_COUNT; op++) {
		printf("random: %-9s", op_names[op]);
		for (int o = 0; o < RES_COUNT; o++)
			if (atomic_load(&sh->counts[op][o]))
				printf(" %s %llu", outcome_names[o],
				       (unsigned long long)atomic_load(&sh->counts[op][o]));
		putchar('\n');
	}
	final_checks(s);
	if (st_failed == failed)
		printf("PASS: random (seed %llu)\n", (unsigned long long)seed);
	munmap(sh, sizeof(*sh));
}
