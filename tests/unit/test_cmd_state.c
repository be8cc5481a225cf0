// SPDX-License-Identifier: MIT
/*
 * sidecar.ko's per-CPU command state machine (driver/cmd_state.c), the
 * same source the module compiles, on a user-space platform: every rule
 * docs/driver.md states for RUN, START, STOP, read and close, one test
 * each, then real threads — emulated sidecar CPUs, an interrupt thread,
 * VMM threads on several files and a meddler — that start, stop, read
 * and close at once and check that nothing is lost, duplicated or stopped
 * by the wrong file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sidecar/control_ops.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_state.h"

#define NCPU 8

static struct sidecar_control_page cp;

static struct {
	pthread_mutex_t lock; /* the node lock */
	pthread_cond_t cond;  /* the machine's wake-ups */
	struct scmd_node m;
	struct scmd_vp cpus[NCPU];
	atomic_uint requests[NCPU][3]; /* by enum scmd_request */
	atomic_uint busy_calls;
	atomic_uint vanished_calls;
	/* The emulated CPUs and the interrupt thread. */
	atomic_bool quit;
	atomic_bool spin[NCPU]; /* the command runs until STOP */
	pthread_t cpu_threads[NCPU], irq;
	bool threads;
} p;

static void op_send_request(void *ctx, unsigned int i, enum scmd_request why)
{
	(void)ctx;
	atomic_fetch_add(&p.requests[i][why], 1);
}

static void op_node_busy(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&p.busy_calls, 1);
}

static void op_wake_cpu(void *ctx, unsigned int i)
{
	(void)ctx;
	(void)i;
	pthread_cond_broadcast(&p.cond);
}

static void op_wake_node(void *ctx)
{
	(void)ctx;
	pthread_cond_broadcast(&p.cond);
}

static enum scmd_gone op_vanished(void *ctx, unsigned int i)
{
	(void)ctx;
	(void)i;
	atomic_fetch_add(&p.vanished_calls, 1);
	return SCMD_GONE_VANISHED;
}

static const struct scmd_ops ops = {
	.send_request = op_send_request,
	.node_busy = op_node_busy,
	.wake_cpu = op_wake_cpu,
	.wake_node = op_wake_node,
	.vanished = op_vanished,
};

static uint8_t status(unsigned int i)
{
	return sidecar_cpu_status(&cp, i);
}

static unsigned int requests(unsigned int i, enum scmd_request why)
{
	return atomic_load(&p.requests[i][why]);
}

/* Node 10..17: CPU 0 is the base (Linux's), the others IDLE. */
static void setup(void)
{
	memset(&cp, 0, sizeof(cp));
	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	sidecar_cpu_status_publish(&cp, 0, SIDECAR_CPU_STATUS_REMOVED);
	for (unsigned int i = 1; i < NCPU; i++)
		sidecar_cpu_status_publish(&cp, i, SIDECAR_CPU_STATUS_IDLE);
	scmd_node_init(&p.m, &cp, 10, NCPU, p.cpus, &ops, NULL);
	p.cpus[0].gone = SCMD_GONE_LINUX;
}

struct file {
	struct scmd_file f;
	unsigned int ring[NCPU];
};

static void file_init(struct file *f)
{
	scmd_file_init(&f->f, &p.m, f->ring);
}

/* ---- The ioctls as dev.c sequences them, without sleeping ---- */

static int start(struct file *f, unsigned int i, bool async)
{
	int r;

	pthread_mutex_lock(&p.lock);
	r = scmd_start_locked(&p.m, &f->f, i, async);
	pthread_mutex_unlock(&p.lock);
	return r;
}

static int stop(struct file *f, unsigned int i)
{
	int r;

	pthread_mutex_lock(&p.lock);
	r = scmd_stop_locked(&p.m, &f->f, i);
	pthread_mutex_unlock(&p.lock);
	return r;
}

static bool cancel(unsigned int i)
{
	bool r;

	pthread_mutex_lock(&p.lock);
	r = scmd_cancel_locked(&p.m, i);
	pthread_mutex_unlock(&p.lock);
	return r;
}

