// SPDX-License-Identifier: MIT
/*
 * sidecar.ko's per-CPU command state machine (driver/cmd_state.c) under
 * any sequence of what its two untrusted sides can do: the VMMs (RUN,
 * START, STOP with any CPU argument, signals, reads that fault, close, on
 * three files) and the sidecar CPUs (any status byte at any time, REMOVED
 * included), with the driver's own events in between (scans, CPUs given
 * up, conversions).
 *
 * Input: node size (1 byte, 1..32), then 3-byte operations: op, file and
 * CPU argument (the argument's high bits set when the file byte says so,
 * as an int from user space may carry), value.
 *
 * Invariants, after every operation:
 * - the node's nactive counts exactly the CPUs active or being removed,
 *   each file's nactive exactly its running STARTs;
 * - a free CPU has no owner and nothing in flight; an active CPU is a RUN
 *   or a START; a gone CPU has nothing in flight;
 * - every ended START (DONE) is in its owner's queue exactly once, and a
 *   queue holds only its file's DONE CPUs (never more than the node has);
 * - each call returns one of the errnos docs/driver.md lists for it; a
 *   start that succeeded moved IDLE to RUN; STOP from a file that does not
 *   own the CPU never changes its status; read hands a file only CPUs it
 *   started; RUN ends with 0 whenever the CPU went IDLE, signal or not.
 */
#include <errno.h>
#include <sidecar/control_ops.h>
#include <stdint.h>
#include <string.h>

#include "cmd_state.h"
#include "fuzz_check.h"

#define MAX_CPUS 32
#define NFILES	 3
#define BASE	 100

static struct sidecar_control_page cp;
static struct scmd_node m;
static struct scmd_vp cpus[MAX_CPUS];
static struct scmd_file files[NFILES];
static unsigned int rings[NFILES][MAX_CPUS];

static void op_send_request(void *ctx, unsigned int i, enum scmd_request why)
{
	(void)ctx;
	FUZZ_CHECK(i < m.cpu_count, "request to CPU %u", i);
	FUZZ_CHECK(why <= SCMD_REQUEST_REMOVE, "request %d", why);
}

static void op_nothing(void *ctx)
{
	(void)ctx;
}

static void op_wake_cpu(void *ctx, unsigned int i)
{
	(void)ctx;
	FUZZ_CHECK(i < m.cpu_count, "wake of CPU %u", i);
}

static enum scmd_gone op_vanished(void *ctx, unsigned int i)
{
	(void)ctx;
	return i % 2 ? SCMD_GONE_CRASHED : SCMD_GONE_VANISHED;
}

static const struct scmd_ops ops = {
	.send_request = op_send_request,
	.node_busy = op_nothing,
	.wake_cpu = op_wake_cpu,
	.wake_node = op_nothing,
	.vanished = op_vanished,
};

static void check(void)
{
	unsigned int nactive = 0, file_active[NFILES] = {0}, in_ring[MAX_CPUS] = {0};

	for (unsigned int f = 0; f < NFILES; f++) {
		FUZZ_CHECK(files[f].count <= m.cpu_count && files[f].head < m.cpu_count,
			   "file %u: queue of %u at %u", f, files[f].count, files[f].head);
		for (unsigned int k = 0; k < files[f].count; k++) {
			unsigned int i = files[f].ring[(files[f].head + k) % m.cpu_count];

			FUZZ_CHECK(i < m.cpu_count, "file %u queues CPU %u", f, i);
			FUZZ_CHECK(cpus[i].owner == &files[f] && cpus[i].state == SCMD_VP_DONE,
				   "file %u queues CPU %u in state %u", f, i, cpus[i].state);
			in_ring[i]++;
		}
	}
	for (unsigned int i = 0; i < m.cpu_count; i++) {
		const struct scmd_vp *c = &cpus[i];

		nactive += c->active + c->removing;
		FUZZ_CHECK(c->state <= SCMD_VP_DONE, "CPU %u state %u", i, c->state);
		if (c->state == SCMD_VP_FREE)
			FUZZ_CHECK(!c->owner && !c->active, "free CPU %u owned or active", i);
		if (c->active)
			FUZZ_CHECK(c->state == SCMD_VP_SYNC || c->state == SCMD_VP_ASYNC,
				   "active CPU %u in state %u", i, c->state);
		if (c->gone)
			FUZZ_CHECK(!c->active && !c->removing, "gone CPU %u still in flight", i);
		FUZZ_CHECK(in_ring[i] == (c->state == SCMD_VP_DONE),
			   "CPU %u (state %u) queued %u times", i, c->state, in_ring[i]);
		for (unsigned int f = 0; f < NFILES; f++)
			if (c->owner == &files[f] && c->state == SCMD_VP_ASYNC && c->active)
				file_active[f]++;
	}
	FUZZ_CHECK(m.nactive == nactive, "nactive %u, counted %u", m.nactive, nactive);
	for (unsigned int f = 0; f < NFILES; f++)
		FUZZ_CHECK(files[f].nactive == file_active[f], "file %u nactive %u, counted %u", f,
			   files[f].nactive, file_active[f]);
}

