// SPDX-License-Identifier: MIT
/*
 * libsidecar-vmm's asynchronous runs: start, wait, cancel, the intercept
 * result, collecting stops for an event loop, and many threads waiting on
 * the same node at once, against the real sidecar core behind the
 * emulated driver.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vmmlib_fixture.h"

TestSuite(vmmlib_run, .fini = vf_cleanup, .timeout = 300);

static int64_t ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

Test(vmmlib_run, io_intercept)
{
	struct hv_x64_io_port_intercept_message io;
	struct sidecar_cpu_context_x64 *ctx;
	const struct hv_message *msg;
	struct fake_log_entry log[2];
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	fake_set_run_mode(fake, 1, FAKE_RUN_IO, 3);
	ctx = sidecar_vp_cpu_context(vp);
	cr_assert_not_null(ctx);
	ctx->gps[SIDECAR_CPU_CONTEXT_RAX] = 'A';
	ctx->gps[SIDECAR_CPU_CONTEXT_RCX] = 5;
	cr_expect_not_null(sidecar_vp_register_page(vp));
	cr_assert_eq(sidecar_vp_start(vp), 0, "%s", sidecar_vp_error_message(vp));
	cr_expect(sidecar_vp_running(vp));
	cr_assert_eq(sidecar_vp_wait(vp, -1), SIDECAR_VP_INTERCEPT, "%s",
		     sidecar_vp_error_message(vp));
	cr_expect_not(sidecar_vp_running(vp));
	cr_expect_geq(fake_runs(fake, 1), 3);

	msg = sidecar_vp_intercept_message(vp);
	cr_assert_eq(msg->header.typ, HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT);
	memcpy(&io, msg->payload_buffer, sizeof(io));
	cr_expect_eq(io.port_number, 0xE9);
	cr_expect_eq(io.rax, 'A');
	cr_expect_eq(io.header.vp_index, 1);
	/* The guest's GPRs came back through the command page. */
	cr_expect_eq(ctx->gps[SIDECAR_CPU_CONTEXT_RCX], 6);
	cr_assert_eq(fake_log(fake, 1, log, 2), 1);
	cr_expect_eq(log[0].command, SIDECAR_COMMAND_RUN_VP);
	cr_expect(log[0].async, "RUN_VP goes through START");

	/* Again, and a synchronous command in between. */
	cr_expect_eq(sidecar_vp_test(vp), 0);
	fake_set_run_mode(fake, 1, FAKE_RUN_HALT, 1);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_expect_eq(sidecar_vp_wait(vp, 10000), SIDECAR_VP_INTERCEPT);
	cr_expect_eq(sidecar_vp_intercept_message(vp)->header.typ, HV_MESSAGE_TYPE_X64_HALT);
	cr_expect_eq(ctx->gps[SIDECAR_CPU_CONTEXT_RCX], 7);
	sidecar_vp_release(vp);
}

