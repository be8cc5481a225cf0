// SPDX-License-Identifier: MIT
/*
 * Guests on every sidecar CPU at once, the way an event-driven VMM runs
 * them: every VP started asynchronously, one poll() on the library's fd,
 * sidecar_vmm_collect() for the VPs that stopped, each exit checked and
 * completed in user space (lib/testguest) and the VP started again. Then
 * spinning guests that only the library's cancel ends (from the owner and
 * from another thread), and a VMM killed with SIGKILL while its guests
 * spin, whose CPUs must come back idle and usable.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_vmm.h"

#define RUN_TIMEOUT_MS	300000
#define STOP_TIMEOUT_MS 30000

static int index_of_cpu(const struct tv *t, uint32_t cpu)
{
	for (uint32_t i = 0; i < t->count; i++)
		if (t->cpus[i] == cpu)
			return (int)i;
	return -1;
}

/* One exit of VP i: check it, complete it, start the VP again unless the
 * program is over. Returns false when VP i is finished (done or failed). */
static bool handle_stop(struct tv *t, struct tg_vp *g, size_t i, unsigned long *exits)
{
	struct sidecar_vp *vp = t->vps[i];
	char detail[256];
	int r = sidecar_vp_wait(vp, 0);

	if (r != SIDECAR_VP_INTERCEPT) {
		tv_check(t, false, "guests", "CPU %u: the run ended with %d (%s), not an intercept",
			 t->cpus[i], r, sidecar_vp_error_message(vp));
		return false;
	}
	(*exits)++;
	if (!tg_handle_exit(g, sidecar_vp_intercept_message(vp), sidecar_vp_cpu_context(vp)->gps,
			    detail, sizeof(detail))) {
		tv_check(t, false, "guests", "CPU %u: %s", t->cpus[i], detail);
		return false;
	}
	if (g->stage == TG_STAGE_DONE) {
		t->passed++;
		return false;
	}
	r = tg_vmm_set_rip(t->vps[i], g->next_rip);
	if (r == 0)
		r = sidecar_vp_start(vp);
	tv_check(t, r == 0, "guests", "CPU %u: resume: %s", t->cpus[i],
		 sidecar_vp_error_message(vp));
	return r == 0;
}

void part_guests(struct tv *t)
{
	unsigned int failed = t->failed;
	struct tg_vp *g = calloc(t->count, sizeof(*g));
	uint32_t *stopped = calloc(t->count, sizeof(*stopped));
	uint32_t running = 0, max_running = 0;
	unsigned long exits = 0;
	uint64_t start = test_now_ms();
	struct pollfd pfd = {.fd = sidecar_vmm_poll_fd(t->vmm), .events = POLLIN};

	for (uint32_t i = 0; i < t->count; i++) {
		int r = tg_vmm_reset(t->vps[i], i);

		tg_vp_init(&g[i], t->cpus[i], i, &t->leaf1);
		if (r == 0)
			r = sidecar_vp_start(t->vps[i]);
		tv_check(t, r == 0, "guests", "CPU %u: set up and start: %s", t->cpus[i],
			 sidecar_vp_error_message(t->vps[i]));
		running += r == 0;
	}
	max_running = running;
	while (running) {
		int n;

		if (test_now_ms() - start > RUN_TIMEOUT_MS) {
			tv_check(t, false, "guests", "%u guests still running after %u ms", running,
				 RUN_TIMEOUT_MS);
			break;
		}
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR) {
			tv_check(t, false, "guests", "poll: %s", strerror(errno));
			break;
		}
		n = sidecar_vmm_collect(t->vmm, SIDECAR_VMM_ALL_NODES, stopped, t->count);
		tv_check(t, n >= 0, "guests", "collect: %s", strerror(-n));
		for (int k = 0; k < n; k++) {
			int i = index_of_cpu(t, stopped[k]);

			tv_check(t, i >= 0, "guests", "collect reported CPU %u, not one of ours",
				 stopped[k]);
			if (i >= 0 && !handle_stop(t, &g[i], (size_t)i, &exits))
				running--;
		}
	}
	/* Whatever is still running (after a failure) must not outlive us. */
	for (uint32_t i = 0; i < t->count; i++) {
		if (sidecar_vp_running(t->vps[i])) {
			sidecar_vp_cancel(t->vps[i]);
			sidecar_vp_wait(t->vps[i], STOP_TIMEOUT_MS);
		}
	}
	tv_part_done(t, "guests", failed,
		     "%u guests at once, %lu exits handled in user space in %llu ms", max_running,
		     exits, (unsigned long long)(test_now_ms() - start));
	free(g);
	free(stopped);
}