static int finish(unsigned int i)
{
	int r;

	pthread_mutex_lock(&p.lock);
	r = scmd_run_finish_locked(&p.m, i);
	pthread_mutex_unlock(&p.lock);
	return r;
}

/* read(2) on a non-blocking file: the CPU number, or -EAGAIN. */
static long rd(struct file *f)
{
	unsigned int i;

	for (;;) {
		pthread_mutex_lock(&p.lock);
		if (!scmd_read_peek_locked(&f->f, &i)) {
			pthread_mutex_unlock(&p.lock);
			return -EAGAIN;
		}
		pthread_mutex_unlock(&p.lock);
		/* (the copy to user space) */
		pthread_mutex_lock(&p.lock);
		if (scmd_read_consume_locked(&f->f, i)) {
			pthread_mutex_unlock(&p.lock);
			return 10 + (long)i;
		}
		pthread_mutex_unlock(&p.lock);
	}
}

/* The emulated CPU answers: `to` published, attention, the driver's scan. */
static void answer(unsigned int i, uint8_t to)
{
	sidecar_cpu_status_publish(&cp, i, to);
	sidecar_raise_attention(&cp);
	pthread_mutex_lock(&p.lock);
	sidecar_take_attention(&cp);
	scmd_scan_locked(&p.m);
	pthread_mutex_unlock(&p.lock);
}

static void lose(unsigned int i)
{
	pthread_mutex_lock(&p.lock);
	scmd_lose_locked(&p.m, i);
	pthread_mutex_unlock(&p.lock);
}

TestSuite(cmd_state, .init = setup, .timeout = 120);

/* ---- The rules, one by one ---- */

Test(cmd_state, cpu_numbers)
{
	unsigned int i = 99;

	cr_expect_eq(scmd_vp_index(&p.m, 9, &i), -EINVAL);
	cr_expect_eq(scmd_vp_index(&p.m, 18, &i), -EINVAL);
	cr_expect_eq(scmd_vp_index(&p.m, (unsigned long)-1, &i), -EINVAL);
	cr_expect_eq(i, 99u);
	cr_expect_eq(scmd_vp_index(&p.m, 17, &i), 0);
	cr_expect_eq(i, 7u);
	/* An int in OpenHCL's user space: only the low 32 bits count. */
	cr_expect_eq(scmd_vp_index(&p.m, (1ul << 32) | 12, &i), 0);
	cr_expect_eq(i, 2u);
}