Test(vmmlib_run, timeout_then_cancel)
{
	struct sidecar_vp *vp;
	struct timespec t0;

	vf_open_two_nodes();
	vp = vf_acquire(2);
	fake_set_run_mode(fake, 2, FAKE_RUN_SPIN, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_expect_eq(sidecar_vp_wait(vp, 0), -ETIMEDOUT);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "RUN_VP: cpu 2 is still running");
	{
		struct sidecar_vp_error e;

		/* A timeout is recorded like every other error: with its
		 * source (the VP's state, not the driver). */
		cr_expect_eq(sidecar_vp_last_error(vp, &e), -ETIMEDOUT);
		cr_expect_eq(e.source, SIDECAR_VMM_ERROR_ARGUMENT);
		cr_expect_eq(e.command, SIDECAR_COMMAND_RUN_VP);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_expect_eq(sidecar_vp_wait(vp, 50), -ETIMEDOUT);
	cr_expect_geq(ms_since(&t0), 49);
	cr_expect(sidecar_vp_running(vp));
	cr_expect_eq(fake_vp_status(fake, 2), SIDECAR_CPU_STATUS_RUN);

	cr_expect_eq(sidecar_vp_cancel(vp), 0);
	cr_expect_eq(sidecar_vp_cancel(vp), 0, "twice is harmless");
	cr_expect_eq(sidecar_vp_wait(vp, -1), SIDECAR_VP_STOPPED);
	cr_expect_not(sidecar_vp_running(vp));
	cr_expect_eq(sidecar_vp_cancel(vp), 0, "after the stop: nothing to do");
	cr_expect_eq(fake_vp_status(fake, 2), SIDECAR_CPU_STATUS_IDLE);
	sidecar_vp_release(vp);
}

Test(vmmlib_run, state_errors)
{
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(3);
	cr_expect_eq(sidecar_vp_wait(vp, 0), -EINVAL, "nothing started");
	cr_expect_eq(sidecar_vp_last_error(vp, NULL), -EINVAL);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "RUN_VP: cpu 3 has no run in progress");
	fake_set_run_mode(fake, 3, FAKE_RUN_SPIN, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_expect_eq(sidecar_vp_start(vp), -EBUSY);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "RUN_VP: cpu 3 already has a run in progress");
	cr_expect_eq(sidecar_vp_test(vp), -EBUSY);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "NONE: cpu 3 has a run in progress: sidecar_vp_wait() for it first");
	cr_expect_eq(
		sidecar_vp_get_register(vp, HV_X64_REGISTER_RAX, &(union hv_register_value){0}),
		-EBUSY);
	cr_expect_eq(sidecar_vp_cancel(vp), 0);
	cr_expect_eq(sidecar_vp_wait(vp, -1), SIDECAR_VP_STOPPED);
	cr_expect_eq(sidecar_vp_test(vp), 0);
	cr_expect_eq(sidecar_vp_start(NULL), -EINVAL);
	cr_expect_eq(sidecar_vp_wait(NULL, 0), -EINVAL);
	cr_expect_eq(sidecar_vp_cancel(NULL), -EINVAL);
	cr_expect_not(sidecar_vp_running(NULL));
	sidecar_vp_release(vp);
}

Test(vmmlib_run, failures)
{
	struct sidecar_vp_error e;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	fake_set_run_mode(fake, 1, FAKE_RUN_FAIL, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_expect_eq(sidecar_vp_wait(vp, -1), -SIDECAR_VMM_ESIDECAR);
	sidecar_vp_last_error(vp, &e);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_SIDECAR);
	cr_expect_eq(e.command, SIDECAR_COMMAND_RUN_VP);
	cr_expect_str_eq(e.message, "guest state invalid on VP 1");
	cr_expect_not(sidecar_vp_running(vp), "a failed run is over");

	fake_inject(fake, FAKE_OP_START, EBUSY, 0);
	cr_expect_eq(sidecar_vp_start(vp), -EBUSY);
	cr_expect_eq(sidecar_vp_last_error(vp, &e), -EBUSY);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_DRIVER);
	cr_expect_not(sidecar_vp_running(vp));

	/* A read error while waiting is the driver's. */
	fake_set_run_mode(fake, 1, FAKE_RUN_HALT, 1);
	fake_inject(fake, FAKE_OP_READ, EIO, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_expect_eq(sidecar_vp_wait(vp, -1), -EIO);
	cr_expect_eq(sidecar_vp_last_error(vp, &e), -EIO);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_DRIVER);
	cr_expect(sidecar_vp_running(vp), "still running as far as we know");
	cr_expect_eq(sidecar_vp_wait(vp, -1), SIDECAR_VP_INTERCEPT);

	/* A STOP the driver refuses is returned as is. */
	fake_set_run_mode(fake, 1, FAKE_RUN_SPIN, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	fake_inject(fake, FAKE_OP_STOP, EIO, 0);
	cr_expect_eq(sidecar_vp_cancel(vp), -EIO);
	cr_expect_eq(sidecar_vp_cancel(vp), 0);
	cr_expect_eq(sidecar_vp_wait(vp, -1), SIDECAR_VP_STOPPED);
	sidecar_vp_release(vp);
}

/* ---- Cancel from another thread ---- */

struct canceller {
	struct sidecar_vp *vp;
	int delay_ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;
	struct timespec ts = {0, (long)c->delay_ms * 1000000L};

	nanosleep(&ts, NULL);
	sidecar_vp_cancel(c->vp);
	return NULL;
}