static bool errno_in(int r, int a, int b, int c, int d)
{
	return r == 0 || r == -a || r == -b || r == -c || r == -d;
}

/* The file whose RUN waits on CPU i (a RUN ioctl holds its file open). */
static int runner[MAX_CPUS];

static void ioctl_op(unsigned int op, struct scmd_file *f, unsigned int fi, unsigned long arg)
{
	unsigned int i;
	int r = scmd_vp_index(&m, arg, &i);

	FUZZ_CHECK(r == 0 || r == -EINVAL, "cpu_index %d", r);
	if (r == 0)
		FUZZ_CHECK((uint32_t)arg - BASE == i, "CPU %lu is index %u", arg, i);
	if (r)
		return;
	if (op == 0 || op == 1) {
		uint8_t before = sidecar_cpu_status(&cp, i);

		if (op == 0 && runner[i] >= 0)
			return; /* that thread is still in its RUN */
		r = scmd_start_locked(&m, f, i, op == 1);
		FUZZ_CHECK(errno_in(r, EBUSY, ENOENT, EIO, EIO), "start gave %d", r);
		if (r == 0) {
			FUZZ_CHECK(before == SIDECAR_CPU_STATUS_IDLE &&
					   sidecar_cpu_status(&cp, i) == SIDECAR_CPU_STATUS_RUN,
				   "start from status %u", before);
			if (op == 0)
				runner[i] = (int)fi;
		}
	} else {
		uint8_t before = sidecar_cpu_status(&cp, i);
		bool own = cpus[i].owner == f;

		r = scmd_stop_locked(&m, f, i);
		FUZZ_CHECK(errno_in(r, EBUSY, ENOENT, EIO, EIO), "stop gave %d", r);
		if (!own)
			FUZZ_CHECK(sidecar_cpu_status(&cp, i) == before,
				   "STOP of another file's CPU %u moved it from %u", i, before);
		if (own)
			FUZZ_CHECK(r == 0, "STOP of the file's own CPU %u gave %d", i, r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	memset(&cp, 0, sizeof(cp));
	memset(cpus, 0, sizeof(cpus));
	scmd_node_init(&m, &cp, BASE, 1 + data[0] % MAX_CPUS, cpus, &ops, NULL);
	for (unsigned int f = 0; f < NFILES; f++)
		scmd_file_init(&files[f], &m, rings[f]);
	sidecar_cpu_status_publish(&cp, 0, SIDECAR_CPU_STATUS_REMOVED);
	cpus[0].gone = SCMD_GONE_LINUX;
	for (unsigned int i = 1; i < m.cpu_count; i++)
		sidecar_cpu_status_publish(&cp, i, SIDECAR_CPU_STATUS_IDLE);
	for (unsigned int i = 0; i < MAX_CPUS; i++)
		runner[i] = -1;

	for (size_t k = 1; k + 3 <= size; k += 3) {
		unsigned int op = data[k] % 14, fi = data[k + 1] % NFILES;
		unsigned int i = data[k + 2] % m.cpu_count;
		unsigned long arg = BASE - 2 + data[k + 2];
		struct scmd_file *f = &files[fi];
		unsigned int got;
		int r;

		if (data[k + 1] & 0x80)
			arg |= (unsigned long)data[k + 1] << 32;
		switch (op) {
		case 0: /* RUN */
		case 1: /* START */
		case 2: /* STOP */
			ioctl_op(op, f, fi, arg);
			break;
		case 3: /* a signal to the RUN waiting on CPU i */
			if (runner[i] >= 0)
				scmd_cancel_locked(&m, i);
			break;
		case 4: /* the RUN waiting on CPU i returns, once it ended */
			if (runner[i] < 0 || !scmd_ended(&m, i))
				break;
			r = scmd_run_finish_locked(&m, i);
			FUZZ_CHECK(errno_in(r, EIO, ENOENT, ENOENT, ENOENT), "RUN gave %d", r);
			if (cpus[i].gone == SCMD_GONE_NO)
				FUZZ_CHECK(r == 0, "RUN of a CPU still here gave %d", r);
			runner[i] = -1;
			break;
		case 5: /* read */
		case 6: /* read whose copy faults */
			if (!scmd_read_peek_locked(f, &got)) {
				FUZZ_CHECK(!scmd_readable(f), "readable, nothing to peek");
				break;
			}
			FUZZ_CHECK(got < m.cpu_count && cpus[got].owner == f,
				   "file %u reads CPU %u it does not own", fi, got);
			if (op == 5)
				FUZZ_CHECK(scmd_read_consume_locked(f, got), "consume of the head");
			break;
		case 7: /* the CPU ends its command */
			if (sidecar_cpu_status(&cp, i) == SIDECAR_CPU_STATUS_RUN ||
			    sidecar_cpu_status(&cp, i) == SIDECAR_CPU_STATUS_STOP)
				sidecar_cpu_status_publish(&cp, i, SIDECAR_CPU_STATUS_IDLE);
			else if (sidecar_cpu_status(&cp, i) == SIDECAR_CPU_STATUS_REMOVE)
				sidecar_cpu_status_publish(&cp, i, SIDECAR_CPU_STATUS_REMOVED);
			break;
		case 8: /* the CPU writes anything */
			sidecar_cpu_status_publish(&cp, i, data[k + 1]);
			break;
		case 9: /* the response interrupt */
			scmd_scan_locked(&m);
			break;
		case 10: /* the watchdog gives up a stopped CPU */
			if (cpus[i].active && !cpus[i].gone)
				scmd_lose_locked(&m, i);
			break;
		case 11: /* close (no RUN of the file in flight) */
			for (unsigned int j = 0; j < m.cpu_count; j++)
				if (runner[j] == (int)fi)
					goto next;
			scmd_release_stop_locked(&m, f);
			scmd_scan_locked(&m);
			for (unsigned int j = 0; j < m.cpu_count; j++)
				if (scmd_release_straggler_locked(&m, f, j))
					scmd_lose_locked(&m, j);
			FUZZ_CHECK(scmd_file_quiet(f), "file %u busy after close", fi);
			scmd_release_end_locked(&m, f);
			for (unsigned int j = 0; j < m.cpu_count; j++)
				FUZZ_CHECK(cpus[j].owner != f, "CPU %u still the closed file's", j);
			scmd_file_init(f, &m, rings[fi]);
			break;
		case 12: /* conversion: begin */
			r = scmd_convert_begin_locked(&m, i);
			FUZZ_CHECK(r == 0 || r == 1 || r == -EIO, "convert begin %d", r);
			break;
		case 13: /* conversion: the request */
			if (!cpus[i].converting)
				break;
			r = scmd_convert_request_locked(&m, i);
			FUZZ_CHECK(r == 0 || r == 1 || r == -EIO || r == -EBUSY, "convert %d", r);
			break;
		}
		check();
	next:;
	}
	return 0;
}