Test(cmd_state, start)
{
	struct file a, b;

	file_init(&a);
	file_init(&b);
	cr_expect_eq(start(&a, 0, false), -ENOENT, "the base CPU is Linux's");
	cr_expect_eq(start(&a, 1, true), 0);
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(requests(1, SCMD_REQUEST_START), 1u);
	cr_expect_eq(atomic_load(&p.busy_calls), 1u, "the watchdog is kicked once");
	cr_expect_eq(start(&a, 1, true), -EBUSY, "own running START");
	cr_expect_eq(start(&b, 1, false), -EBUSY, "another file's START");
	cr_expect_eq(requests(1, SCMD_REQUEST_START), 1u);
	cr_expect_eq(start(&b, 2, true), 0);
	cr_expect_eq(atomic_load(&p.busy_calls), 1u, "already busy");
	cr_expect_eq(a.f.nactive, 1u);
	cr_expect_eq(b.f.nactive, 1u);

	/* Free but not IDLE: EBUSY (the unit tests' old driver said EIO;
	 * OpenHCL's WARNs and sends the IPI anyway). */
	sidecar_cpu_status_publish(&cp, 3, SIDECAR_CPU_STATUS_STOP);
	cr_expect_eq(start(&a, 3, false), -EBUSY);
	cr_expect_eq(status(3), SIDECAR_CPU_STATUS_STOP, "no transition");
	cr_expect_eq(requests(3, SCMD_REQUEST_START), 0u);

	/* A REMOVED the scan has not seen yet is noticed: ENOENT. */
	sidecar_cpu_status_publish(&cp, 4, SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(start(&a, 4, false), -ENOENT);
	cr_expect_eq(p.cpus[4].gone, SCMD_GONE_VANISHED);

	lose(5);
	cr_expect_eq(start(&a, 5, false), -EIO, "a lost CPU");
	p.cpus[6].converting = true;
	cr_expect_eq(start(&a, 6, false), -ENOENT, "a CPU being converted");
}

Test(cmd_state, stop)
{
	struct file a, b;

	file_init(&a);
	file_init(&b);
	/* A free CPU: 0, nothing happens (OpenHCL: EINVAL, and its client
	 * panics on a STOP error). */
	cr_expect_eq(stop(&a, 1), 0);
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(requests(1, SCMD_REQUEST_STOP), 0u);

	cr_expect_eq(start(&a, 1, true), 0);
	cr_expect_eq(stop(&b, 1), -EBUSY, "another file's START is not stopped");
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_RUN);
	cr_expect_eq(stop(&a, 1), 0);
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_STOP);
	cr_expect_eq(requests(1, SCMD_REQUEST_STOP), 1u);
	cr_expect_eq(stop(&a, 1), 0, "again");
	cr_expect_eq(requests(1, SCMD_REQUEST_STOP), 1u, "one STOP, one IPI");

	answer(1, SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(stop(&a, 1), 0, "ended, unread");
	cr_expect_eq(stop(&b, 1), -EBUSY, "ended, another file's");
	cr_expect_eq(rd(&a), 11);
	cr_expect_eq(stop(&a, 1), 0, "ended and read: the CPU is free");

	cr_expect_eq(start(&a, 2, false), 0);
	cr_expect_eq(stop(&b, 2), -EBUSY, "another file's RUN");
	cr_expect_eq(status(2), SIDECAR_CPU_STATUS_RUN);

	cr_expect_eq(stop(&a, 0), -ENOENT, "the base CPU");
	lose(3);
	cr_expect_eq(stop(&a, 3), -EIO, "a lost CPU");
}

/* A RUN interrupted by a signal: RUN -> STOP, wait, 0 — as OpenHCL. */
Test(cmd_state, run_after_signal)
{
	struct file a;

	file_init(&a);
	cr_expect_eq(start(&a, 1, false), 0);
	cr_expect(cancel(1), "the signal stops the command");
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_STOP);
	cr_expect_eq(requests(1, SCMD_REQUEST_STOP), 1u);
	cr_expect_not(scmd_ended(&p.m, 1), "still running: RUN waits");
	cr_expect_not(cancel(1), "once");
	answer(1, SIDECAR_CPU_STATUS_IDLE);
	cr_expect(scmd_ended(&p.m, 1));
	cr_expect_eq(finish(1), 0, "the command page holds the outcome: not EINTR");
	cr_expect_eq(start(&a, 1, false), 0, "and the CPU is free again");

	/* The command ended before the signal came: nothing to stop. */
	answer(1, SIDECAR_CPU_STATUS_IDLE);
	cr_expect_not(cancel(1));
	cr_expect_eq(finish(1), 0);
	cr_expect_eq(requests(1, SCMD_REQUEST_STOP), 1u);

	/* Lost after the signal (the NMI bound passed): EIO. */
	cr_expect_eq(start(&a, 2, false), 0);
	cr_expect(cancel(2));
	lose(2);
	cr_expect(scmd_ended(&p.m, 2));
	cr_expect_eq(finish(2), -EIO);
	cr_expect_eq(start(&a, 2, false), -EIO);

	/* Left the sidecar during the command: ENOENT. */
	cr_expect_eq(start(&a, 3, false), 0);
	answer(3, SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(finish(3), -ENOENT);
}