Test(vmmlib_run, cancel_from_another_thread)
{
	struct canceller c;
	pthread_t t;

	vf_open_two_nodes();
	c.vp = vf_acquire(5);
	c.delay_ms = 30;
	fake_set_run_mode(fake, 5, FAKE_RUN_SPIN, 0);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(sidecar_vp_start(c.vp), 0);
		pthread_create(&t, NULL, cancel_later, &c);
		cr_expect_eq(sidecar_vp_wait(c.vp, -1), SIDECAR_VP_STOPPED);
		pthread_join(t, NULL);
	}
	sidecar_vp_release(c.vp);
}

/* ---- Release and close with a run in progress ---- */

Test(vmmlib_run, release_stops_the_run)
{
	struct sidecar_vmm_node_info info;
	struct sidecar_vp *vp;
	struct pollfd pfd;

	vf_open_two_nodes();
	vp = vf_acquire(6);
	fake_set_run_mode(fake, 6, FAKE_RUN_SPIN, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	sidecar_vp_release(vp);
	vp = vf_acquire(6);
	cr_expect_not(sidecar_vp_running(vp));
	cr_expect_eq(sidecar_vp_test(vp), 0, "%s", sidecar_vp_error_message(vp));
	/* A stop that was read but not waited for. */
	fake_set_run_mode(fake, 6, FAKE_RUN_HALT, 1);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_assert_eq(sidecar_vmm_node_info(vmm, 1, &info), 0);
	pfd = (struct pollfd){.fd = info.fd, .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 10000), 1);
	cr_expect_eq(sidecar_vmm_collect(vmm, 1, NULL, 0), 0, "read, not reported");
	cr_expect(sidecar_vp_running(vp), "not waited for yet");
	sidecar_vp_release(vp);
	vp = vf_acquire(6);
	cr_expect_not(sidecar_vp_running(vp));
	cr_expect_eq(sidecar_vp_test(vp), 0, "%s", sidecar_vp_error_message(vp));
	sidecar_vp_release(vp);
}

Test(vmmlib_run, close_with_a_run_in_progress)
{
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	fake_set_run_mode(fake, 1, FAKE_RUN_SPIN, 0);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	/* Closing the device makes the driver stop the command. */
	sidecar_vmm_close(vmm);
	vmm = NULL;
	cr_expect_eq(fake_vp_status(fake, 1), SIDECAR_CPU_STATUS_IDLE);
}

/* ---- Event loop: poll fd and collect ---- */

/* Collects until `want` CPUs were reported; returns how many polls it took. */
static int collect_all(uint32_t *got, size_t want, size_t max_per_call)
{
	struct pollfd pfd = {.fd = sidecar_vmm_poll_fd(vmm), .events = POLLIN};
	size_t n = 0;
	int polls = 0;

	while (n < want) {
		int r;

		cr_assert_eq(poll(&pfd, 1, 10000), 1, "poll fd never readable (%zu of %zu)", n,
			     want);
		polls++;
		r = sidecar_vmm_collect(vmm, SIDECAR_VMM_ALL_NODES, got + n,
					max_per_call < want - n ? max_per_call : want - n);
		cr_assert_geq(r, 0);
		n += (size_t)r;
	}
	return polls;
}

static bool contains(const uint32_t *cpus, size_t n, uint32_t cpu)
{
	for (size_t i = 0; i < n; i++) {
		if (cpus[i] == cpu)
			return true;
	}
	return false;
}

