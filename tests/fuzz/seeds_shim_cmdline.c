// SPDX-License-Identifier: MIT
/* Seeds for fuzz_shim_cmdline: command lines as sidecar-qemu and the
 * linux suite write them (docs/boot-shim.md). */
#include <stdio.h>
#include <string.h>

#include "seed_writer.h"

int main(int argc, char **argv)
{
	static const char *const lines[] = {
		"",
		"selftest log",
		"guest_mem=64M -- panic=-1 quiet",
		"selftest -- console=ttyS0 --",
		"log\t--\tinit=/init rdinit=/sbin/init",
		"---- -- -",
		"--",
	};

	seed_args(argc, argv);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "line%zu", i);
		seed_write(argv[1], name, lines[i], strlen(lines[i]));
	}
	return 0;
}