Test(cmd_state, read_queue)
{
	struct file a, b;
	unsigned int i;

	file_init(&a);
	file_init(&b);
	cr_expect_eq(rd(&a), -EAGAIN);
	for (i = 1; i <= 3; i++)
		cr_expect_eq(start(&a, i, true), 0);
	cr_expect_eq(start(&a, 4, false), 0);
	cr_expect_not(scmd_readable(&a.f));
	answer(4, SIDECAR_CPU_STATUS_IDLE); /* a RUN never reaches read */
	answer(3, SIDECAR_CPU_STATUS_IDLE);
	answer(1, SIDECAR_CPU_STATUS_IDLE);
	cr_expect(scmd_readable(&a.f));
	cr_expect_not(scmd_readable(&b.f), "per file");
	cr_expect_eq(a.f.nactive, 1u);

	/* In the order they ended; the CPU stays the file's until read. */
	pthread_mutex_lock(&p.lock);
	cr_expect(scmd_read_peek_locked(&a.f, &i));
	cr_expect_eq(i, 3u);
	cr_expect_not(scmd_read_consume_locked(&a.f, 1), "only the head");
	pthread_mutex_unlock(&p.lock);
	cr_expect_eq(start(&b, 3, true), -EBUSY, "ended, unread: still the file's");
	cr_expect_eq(rd(&a), 13);
	cr_expect_eq(start(&b, 3, true), 0, "read: free");
	cr_expect_eq(rd(&a), 11);
	cr_expect_eq(rd(&a), -EAGAIN);
	cr_expect_not(scmd_readable(&a.f));
	answer(2, SIDECAR_CPU_STATUS_IDLE);
	cr_expect_eq(rd(&a), 12);

	/* A failed copy (no consume) keeps the completion at the head. */
	answer(3, SIDECAR_CPU_STATUS_IDLE);
	pthread_mutex_lock(&p.lock);
	cr_expect(scmd_read_peek_locked(&b.f, &i));
	pthread_mutex_unlock(&p.lock);
	cr_expect_eq(rd(&b), 13);

	/* A lost or crashed START is reported too. */
	cr_expect_eq(start(&a, 5, true), 0);
	cr_expect_eq(start(&a, 6, true), 0);
	lose(5);
	answer(6, SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(rd(&a), 15);
	cr_expect_eq(rd(&a), 16);
	cr_expect_eq(a.f.nactive, 0u);
}

Test(cmd_state, release)
{
	struct file a, b;

	file_init(&a);
	file_init(&b);
	cr_expect_eq(start(&a, 1, true), 0);
	cr_expect_eq(start(&a, 2, true), 0);
	cr_expect_eq(start(&b, 3, true), 0);
	answer(2, SIDECAR_CPU_STATUS_IDLE);

	pthread_mutex_lock(&p.lock);
	scmd_release_stop_locked(&p.m, &a.f);
	pthread_mutex_unlock(&p.lock);
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_STOP);
	cr_expect_eq(status(3), SIDECAR_CPU_STATUS_RUN, "not another file's");
	cr_expect_not(scmd_file_quiet(&a.f));
	pthread_mutex_lock(&p.lock);
	cr_expect(scmd_release_straggler_locked(&p.m, &a.f, 1));
	cr_expect_not(scmd_release_straggler_locked(&p.m, &a.f, 2));
	cr_expect_not(scmd_release_straggler_locked(&p.m, &a.f, 3));
	pthread_mutex_unlock(&p.lock);
	answer(1, SIDECAR_CPU_STATUS_IDLE);
	cr_expect(scmd_file_quiet(&a.f));
	pthread_mutex_lock(&p.lock);
	scmd_release_end_locked(&p.m, &a.f);
	pthread_mutex_unlock(&p.lock);
	for (unsigned int i = 1; i <= 2; i++) {
		cr_expect_eq(p.cpus[i].state, SCMD_VP_FREE);
		cr_expect_null(p.cpus[i].owner);
	}
	cr_expect_eq(p.cpus[3].state, SCMD_VP_ASYNC);
	cr_expect_eq(start(&b, 1, false), 0, "freed");
	cr_expect_eq(start(&b, 2, false), 0, "freed, although never read");
}