Test(vmmlib_run, collect_stops)
{
	static const uint32_t cpus[] = {1, 2, 3, 5, 6};
	struct sidecar_vp *vps[5];
	uint32_t got[8];

	vf_open_two_nodes();
	for (int i = 0; i < 5; i++) {
		vps[i] = vf_acquire(cpus[i]);
		fake_set_run_mode(fake, cpus[i], FAKE_RUN_HALT, (unsigned int)i + 1);
		cr_assert_eq(sidecar_vp_start(vps[i]), 0);
	}
	collect_all(got, 5, 8);
	for (int i = 0; i < 5; i++)
		cr_expect(contains(got, 5, cpus[i]), "cpu %u reported", cpus[i]);
	cr_expect_eq(sidecar_vmm_collect(vmm, SIDECAR_VMM_ALL_NODES, got, 8), 0, "once each");
	for (int i = 0; i < 5; i++) {
		cr_expect_eq(sidecar_vp_wait(vps[i], 0), SIDECAR_VP_INTERCEPT);
		sidecar_vp_release(vps[i]);
	}
	cr_expect_eq(sidecar_vmm_collect(vmm, SIDECAR_VMM_ALL_NODES, got, 8), 0);
	cr_expect_eq(sidecar_vmm_collect(vmm, 2, got, 8), -EINVAL);
	cr_expect_eq(sidecar_vmm_collect(vmm, 0, NULL, 8), -EINVAL);
	cr_expect_eq(sidecar_vmm_collect(NULL, 0, got, 8), -EINVAL);
}

Test(vmmlib_run, collect_a_few_at_a_time)
{
	static const uint32_t cpus[] = {1, 2, 3};
	struct sidecar_vp *vps[3];
	struct pollfd pfd;
	uint32_t got[3];

	vf_open_two_nodes();
	for (int i = 0; i < 3; i++) {
		vps[i] = vf_acquire(cpus[i]);
		fake_set_run_mode(fake, cpus[i], FAKE_RUN_HALT, 1);
		cr_assert_eq(sidecar_vp_start(vps[i]), 0);
	}
	/* Wait until the driver has all three, then take them one by one:
	 * the poll fd stays readable while some are left. */
	for (int i = 0; i < 3; i++) {
		while (fake_vp_status(fake, cpus[i]) != SIDECAR_CPU_STATUS_IDLE)
			;
	}
	collect_all(got, 3, 1);
	for (int i = 0; i < 3; i++)
		cr_expect(contains(got, 3, cpus[i]), "cpu %u", cpus[i]);
	pfd = (struct pollfd){.fd = sidecar_vmm_poll_fd(vmm), .events = POLLIN};
	cr_expect_eq(sidecar_vmm_collect(vmm, SIDECAR_VMM_ALL_NODES, got, 3), 0);
	cr_expect_eq(poll(&pfd, 1, 0), 0, "nothing left: not readable");
	for (int i = 0; i < 3; i++) {
		cr_expect_eq(sidecar_vp_wait(vps[i], 0), SIDECAR_VP_INTERCEPT);
		sidecar_vp_release(vps[i]);
	}
}

Test(vmmlib_run, node_fds_and_stray_stops)
{
	struct sidecar_vmm_node_info info;
	struct sidecar_vp *vp;
	struct pollfd pfd;
	uint32_t got[4];

	vf_open_two_nodes();
	cr_assert_eq(sidecar_vmm_node_info(vmm, 1, &info), 0);
	pfd = (struct pollfd){.fd = info.fd, .events = POLLIN};
	cr_expect_eq(poll(&pfd, 1, 0), 0);
	/* Stops for VPs that are not running are dropped. */
	fake_queue_stray_stop(fake, 1, 5);
	fake_queue_stray_stop(fake, 1, 99);
	cr_expect_eq(poll(&pfd, 1, 0), 1);
	cr_expect_eq(sidecar_vmm_collect(vmm, 1, got, 4), 0);
	cr_expect_eq(poll(&pfd, 1, 0), 0, "drained");

	vp = vf_acquire(5);
	fake_set_run_mode(fake, 5, FAKE_RUN_HALT, 1);
	cr_assert_eq(sidecar_vp_start(vp), 0);
	cr_expect_eq(poll(&pfd, 1, 10000), 1, "the node fd reports the stop");
	cr_expect_eq(sidecar_vmm_collect(vmm, 0, got, 4), 0, "not node 0's");
	cr_expect_eq(sidecar_vmm_collect(vmm, 1, got, 4), 1);
	cr_expect_eq(got[0], 5);
	cr_expect_eq(sidecar_vp_wait(vp, 0), SIDECAR_VP_INTERCEPT);
	sidecar_vp_release(vp);
}

/* A waiting thread reads the stop of a VP an event loop is watching: the
 * loop still hears of it through the poll fd. */
