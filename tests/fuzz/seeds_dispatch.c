// SPDX-License-Identifier: MIT
/*
 * Seeds for fuzz_dispatch: host scripts in the harness's format (a setup
 * byte, then actions: 0-2 RUN a command, 3 STOP-then-command, 4 a bad
 * status, 5 a response vector, 6 a spurious wake-up, 7 REMOVE), one per
 * command kind, with and without a backend, and with VMM rewrites.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sidecar_defs.h>

#include "seed_writer.h"

static uint8_t buf[4096];
static size_t len;

static void b(uint8_t v)
{
	buf[len++] = v;
}

static void le(uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		b((uint8_t)(v >> (8 * i)));
}

static void start(uint8_t setup)
{
	len = 0;
	b(setup);
}

static void vector(uint8_t v)
{
	b(5);
	b(0); /* < 128: one byte */
	b(v);
	le(0, 4);
}

/* GET or SET of `n` registers from the harness's name list (index `first`
 * upwards), no VMM rewrites (each backend or local access reads a few
 * zero bytes: success, no rewrite). */
static void get_set(uint8_t op, uint32_t command, uint8_t n, uint8_t first)
{
	b(op);
	b((uint8_t)(command == SIDECAR_COMMAND_GET_VP_REGISTERS ? 2 : 3));
	b(4 | 8); /* full 8-byte values, high half too */
	b(n);
	for (uint8_t i = 0; i < n; i++) {
		b((uint8_t)(first + i));
		le(0x1000 + i, 8);
		le(0, 8);
	}
	for (uint8_t i = 0; i < n; i++) {
		b(1); /* backend: success */
		le(0x1234, 8);
		le(0, 8);
		b(0); /* no rewrites */
	}
}

static void finish(const char *dir, const char *name)
{
	b(7);
	seed_write(dir, name, buf, len);
}

int main(int argc, char **argv)
{
	const char *dir = seed_args(argc, argv);

	start(0);
	b(0);
	b(0); /* NONE */
	b(0);
	finish(dir, "none-no-backend");

	start(1);
	vector(0x40);
	get_set(0, SIDECAR_COMMAND_GET_VP_REGISTERS, 6, 0);
	finish(dir, "get-locals");

	start(3);
	get_set(1, SIDECAR_COMMAND_SET_VP_REGISTERS, 8, 5);
	finish(dir, "set-mixed");

	start(1);
	b(0);
	b(2); /* GET */
	b(2); /* a target VTL follows */
	b(3);
	b(0x11); /* VTL 1: refused */
	for (int i = 0; i < 3; i++) {
		b(11);
		le(0, 8);
	}
	finish(dir, "get-bad-vtl");

	start(1);
	b(0);
	b(2); /* GET */
	b(0);
	b(41); /* > 40: a 16-bit count follows */
	le(500, 2);
	finish(dir, "get-count-500");

	start(1);
	b(2);
	b(4); /* TRANSLATE_GVA */
	b(0);
	le(0x7f000, 8);
	le(HV_TRANSLATE_GVA_VALIDATE_READ, 8);
	b(1); /* success */
	for (int i = 0; i < 64; i++)
		b((uint8_t)i);
	b(3); /* three rewrites */
	for (int i = 0; i < 3; i++) {
		b(2);
		le(0xdeadbeef, 8);
		le((uint64_t)i, 2);
	}
	finish(dir, "translate-rewritten");

	start(1);
	b(0);
	b(1); /* RUN_VP */
	b(0);
	b(2); /* continue */
	b(0);
	b(0); /* intercept */
	b(0);
	for (int i = 0; i < 32; i++)
		b((uint8_t)(0x80 + i));
	vector(0x20);
	b(3); /* STOP first */
	b(1);
	b(0);
	finish(dir, "run-intercept-then-stopped");

	start(1);
	b(4);
	b(200); /* a bad status */
	b(6);
	vector(3); /* an invalid vector */
	get_set(0, SIDECAR_COMMAND_GET_VP_REGISTERS, 2, 11);
	b(0);
	b(255); /* an unknown command */
	le(99, 4);
	b(0);
	finish(dir, "bad-status-unknown-command");
	return 0;
}
