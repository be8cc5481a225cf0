// SPDX-License-Identifier: MIT
/*
 * Seeds for fuzz_boot_check: valid configurations in the harness's format
 * (its header, the params extension, the nodes, per-CPU start bits), like
 * the unit tests' baseline, plus variants near each limit the checks
 * draw: guest memory, the top of a 46- and 52-bit address space, 4 GiB.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../unit/boot_check_baseline.h"
#include "fuzz_boot_check_input.h"
#include "sk_boot.h"
#include "seed_writer.h"

#define MiB (1ull << 20)

static struct fuzz_boot_header h;
static struct sidecar_params_ext ext;
static struct sidecar_node_params nodes[2];

static void baseline(void)
{
	h = (struct fuzz_boot_header){16 * MiB, MiB, 32 * MiB, 48 * MiB, 0, 0, 46, 2, 0};
	boot_check_baseline(&ext, nodes);
}

static void emit(const char *dir, const char *name)
{
	uint8_t buf[sizeof(h) + sizeof(ext) + sizeof(nodes) + 16];
	size_t n = 0;

	memcpy(buf + n, &h, sizeof(h));
	n += sizeof(h);
	memcpy(buf + n, &ext, sizeof(ext));
	n += sizeof(ext);
	memcpy(buf + n, nodes, sizeof(nodes));
	n += sizeof(nodes);
	memset(buf + n, 1, 16); /* per-CPU start bits, if per_cpu asks */
	n += 16;
	seed_write(dir, name, buf, n);
}

int main(int argc, char **argv)
{
	const char *dir = seed_args(argc, argv);

	baseline();
	emit(dir, "baseline");

	baseline();
	ext.guest_memory_base = 256 * MiB;
	ext.guest_memory_size = 64 * MiB;
	emit(dir, "guest-memory");

	baseline();
	nodes[1].memory_base = (1ull << 46) - sidecar_required_memory(3);
	ext.output_ext = nodes[1].memory_base - 0x2000;
	emit(dir, "top-of-46-bits");

	baseline();
	h.maxphyaddr = 52;
	nodes[1].memory_base = (1ull << 52) - sidecar_required_memory(3);
	h.output_pa = (1ull << 52) - 0x10000;
	emit(dir, "top-of-52-bits");

	baseline();
	h.image_start = 4096ull * MiB - MiB;
	h.per_cpu = 1 | 4;
	h.x2apic = 1;
	emit(dir, "image-at-4g-x2apic");

	baseline();
	ext.output_ext = 0;
	h.params_pa = 17 * MiB;
	h.output_pa = 0x9000;
	emit(dir, "adjacent");
	return 0;
}