Test(cmd_state, convert)
{
	struct file a;

	file_init(&a);
	cr_expect_eq(start(&a, 1, true), 0);
	pthread_mutex_lock(&p.lock);
	cr_expect_eq(scmd_convert_begin_locked(&p.m, 1), 0);
	pthread_mutex_unlock(&p.lock);
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_STOP, "its command is stopped first");
	cr_expect_eq(start(&a, 1, true), -ENOENT);
	answer(1, SIDECAR_CPU_STATUS_IDLE);
	pthread_mutex_lock(&p.lock);
	cr_expect_eq(scmd_convert_request_locked(&p.m, 1), 0);
	pthread_mutex_unlock(&p.lock);
	cr_expect_eq(status(1), SIDECAR_CPU_STATUS_REMOVE);
	cr_expect_eq(requests(1, SCMD_REQUEST_REMOVE), 1u);
	answer(1, SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(p.cpus[1].gone, SCMD_GONE_CONVERTED);
	cr_expect_eq(atomic_load(&p.vanished_calls), 0u, "a conversion, not a crash");
	cr_expect_eq(rd(&a), 11, "the stopped START is still reported");
	cr_expect_eq(p.m.nactive, 0u);

	pthread_mutex_lock(&p.lock);
	cr_expect_eq(scmd_convert_begin_locked(&p.m, 1), 1, "already left");
	cr_expect_eq(scmd_convert_begin_locked(&p.m, 0), 1, "the base CPU");
	scmd_lose_locked(&p.m, 2);
	cr_expect_eq(scmd_convert_begin_locked(&p.m, 2), -EIO, "a lost CPU");
	pthread_mutex_unlock(&p.lock);
}

/* ---- Real threads ---- */

static void nap(long ns)
{
	struct timespec t = {0, ns};

	nanosleep(&t, NULL);
}

/* A sidecar CPU: runs each command (a short one, or one that spins until
 * STOP), then IDLE and the attention; takes REMOVE. */
static void *cpu_thread(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	unsigned int seed = i;

	while (!atomic_load(&p.quit)) {
		uint8_t s = status(i);

		if (s == SIDECAR_CPU_STATUS_REMOVE) {
			sidecar_cpu_status_publish(&cp, i, SIDECAR_CPU_STATUS_REMOVED);
			sidecar_raise_attention(&cp);
			continue;
		}
		if (s != SIDECAR_CPU_STATUS_RUN && s != SIDECAR_CPU_STATUS_STOP) {
			nap(20000);
			continue;
		}
		if (atomic_load(&p.spin[i])) {
			while (status(i) != SIDECAR_CPU_STATUS_STOP && !atomic_load(&p.quit))
				nap(20000);
		} else {
			nap((long)(rand_r(&seed) % 50) * 1000);
		}
		sidecar_cpu_status_publish(&cp, i, SIDECAR_CPU_STATUS_IDLE);
		sidecar_raise_attention(&cp);
	}
	return NULL;
}

/* The response interrupt: the attention taken, then the scan. */
static void *irq_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&p.quit)) {
		pthread_mutex_lock(&p.lock);
		if (sidecar_take_attention(&cp))
			scmd_scan_locked(&p.m);
		pthread_mutex_unlock(&p.lock);
		nap(20000);
	}
	return NULL;
}

static void threads_start(void)
{
	for (unsigned int i = 1; i < NCPU; i++)
		pthread_create(&p.cpu_threads[i], NULL, cpu_thread, (void *)(uintptr_t)i);
	pthread_create(&p.irq, NULL, irq_thread, NULL);
}

static void threads_stop(void)
{
	atomic_store(&p.quit, true);
	for (unsigned int i = 1; i < NCPU; i++)
		pthread_join(p.cpu_threads[i], NULL);
	pthread_join(p.irq, NULL);
}

/* dev.c's sleeping RUN; `signal`: interrupted right after the start. */
static int run(struct file *f, unsigned int i, bool signal)
{
	int r;

	pthread_mutex_lock(&p.lock);
	r = scmd_start_locked(&p.m, &f->f, i, false);
	if (r == 0) {
		if (signal)
			scmd_cancel_locked(&p.m, i);
		while (!scmd_ended(&p.m, i))
			pthread_cond_wait(&p.cond, &p.lock);
		r = scmd_run_finish_locked(&p.m, i);
	}
	pthread_mutex_unlock(&p.lock);
	return r;
}

#define ROUNDS 150

struct worker {
	struct file *file;
	unsigned int cpu;
	atomic_uint completions; /* reads of this CPU, by the readers */
	atomic_uint errors;
	unsigned int starts;
};

