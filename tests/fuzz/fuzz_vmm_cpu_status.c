// SPDX-License-Identifier: MIT
/*
 * libsidecar-vmm's parser of the driver's cpu_status sysfs file
 * (vmm_parse_cpu_status): the text comes from whatever driver answers
 * at that path, so the library must take any bytes.
 *
 * Input: base CPU (4 bytes), node size (2 bytes, at most 2048, OpenHCL's
 * CPU limit), then the file's text.
 * Invariants: the result is -EINVAL, -ENOMEM or a count in [1, size]; the
 * count is exactly the number of entries set; every entry is UNKNOWN or a
 * status the ABI or the library defines; nothing past the array is written
 * (ASan: the array is allocated to its exact size).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "sidecar_vmm.h"
#include "transport.h"

#define MAX_NODE_CPUS 2048

static int valid_status(uint8_t s)
{
	return s <= SIDECAR_CPU_STATUS_REMOVE || s == SIDECAR_VMM_CPU_STATUS_CRASHED ||
	       s == SIDECAR_VMM_CPU_STATUS_LOST || s == SIDECAR_VMM_CPU_STATUS_UNKNOWN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t base, count;
	uint16_t count16;
	uint8_t *status;
	char *text;
	int rc, set = 0;

	if (size < 6)
		return 0;
	memcpy(&base, data, 4);
	memcpy(&count16, data + 4, 2);
	count = count16 % (MAX_NODE_CPUS + 1);
	data += 6;
	size -= 6;

	text = malloc(size + 1);
	status = malloc(count ? count : 1);
	FUZZ_CHECK(text && status, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';

	rc = vmm_parse_cpu_status(text, base, count, status);
	FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM || (rc >= 1 && (uint32_t)rc <= count),
		   "returned %d for a node of %u CPUs", rc, count);
	for (uint32_t i = 0; i < count; i++) {
		FUZZ_CHECK(valid_status(status[i]), "status[%u] = %#x", i, status[i]);
		set += status[i] != SIDECAR_VMM_CPU_STATUS_UNKNOWN;
	}
	if (rc > 0)
		FUZZ_CHECK(rc == set, "returned %d but %d entries are set", rc, set);
	else if (rc == -EINVAL)
		FUZZ_CHECK(set == 0, "-EINVAL but %d entries are set", set);

	free(text);
	free(status);
	return 0;
}
