// SPDX-License-Identifier: MIT
/* Seeds for fuzz_cmd_state: the sequences docs/driver.md describes (a RUN
 * with and without a signal, a START stopped and read, two files, a close
 * with commands in flight, a conversion, a lost CPU), behind the node-size
 * byte the harness reads. Operations are (op, file, CPU + 2) triples. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "seed_writer.h"

enum {
	RUN,
	START,
	STOP,
	SIGNAL,
	RUN_RETURNS,
	READ,
	READ_FAULT,
	CPU_ENDS,
	CPU_WRITES,
	SCAN,
	LOSE,
	CLOSE,
	CONVERT_BEGIN,
	CONVERT_REQUEST
};

#define CPU(n) ((n) + 2)

static void seed(const char *dir, const char *name, uint8_t cpus, const uint8_t *ops, size_t len)
{
	uint8_t buf[256];

	buf[0] = cpus;
	memcpy(buf + 1, ops, len);
	seed_write(dir, name, buf, 1 + len);
}

#define SEED(dir, name, cpus, ...)                                                                 \
	do {                                                                                       \
		static const uint8_t ops_[] = {__VA_ARGS__};                                       \
		seed(dir, name, cpus, ops_, sizeof(ops_));                                         \
	} while (0)

int main(int argc, char **argv)
{
	const char *d = seed_args(argc, argv);

	SEED(d, "run", 4, RUN, 0, CPU(1), CPU_ENDS, 0, 1, SCAN, 0, 0, RUN_RETURNS, 0, 1);
	SEED(d, "run_signal", 4, RUN, 0, CPU(2), SIGNAL, 0, 2, CPU_ENDS, 0, 2, SCAN, 0, 0,
	     RUN_RETURNS, 0, 2, RUN, 0, CPU(2));
	SEED(d, "start_stop_read", 4, START, 1, CPU(1), STOP, 2, CPU(1), STOP, 1, CPU(1), CPU_ENDS,
	     0, 1, SCAN, 0, 0, READ_FAULT, 1, 0, STOP, 1, CPU(1), READ, 1, 0, STOP, 1, CPU(1));
	SEED(d, "two_files", 8, START, 0, CPU(1), START, 1, CPU(2), START, 0, CPU(3), CPU_ENDS, 0,
	     3, CPU_ENDS, 0, 2, CPU_ENDS, 0, 1, SCAN, 0, 0, READ, 0, 0, READ, 1, 0, READ, 0, 0);
	SEED(d, "close", 6, START, 2, CPU(1), START, 2, CPU(2), START, 0, CPU(3), CPU_ENDS, 0, 2,
	     SCAN, 0, 0, CLOSE, 2, 0, START, 0, CPU(1));
	SEED(d, "convert", 4, START, 0, CPU(3), CONVERT_BEGIN, 0, 3, CPU_ENDS, 0, 3, SCAN, 0, 0,
	     CONVERT_REQUEST, 0, 3, CPU_ENDS, 0, 3, SCAN, 0, 0, READ, 0, 0, START, 0, CPU(3));
	SEED(d, "lost", 4, RUN, 1, CPU(1), SIGNAL, 0, 1, LOSE, 0, 1, RUN_RETURNS, 0, 1, STOP, 1,
	     CPU(1), START, 1, CPU(1));
	SEED(d, "crash", 4, START, 0, CPU(2), CPU_WRITES, 4, 2, SCAN, 0, 0, READ, 0, 0, RUN, 0,
	     CPU(2));
	SEED(d, "outside", 4, RUN, 0, 0, START, 0x81, CPU(1), STOP, 0, 200);
	return 0;
}
