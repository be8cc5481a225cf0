// SPDX-License-Identifier: MIT
/* Seeds for fuzz_cmdline: a selector byte, then command lines the shim and
 * the planner see (docs/boot-shim.md, docs/topology-dt.md). */
#include <stdio.h>
#include <string.h>

#include "seed_writer.h"

static void seed(const char *dir, const char *name, char selector, const char *line)
{
	char buf[512];
	size_t len = strlen(line);

	buf[0] = selector;
	memcpy(buf + 1, line, len);
	seed_write(dir, name, buf, len + 1);
}

int main(int argc, char **argv)
{
	seed_args(argc, argv);
	seed(argv[1], "logging", 7, "console=ttyS0 SIDECAR_LOGGING=1");
	seed(argv[1], "shim", 3, "selftest log nofault guest_mem=128M -- quiet");
	seed(argv[1], "guest-mem-units", 20, "guest_mem=2097152 guest_mem=4096K guest_mem=1g");
	seed(argv[1], "guest-mem-bad", 1, "guest_mem=3M guest_mem= guest_mem=5G guest_mem=1x");
	seed(argv[1], "guest-mem-huge", 9, "guest_mem=18446744073709551615 guest_mem=17179869184K");
	seed(argv[1], "whitespace", 2, "\t a\r\nb\f\vSIDECAR_LOGGING=1\v");
	seed(argv[1], "zero", 0, "guest_mem=0");
	/* OPENHCL_SIDECAR= (openhcl_boot cmdline.rs) and our SIDECAR_LOGGING=1. */
	seed(argv[1], "sidecar-on-off", 5, "console=ttyS0 OPENHCL_SIDECAR=on,off");
	seed(argv[1], "sidecar-off-log", 11, "OPENHCL_SIDECAR=off,log SIDECAR_LOGGING=1");
	seed(argv[1], "sidecar-log-on", 4, "OPENHCL_SIDECAR=log,on\tOPENHCL_SIDECAR=,bogus,");
	seed(argv[1], "sidecar-words", 8,
	     "SIDECAR_LOGGING=1 OPENHCL_SIDECAR=off XOPENHCL_SIDECAR=on OPENHCL_SIDECAR=OFF");
	return 0;
}
