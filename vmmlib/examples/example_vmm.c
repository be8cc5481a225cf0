// SPDX-License-Identifier: MIT
/*
 * A complete, minimal VMM on libsidecar-vmm (docs/vmmlib.md walks through
 * it). It takes one sidecar CPU, points its guest at an entry point, and
 * runs it: each write to I/O port 0xE9 (the "debug console" port of QEMU
 * and Bochs) prints a character, a HLT ends the run, Ctrl-C stops it.
 *
 *   sidecar-example-vmm CPU RIP [MAX_EXITS]
 *
 * The guest's memory and page tables are the VP backend's business (set up
 * by the boot loader); this VMM only deals in registers and intercepts.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sidecar_vmm.h>

/* Set by Ctrl-C. */
static atomic_bool stop_requested;

/* The guest executed OUT or IN: emulate the port, step over the instruction. */
static int handle_io(struct sidecar_vp *vp, const struct hv_message *msg)
{
	struct hv_x64_io_port_intercept_message io;
	union hv_register_value rip = {0};
	uint8_t length;

	/* The payload is unaligned bytes: copy it out before reading it. */
	memcpy(&io, msg->payload_buffer, sizeof(io));
	length = io.header.instruction_length_and_cr8 & 0x0F;
	if (io.header.intercept_access_type == HV_INTERCEPT_ACCESS_WRITE &&
	    io.port_number == 0xE9) {
		putchar((int)(io.rax & 0xFF));
		fflush(stdout);
	} else if (io.header.intercept_access_type == HV_INTERCEPT_ACCESS_READ) {
		/* Nothing is behind other ports: reads give all ones, and the
		 * guest's RAX lives in the VP's cpu_context. */
		struct sidecar_cpu_context_x64 *ctx = sidecar_vp_cpu_context(vp);

		ctx->gps[SIDECAR_CPU_CONTEXT_RAX] |= 0xFF;
	}
	rip.reg64 = io.header.rip + length;
	return sidecar_vp_set_register(vp, HV_X64_REGISTER_RIP, &rip);
}

/*
 * Runs the VP until it halts, fails, or `max_exits` intercepts were handled
 * (0: no limit). Returns 0 when the guest halted or the limit was reached.
 */
static int run_guest(struct sidecar_vp *vp, unsigned long max_exits)
{
	for (unsigned long exits = 0; max_exits == 0 || exits < max_exits; exits++) {
		const struct hv_message *msg;
		int r = sidecar_vp_start(vp);

		if (r < 0) {
			fprintf(stderr, "start: %s\n", sidecar_vp_error_message(vp));
			return r;
		}
		/* Wait in slices so that Ctrl-C is noticed; a VMM with other
		 * threads would call sidecar_vp_cancel() from them instead. */
		while ((r = sidecar_vp_wait(vp, 100)) == -ETIMEDOUT || r == -EINTR) {
			if (atomic_load(&stop_requested))
				sidecar_vp_cancel(vp);
		}
		if (r < 0) {
			fprintf(stderr, "run: %s\n", sidecar_vp_error_message(vp));
			return r;
		}
		if (r == SIDECAR_VP_STOPPED) {
			fprintf(stderr, "stopped\n");
			return 0;
		}
		/* SIDECAR_VP_INTERCEPT: the message is valid until the next start. */
		msg = sidecar_vp_intercept_message(vp);
		switch (msg->header.typ) {
		case HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT:
			r = handle_io(vp, msg);
			if (r < 0) {
				fprintf(stderr, "set rip: %s\n", sidecar_vp_error_message(vp));
				return r;
			}
			break;
		case HV_MESSAGE_TYPE_X64_HALT:
			fprintf(stderr, "guest halted\n");
			return 0;
		default:
			fprintf(stderr, "unhandled intercept 0x%08x\n", msg->header.typ);
			return -ENOTSUP;
		}
	}
	return 0;
}

/* Puts the guest at `rip` in 64-bit mode with flat segments. */
static int set_entry_state(struct sidecar_vp *vp, uint64_t rip)
{
	struct hv_register_assoc regs[] = {
		{.name = HV_X64_REGISTER_RIP, .value.reg64 = rip},
		{.name = HV_X64_REGISTER_RFLAGS, .value.reg64 = 0x2},
		{.name = HV_X64_REGISTER_CS,
		 .value.segment =
			 {.base = 0, .limit = 0xFFFFFFFF, .selector = 0x08, .attributes = 0xA09B}},
	};
	int r = sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs,
					 sizeof(regs) / sizeof(regs[0]));

	if (r == -SIDECAR_VMM_EHV)
		fprintf(stderr, "set registers: %s (%s)\n", sidecar_vp_error_message(vp),
			sidecar_hv_status_name(sidecar_vp_hv_status(vp)));
	else if (r < 0)
		fprintf(stderr, "set registers: %s\n", sidecar_vp_error_message(vp));
	return r;
}

#ifndef SIDECAR_EXAMPLE_NO_MAIN /* the unit tests include this file */
static void on_sigint(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, true);
}

int main(int argc, char **argv)
{
	char error[256];
	struct sidecar_vmm_options options = {.error = error, .error_size = sizeof(error)};
	struct sidecar_vmm *vmm;
	struct sidecar_vp *vp;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CPU RIP [MAX_EXITS]\n", argv[0]);
		return 2;
	}
	signal(SIGINT, on_sigint);

	r = sidecar_vmm_open(&options, &vmm);
	if (r < 0) {
		fprintf(stderr, "%s\n", error);
		return 1;
	}
	r = sidecar_vp_acquire(vmm, (uint32_t)strtoul(argv[1], NULL, 0), &vp);
	if (r < 0) {
		fprintf(stderr, "cpu %s: %s\n", argv[1], strerror(-r));
		sidecar_vmm_close(vmm);
		return 1;
	}
	/* GPRs go through the command page, the rest through SET_VP_REGISTERS. */
	memset(sidecar_vp_cpu_context(vp)->gps, 0, sizeof(sidecar_vp_cpu_context(vp)->gps));
	r = set_entry_state(vp, strtoull(argv[2], NULL, 0));
	if (r == 0)
		r = run_guest(vp, argc > 3 ? strtoul(argv[3], NULL, 0) : 0);

	sidecar_vp_release(vp);
	sidecar_vmm_close(vmm);
	return r < 0 ? 1 : 0;
}
#endif
