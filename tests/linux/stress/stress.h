/* SPDX-License-Identifier: MIT */
/*
 * sidecar-stress (docs/driver.md, "Testing"): the driver under load and
 * under faults, in the linux suite's stress test. Raw ioctls on the node
 * devices for everything it attacks (so that it can do what no library
 * user would: read-only files, bad buffers, racing readers, killed
 * owners), libsidecar-vmm and the test guest only to put every sidecar CPU
 * at a guest that spins until STOP.
 */
#ifndef SIDECAR_STRESS_H
#define SIDECAR_STRESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sidecar_defs.h>
#include <sidecar/command_page.h>
#include <sidecar/uapi.h>

#include "../check_report.h"
#include "../monotonic.h"

#define ST_MAX_NODES 16

/* One node device opened by this process, its shared pages mapped. */
struct st_node {
	int fd;
	uint32_t base_cpu;
	uint32_t cpu_count;
	uint8_t *pages; /* cpu_count * per_cpu_shmem bytes, or NULL (read-only open) */
	uint32_t per_cpu_shmem;
};

/* Every node, and the sidecar CPUs (a node's CPUs but its base). */
struct st_system {
	struct st_node nodes[ST_MAX_NODES];
	unsigned int node_count;
	uint32_t cpus[4096];
	uint32_t cpu_count;
};

/* Checks: "FAIL: part: reason" for a failure, counted both ways. */
extern unsigned int st_passed, st_failed;
void st_check(bool ok, const char *part, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The driver's default device names, OpenHCL's: /dev/mshv_vtl_sidecarN. */
#define ST_DEVICE "mshv_vtl_sidecar"

/* Opens /dev/mshv_vtl_sidecar0.. (flags: O_RDWR or O_RDONLY) and maps the
 * pages when writable. 0 or -errno. */
int st_open_nodes(struct st_system *s, int flags);
void st_close_nodes(struct st_system *s);
int st_open_node(struct st_node *n, unsigned int index, int flags);
void st_close_node(struct st_node *n);

/* The node that holds `cpu`, or NULL. */
struct st_node *st_node_of(struct st_system *s, uint32_t cpu);
struct sidecar_command_page *st_page(struct st_node *n, uint32_t cpu);

/* Commands written into a CPU's command page. */
enum st_command {
	ST_CMD_NONE,
	ST_CMD_GET_RIP,
	ST_CMD_SPIN, /* RUN_VP of a guest at `jmp $`: only STOP ends it */
	ST_CMD_COUNT
};
void st_write_command(struct sidecar_command_page *page, enum st_command cmd);

/* ioctl(fd, request, cpu): 0 or -errno. read of one CPU: the CPU or -errno. */
int st_ioctl(int fd, unsigned long request, uint32_t cpu);
int st_read_cpu(int fd, void *buf);

/* The driver's sysfs word for `cpu` ("idle", "run", "lost"...), "?" if none. */
const char *st_status(uint32_t node, uint32_t cpu, char *word, size_t size);
/* Waits up to timeout_ms for `cpu`'s word to be `want`. */
bool st_wait_status(uint32_t node, uint32_t cpu, const char *want, unsigned int timeout_ms);

/* Writes a module parameter of sidecar.ko; 0 or -errno. */
int st_set_param(const char *name, const char *value);

/*
 * Puts every sidecar CPU at the test guest's spin loop through
 * libsidecar-vmm (guest memory, registers); afterwards RUN_VP on any of
 * them spins until STOP. Fills s->cpus. 0 or a failure already reported.
 */
int st_setup_guests(struct st_system *s);

/* The parts. */
void st_edges(struct st_system *s);	/* EBADF, EFAULT, the stale read */
void st_escalate(struct st_system *s);	/* STOP IPI dropped: the NMI stops it */
void st_lost(struct st_system *s);	/* IPI and NMI dropped: the CPU is lost */
void st_recovered(struct st_system *s); /* after a reload: lost CPUs idle again */
void st_random(struct st_system *s, uint64_t seed, unsigned int seconds, unsigned int procs,
	       unsigned int threads, unsigned int conversions);

#endif /* SIDECAR_STRESS_H */