static struct worker workers[NCPU];
static atomic_uint foreign_reads;

/* Two readers per file race for its completions. */
struct reader {
	struct file *file;
	unsigned int first, last; /* the CPUs the file's workers use */
	atomic_bool *done;
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->done)) {
		long cpu = rd(r->file);

		if (cpu == -EAGAIN) {
			nap(10000);
			continue;
		}
		if (cpu - 10 < r->first || cpu - 10 > r->last)
			atomic_fetch_add(&foreign_reads, 1);
		else
			atomic_fetch_add(&workers[cpu - 10].completions, 1);
	}
	return NULL;
}

/* STOP, and whether it sent the CPU a STOP request. */
static int stop_counted(struct file *f, unsigned int i, bool *sent)
{
	unsigned int before;
	int r;

	pthread_mutex_lock(&p.lock);
	before = requests(i, SCMD_REQUEST_STOP);
	r = scmd_stop_locked(&p.m, &f->f, i);
	*sent = requests(i, SCMD_REQUEST_STOP) != before;
	pthread_mutex_unlock(&p.lock);
	return r;
}

/* Each round: a RUN (every third one "signalled" while it spins until
 * the STOP), then a START that it stops itself half the time, then waits
 * for its completion through the readers. EBUSY means the meddler holds
 * the CPU for a moment: try again. */
static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	unsigned int i = w->cpu;

	for (unsigned int k = 0; k < ROUNDS; k++) {
		bool signal = k % 3 == 0, sent;
		int r;

		atomic_store(&p.spin[i], signal);
		while ((r = run(w->file, i, signal)) == -EBUSY)
			nap(10000);
		atomic_store(&p.spin[i], false);
		if (r != 0)
			atomic_fetch_add(&w->errors, 1);

		while ((r = start(w->file, i, true)) == -EBUSY)
			nap(10000);
		if (r != 0) {
			atomic_fetch_add(&w->errors, 1);
			continue;
		}
		w->starts++;
		/* EBUSY when the START already ended, was read, and the
		 * meddler holds the CPU now: then nothing may be stopped. */
		if (k % 2) {
			r = stop_counted(w->file, i, &sent);
			if (r != 0 && (r != -EBUSY || sent))
				atomic_fetch_add(&w->errors, 1);
		}
		while (atomic_load(&w->completions) < w->starts)
			nap(10000);
	}
	return NULL;
}

/* Another file that STOPs and RUNs everybody's CPUs: its STOP must give
 * 0 (free) or EBUSY and never send a STOP; a RUN that wins a free CPU
 * between two of its owner's commands is its own (signalled, since the
 * owner may have left the CPU spinning) and ends with 0. */
static atomic_bool meddler_done;
static atomic_uint meddler_bad, meddler_runs;

static void *meddler_thread(void *arg)
{
	struct file *f = arg;

	while (!atomic_load(&meddler_done)) {
		for (unsigned int i = 1; i < NCPU; i++) {
			bool sent;
			int r = stop_counted(f, i, &sent);

			if ((r != 0 && r != -EBUSY) || sent)
				atomic_fetch_add(&meddler_bad, 1);
			r = run(f, i, true);
			if (r == 0)
				atomic_fetch_add(&meddler_runs, 1);
			else if (r != -EBUSY)
				atomic_fetch_add(&meddler_bad, 1);
		}
		nap(5000);
	}
	return NULL;
}