static void *wait_in_thread(void *arg)
{
	struct sidecar_vp *vp = arg;

	return (void *)(intptr_t)sidecar_vp_wait(vp, -1);
}

Test(vmmlib_run, waiter_and_event_loop_share_a_node)
{
	struct sidecar_vp *a, *b;
	uint32_t got[2];
	pthread_t t;
	void *result;
	struct timespec ts = {0, 50000000};

	vf_open_two_nodes();
	a = vf_acquire(1);
	b = vf_acquire(2);
	fake_set_run_mode(fake, 1, FAKE_RUN_SPIN, 0);
	fake_set_run_mode(fake, 2, FAKE_RUN_HALT, 1);
	cr_assert_eq(sidecar_vp_start(a), 0);
	pthread_create(&t, NULL, wait_in_thread, a);
	nanosleep(&ts, NULL); /* let it settle in poll() */
	cr_assert_eq(sidecar_vp_start(b), 0);
	collect_all(got, 1, 2);
	cr_expect_eq(got[0], 2);
	cr_expect_eq(sidecar_vp_wait(b, 0), SIDECAR_VP_INTERCEPT);
	cr_expect_eq(sidecar_vp_cancel(a), 0);
	pthread_join(t, &result);
	cr_expect_eq((int)(intptr_t)result, SIDECAR_VP_STOPPED);
	sidecar_vp_release(a);
	sidecar_vp_release(b);
}

/* ---- Many threads ---- */

#define WORKERS	   5
#define ITERATIONS 60

static const uint32_t worker_cpus[WORKERS] = {1, 2, 3, 5, 6};
static struct sidecar_vp *worker_vps[WORKERS];
static atomic_int intercepts, stops, errors;
static atomic_bool workers_done;

static void *worker(void *arg)
{
	struct sidecar_vp *vp = arg;

	for (int i = 0; i < ITERATIONS; i++) {
		int r = sidecar_vp_start(vp);

		if (r == 0)
			r = sidecar_vp_wait(vp, -1);
		if (r == SIDECAR_VP_INTERCEPT)
			atomic_fetch_add(&intercepts, 1);
		else if (r == SIDECAR_VP_STOPPED)
			atomic_fetch_add(&stops, 1);
		else
			atomic_fetch_add(&errors, 1);
		/* Synchronous commands in between, as a VMM handling exits. */
		if (sidecar_vp_test(vp) != 0)
			atomic_fetch_add(&errors, 1);
	}
	return NULL;
}

static void *chaos(void *arg)
{
	unsigned int seed = 1;
	uint32_t got[8];

	(void)arg;
	while (!atomic_load(&workers_done)) {
		struct timespec ts = {0, 200000};

		seed = seed * 1103515245u + 12345u;
		sidecar_vp_cancel(worker_vps[(seed >> 16) % WORKERS]);
		/* Collecting steals reads from the waiters: they must cope. */
		sidecar_vmm_collect(vmm, SIDECAR_VMM_ALL_NODES, got, 8);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

Test(vmmlib_run, many_threads)
{
	pthread_t workers[WORKERS], c;

	vf_open_two_nodes();
	atomic_store(&intercepts, 0);
	atomic_store(&stops, 0);
	atomic_store(&errors, 0);
	atomic_store(&workers_done, false);
	for (int i = 0; i < WORKERS; i++) {
		worker_vps[i] = vf_acquire(worker_cpus[i]);
		/* Half exit on their own after a few runs, half only when
		 * cancelled. */
		fake_set_run_mode(fake, worker_cpus[i], i % 2 ? FAKE_RUN_SPIN : FAKE_RUN_IO, 3);
	}
	pthread_create(&c, NULL, chaos, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&workers[i], NULL, worker, worker_vps[i]);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i], NULL);
	atomic_store(&workers_done, true);
	pthread_join(c, NULL);
	cr_expect_eq(atomic_load(&errors), 0);
	cr_expect_eq(atomic_load(&intercepts) + atomic_load(&stops), WORKERS * ITERATIONS);
	cr_expect_gt(atomic_load(&stops), 0);
	for (int i = 0; i < WORKERS; i++)
		sidecar_vp_release(worker_vps[i]);
}