struct canceller {
	struct sidecar_vp *vp;
	unsigned int delay_ms;
	int result;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	usleep(c->delay_ms * 1000);
	c->result = sidecar_vp_cancel(c->vp);
	return NULL;
}

static void check_spinning_rip(struct tv *t, const char *part, size_t i)
{
	union hv_register_value rip = {0};
	int r = sidecar_vp_get_register(t->vps[i], HV_X64_REGISTER_RIP, &rip);

	tv_check(t, r == 0 && rip.reg64 == tg_spin_rip(), part,
		 "CPU %u: RIP %#llx after the stop (%s), expected the spin loop %#llx", t->cpus[i],
		 (unsigned long long)rip.reg64, sidecar_vp_error_message(t->vps[i]),
		 (unsigned long long)tg_spin_rip());
}

void part_cancel(struct tv *t)
{
	unsigned int failed = t->failed;
	struct canceller c = {.vp = t->vps[0], .delay_ms = 200};
	pthread_t thread;
	int r;

	for (uint32_t i = 0; i < t->count; i++) {
		r = tg_vmm_set_rip(t->vps[i], tg_spin_rip());
		if (r == 0)
			r = sidecar_vp_start(t->vps[i]);
		tv_check(t, r == 0, "cancel", "CPU %u: start the spinning guest: %s", t->cpus[i],
			 sidecar_vp_error_message(t->vps[i]));
	}
	usleep(300000);
	for (uint32_t i = 0; i < t->count; i++) {
		r = sidecar_vp_wait(t->vps[i], 0);
		tv_check(t, r == -ETIMEDOUT && sidecar_vp_running(t->vps[i]), "cancel",
			 "CPU %u: a spinning guest ended by itself: %d (%s)", t->cpus[i], r,
			 sidecar_vp_error_message(t->vps[i]));
		tv_check(t, tv_cpu_status(t, t->cpus[i]) == SIDECAR_CPU_STATUS_RUN, "cancel",
			 "CPU %u is %s while its guest spins, not run", t->cpus[i],
			 sidecar_cpu_status_name(tv_cpu_status(t, t->cpus[i])));
	}
	for (uint32_t i = 0; i < t->count; i++) {
		r = sidecar_vp_cancel(t->vps[i]);
		tv_check(t, r == 0, "cancel", "CPU %u: cancel: %d", t->cpus[i], r);
	}
	for (uint32_t i = 0; i < t->count; i++) {
		r = sidecar_vp_wait(t->vps[i], STOP_TIMEOUT_MS);
		tv_check(t, r == SIDECAR_VP_STOPPED, "cancel",
			 "CPU %u: wait after cancel gave %d (%s), expected STOPPED", t->cpus[i], r,
			 sidecar_vp_error_message(t->vps[i]));
		check_spinning_rip(t, "cancel", i);
	}

	/* From another thread, while the owner blocks in wait(). */
	r = sidecar_vp_start(t->vps[0]);
	tv_check(t, r == 0, "cancel", "CPU %u: start: %s", t->cpus[0],
		 sidecar_vp_error_message(t->vps[0]));
	pthread_create(&thread, NULL, cancel_later, &c);
	r = sidecar_vp_wait(t->vps[0], STOP_TIMEOUT_MS);
	pthread_join(thread, NULL);
	tv_check(t, r == SIDECAR_VP_STOPPED && c.result == 0, "cancel",
		 "CPU %u: cancelled from another thread: wait %d, cancel %d", t->cpus[0], r,
		 c.result);
	tv_part_done(t, "cancel", failed,
		     "%u spinning guests cancelled at once, and one from another thread", t->count);
}