Test(cmd_state, concurrent_files)
{
	static struct file a, b, c;
	atomic_bool done = false;
	struct reader readers[4] = {
		{&a, 1, 3, &done}, {&a, 1, 3, &done}, {&b, 4, 7, &done}, {&b, 4, 7, &done}};
	pthread_t wt[NCPU], rt[4], mt;

	file_init(&a);
	file_init(&b);
	file_init(&c);
	memset(workers, 0, sizeof(workers));
	atomic_store(&foreign_reads, 0);
	atomic_store(&meddler_done, false);
	atomic_store(&meddler_bad, 0);
	atomic_store(&meddler_runs, 0);
	threads_start();
	for (unsigned int n = 0; n < 4; n++)
		pthread_create(&rt[n], NULL, reader_thread, &readers[n]);
	for (unsigned int i = 1; i < NCPU; i++) {
		workers[i].file = i <= 3 ? &a : &b;
		workers[i].cpu = i;
		pthread_create(&wt[i], NULL, worker_thread, &workers[i]);
	}
	pthread_create(&mt, NULL, meddler_thread, &c);
	for (unsigned int i = 1; i < NCPU; i++)
		pthread_join(wt[i], NULL);
	atomic_store(&meddler_done, true);
	pthread_join(mt, NULL);
	atomic_store(&done, true);
	for (unsigned int n = 0; n < 4; n++)
		pthread_join(rt[n], NULL);
	threads_stop();

	for (unsigned int i = 1; i < NCPU; i++) {
		cr_expect_eq(atomic_load(&workers[i].errors), 0u, "CPU %u", i);
		cr_expect_eq(workers[i].starts, (unsigned int)ROUNDS, "CPU %u", i);
		cr_expect_eq(atomic_load(&workers[i].completions), workers[i].starts,
			     "CPU %u: one completion per START", i);
		cr_expect_eq(p.cpus[i].state, SCMD_VP_FREE, "CPU %u", i);
		cr_expect_eq(status(i), SIDECAR_CPU_STATUS_IDLE, "CPU %u", i);
	}
	cr_expect_eq(atomic_load(&foreign_reads), 0u, "a file read another file's CPU");
	cr_expect_eq(atomic_load(&meddler_bad), 0u, "another file's STOP reached a CPU");
	cr_expect_gt(atomic_load(&meddler_runs), 0u, "the meddler never won a CPU: a weak test");
	cr_expect_eq(a.f.count + b.f.count + c.f.count, 0u);
	cr_expect_eq(p.m.nactive, 0u);
}

/* close while the file's commands spin and others' run: it stops exactly
 * its own, waits for them, and frees them, whatever the scan does. */
static struct file closing;
static atomic_uint close_rounds;

static void *closer_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&p.lock);
	scmd_release_stop_locked(&p.m, &closing.f);
	while (!scmd_file_quiet(&closing.f))
		pthread_cond_wait(&p.cond, &p.lock);
	scmd_release_end_locked(&p.m, &closing.f);
	pthread_mutex_unlock(&p.lock);
	atomic_fetch_add(&close_rounds, 1);
	return NULL;
}

Test(cmd_state, concurrent_release)
{
	static struct file other;
	pthread_t ct;

	threads_start();
	file_init(&other);
	atomic_store(&close_rounds, 0);
	for (unsigned int round = 0; round < 40; round++) {
		file_init(&closing);
		/* CPUs 1-5 spin for the closing file; 6 and 7 run short
		 * commands of another file meanwhile. */
		for (unsigned int i = 1; i <= 5; i++) {
			atomic_store(&p.spin[i], true);
			cr_assert_eq(start(&closing, i, true), 0, "round %u CPU %u", round, i);
		}
		if (round % 2) /* some ended, unread */
			cr_assert(cancel(1));
		for (unsigned int i = 6; i < NCPU; i++)
			cr_assert_eq(start(&other, i, true), 0, "round %u CPU %u", round, i);
		pthread_create(&ct, NULL, closer_thread, NULL);
		for (unsigned int i = 6; i < NCPU; i++) {
			while (rd(&other) == -EAGAIN)
				nap(10000);
		}
		pthread_join(ct, NULL);
		for (unsigned int i = 1; i < NCPU; i++) {
			cr_expect_eq(p.cpus[i].state, SCMD_VP_FREE, "round %u CPU %u", round, i);
			cr_expect_null(p.cpus[i].owner, "round %u CPU %u", round, i);
			atomic_store(&p.spin[i], false);
		}
	}
	threads_stop();
	cr_expect_eq(atomic_load(&close_rounds), 40u);
	for (unsigned int i = 6; i < NCPU; i++)
		cr_expect_eq(requests(i, SCMD_REQUEST_STOP), 0u,
			     "close stopped another file's CPU %u", i);
	cr_expect_eq(p.m.nactive, 0u);
}
