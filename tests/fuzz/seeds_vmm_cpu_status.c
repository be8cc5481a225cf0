// SPDX-License-Identifier: MIT
/* Seeds for fuzz_vmm_cpu_status: the spellings the parser documents
 * (sidecar_vmm.h), behind the base/size prefix the harness reads. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "seed_writer.h"

static void seed(const char *dir, const char *name, uint32_t base, uint16_t count, const char *text)
{
	uint8_t buf[512];
	size_t len = strlen(text);

	memcpy(buf, &base, 4);
	memcpy(buf + 4, &count, 2);
	memcpy(buf + 6, text, len);
	seed_write(dir, name, buf, 6 + len);
}

int main(int argc, char **argv)
{
	seed_args(argc, argv);
	seed(argv[1], "driver", 4, 4, "4 removed\n5 idle\n6 run\n7 crashed\n");
	seed(argv[1], "colon", 0, 3, "cpu0: removed\ncpu1: idle\ncpu2: stop\n");
	seed(argv[1], "equals", 16, 2, "16=0\n17=1\n");
	seed(argv[1], "indexes", 100, 3, "0 removed\n1 idle\n2 remove\n");
	seed(argv[1], "list", 8, 4, "# header\nremoved idle idle running\n");
	seed(argv[1], "numeric", 0, 5, "0 1 1 2 3\n");
	return 0;
}