/* The killed VMM: its own client, every guest spinning, then wait to die. */
static void spinning_vmm(int ready_fd, uint32_t count, const uint32_t *cpus)
{
	struct sidecar_vmm *vmm;
	char byte = 1;

	if (sidecar_vmm_open(NULL, &vmm) < 0)
		_exit(10);
	for (uint32_t i = 0; i < count; i++) {
		union hv_register_value rip = {.reg64 = tg_spin_rip()};
		struct sidecar_vp *vp;

		if (sidecar_vp_acquire(vmm, cpus[i], &vp) < 0 ||
		    sidecar_vp_set_register(vp, HV_X64_REGISTER_RIP, &rip) < 0 ||
		    sidecar_vp_start(vp) < 0)
			_exit(11);
	}
	if (write(ready_fd, &byte, 1) != 1)
		_exit(12);
	for (;;)
		pause();
}

void part_sigkill(struct tv *t)
{
	unsigned int failed = t->failed;
	struct pollfd pfd;
	int fds[2], status = 0, r;
	char byte;
	pid_t pid;

	if (pipe(fds) < 0) {
		tv_check(t, false, "sigkill", "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		spinning_vmm(fds[1], t->count, t->cpus);
	}
	close(fds[1]);
	pfd = (struct pollfd){.fd = fds[0], .events = POLLIN};
	r = poll(&pfd, 1, 60000) == 1 && read(fds[0], &byte, 1) == 1;
	close(fds[0]);
	tv_check(t, r, "sigkill", "the VMM to be killed did not start its guests");
	if (r) {
		for (uint32_t i = 0; i < t->count; i++)
			tv_check(t, tv_cpu_status(t, t->cpus[i]) == SIDECAR_CPU_STATUS_RUN,
				 "sigkill", "CPU %u is %s in the other VMM's run", t->cpus[i],
				 sidecar_cpu_status_name(tv_cpu_status(t, t->cpus[i])));
		/* Another process's CPU: the driver refuses it. */
		r = sidecar_vp_test(t->vps[0]);
		tv_check(t, r == -EBUSY, "sigkill",
			 "CPU %u: NONE while another VMM runs it gave %d (%s), expected EBUSY",
			 t->cpus[0], r, sidecar_vp_error_message(t->vps[0]));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	tv_check(t, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "sigkill",
		 "the VMM ended with status %#x instead of being killed", status);
	tv_check(t, tv_wait_all_status(t, SIDECAR_CPU_STATUS_IDLE, STOP_TIMEOUT_MS), "sigkill",
		 "the killed VMM's CPUs are not all idle after %u ms", STOP_TIMEOUT_MS);
	for (uint32_t i = 0; i < t->count; i++) {
		r = sidecar_vp_test(t->vps[i]);
		tv_check(t, r == 0, "sigkill", "CPU %u: NONE after the kill: %d (%s)", t->cpus[i],
			 r, sidecar_vp_error_message(t->vps[i]));
		check_spinning_rip(t, "sigkill", i);
		/* And it runs a guest again: straight to the HLT. */
		r = tg_vmm_set_rip(t->vps[i], tg_hlt_rip());
		if (r == 0)
			r = sidecar_vp_start(t->vps[i]);
		if (r == 0)
			r = sidecar_vp_wait(t->vps[i], STOP_TIMEOUT_MS);
		tv_check(t,
			 r == SIDECAR_VP_INTERCEPT &&
				 sidecar_vp_intercept_message(t->vps[i])->header.typ ==
					 HV_MESSAGE_TYPE_X64_HALT,
			 "sigkill", "CPU %u: a guest run after the kill gave %d (%s)", t->cpus[i],
			 r, sidecar_vp_error_message(t->vps[i]));
	}
	tv_part_done(
		t, "sigkill", failed,
		"a VMM with %u spinning guests killed; every CPU idle and running guests again",
		t->count);
}
