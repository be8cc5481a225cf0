// SPDX-License-Identifier: MIT
/* What the parts of sidecar-stress share: devices, commands, sysfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sidecar_vmm.h>

#include "stress.h"
#include "test_guest_vmm.h"

unsigned int st_passed, st_failed;

void st_check(bool ok, const char *part, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		st_passed++;
		return;
	}
	st_failed++;
	va_start(ap, fmt);
	test_report_failure(part, fmt, ap);
	va_end(ap);
}

int st_open_node(struct st_node *n, unsigned int index, int flags)
{
	struct sidecar_ioctl_info info;
	char path[64];

	memset(n, 0, sizeof(*n));
	snprintf(path, sizeof(path), "/dev/" ST_DEVICE "%u", index);
	n->fd = open(path, flags | O_CLOEXEC);
	if (n->fd < 0)
		return -errno;
	if (ioctl(n->fd, SIDECAR_IOCTL_INFO, &info) < 0) {
		int r = -errno;

		close(n->fd);
		n->fd = -1;
		return r;
	}
	n->base_cpu = info.base_cpu;
	n->cpu_count = info.cpu_count;
	n->per_cpu_shmem = info.per_cpu_shmem;
	if ((flags & O_ACCMODE) == O_RDWR) {
		void *p = mmap(NULL, (size_t)info.cpu_count * info.per_cpu_shmem,
			       PROT_READ | PROT_WRITE, MAP_SHARED, n->fd, 0);

		if (p == MAP_FAILED) {
			int r = -errno;

			close(n->fd);
			n->fd = -1;
			return r;
		}
		n->pages = p;
	}
	return 0;
}

void st_close_node(struct st_node *n)
{
	if (n->pages)
		munmap(n->pages, (size_t)n->cpu_count * n->per_cpu_shmem);
	if (n->fd >= 0)
		close(n->fd);
	n->pages = NULL;
	n->fd = -1;
}

int st_open_nodes(struct st_system *s, int flags)
{
	unsigned int count = 0;

	for (unsigned int i = 0; i < ST_MAX_NODES; i++) {
		char path[64];
		int r;

		snprintf(path, sizeof(path), "/dev/" ST_DEVICE "%u", i);
		if (access(path, F_OK) < 0)
			break;
		r = st_open_node(&s->nodes[i], i, flags);
		if (r < 0) {
			s->node_count = count;
			st_close_nodes(s);
			return r;
		}
		count++;
	}
	s->node_count = count;
	return count ? 0 : -ENOENT;
}

void st_close_nodes(struct st_system *s)
{
	for (unsigned int i = 0; i < s->node_count; i++)
		st_close_node(&s->nodes[i]);
}

struct st_node *st_node_of(struct st_system *s, uint32_t cpu)
{
	for (unsigned int i = 0; i < s->node_count; i++)
		if (cpu >= s->nodes[i].base_cpu &&
		    cpu - s->nodes[i].base_cpu < s->nodes[i].cpu_count)
			return &s->nodes[i];
	return NULL;
}

struct sidecar_command_page *st_page(struct st_node *n, uint32_t cpu)
{
	return (struct sidecar_command_page *)(n->pages +
					       (size_t)(cpu - n->base_cpu) * n->per_cpu_shmem);
}

/*
 * The command goes in with plain stores: the driver's RUN/START publishes
 * them (release compare-exchange). Other processes may write the same page
 * at the same time; the sidecar reads each field once, so it runs one of
 * the commands written, and nobody checks results here.
 */
void st_write_command(struct sidecar_command_page *page, enum st_command cmd)
{
	volatile struct sidecar_command_page *p = page;

	switch (cmd) {
	case ST_CMD_NONE:
		p->command = SIDECAR_COMMAND_NONE;
		break;
	case ST_CMD_GET_RIP: {
		volatile struct sidecar_get_set_vp_register_request *req =
			(volatile void *)page->request_data;

		req->count = 1;
		req->target_vtl = HV_INPUT_VTL_CURRENT;
		req->regs[0].name = HV_X64_REGISTER_RIP;
		p->command = SIDECAR_COMMAND_GET_VP_REGISTERS;
		break;
	}
	case ST_CMD_SPIN:
	default:
		p->command = SIDECAR_COMMAND_RUN_VP;
		break;
	}
}

int st_ioctl(int fd, unsigned long request, uint32_t cpu)
{
	return ioctl(fd, request, (unsigned long)cpu) < 0 ? -errno : 0;
}

int st_read_cpu(int fd, void *buf)
{
	uint32_t cpu;
	ssize_t n = read(fd, buf ? buf : &cpu, sizeof(cpu));

	if (n < 0)
		return -errno;
	if (n != sizeof(cpu))
		return -EPROTO;
	if (!buf)
		return (int)cpu;
	memcpy(&cpu, buf, sizeof(cpu));
	return (int)cpu;
}

const char *st_status(uint32_t node, uint32_t cpu, char *word, size_t size)
{
	char path[96], line[64];
	FILE *f;

	snprintf(word, size, "?");
	snprintf(path, sizeof(path), "/sys/class/misc/" ST_DEVICE "%u/cpu_status", node);
	f = fopen(path, "r");
	if (!f)
		return word;
	while (fgets(line, sizeof(line), f)) {
		unsigned int c;
		char w[32];

		if (sscanf(line, "%u %31s", &c, w) == 2 && c == cpu) {
			snprintf(word, size, "%s", w);
			break;
		}
	}
	fclose(f);
	return word;
}

bool st_wait_status(uint32_t node, uint32_t cpu, const char *want, unsigned int timeout_ms)
{
	uint64_t end = test_now_ms() + timeout_ms;
	char word[32];

	for (;;) {
		if (!strcmp(st_status(node, cpu, word, sizeof(word)), want))
			return true;
		if (test_now_ms() > end)
			return false;
		test_sleep_ms(10);
	}
}

int st_set_param(const char *name, const char *value)
{
	char path[128];
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/module/sidecar/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		r = -errno;
	close(fd);
	return r;
}

int st_setup_guests(struct st_system *s)
{
	char error[256];
	struct sidecar_vmm_options options = {.error = error, .error_size = sizeof(error)};
	struct sidecar_vmm *vmm;
	void *guest;
	uint64_t guest_size;
	int r;

	s->cpu_count = 0;
	r = sidecar_vmm_open(&options, &vmm);
	st_check(r == 0, "setup", "sidecar_vmm_open: %s", error);
	if (r)
		return r;
	for (unsigned int n = 0; n < sidecar_vmm_node_count(vmm); n++) {
		struct sidecar_vmm_node_info info;

		sidecar_vmm_node_info(vmm, n, &info);
		/* Converted CPUs (removed) are Linux's now: not ours to test. */
		for (uint32_t c = 1; c < info.cpu_count && s->cpu_count < 4096; c++)
			if (sidecar_vmm_cpu_status_of(vmm, info.base_cpu + c) ==
			    SIDECAR_CPU_STATUS_IDLE)
				s->cpus[s->cpu_count++] = info.base_cpu + c;
	}
	r = sidecar_vmm_guest_memory(vmm, &guest, &guest_size);
	st_check(r == 0, "setup", "no guest memory: %s", strerror(-r));
	if (r == 0) {
		bool built = tg_build(guest, guest_size, s->cpus, s->cpu_count);

		st_check(built, "setup", "guest memory too small for %u test guests", s->cpu_count);
		r = built ? 0 : -ENOMEM;
	}
	for (uint32_t i = 0; r == 0 && i < s->cpu_count; i++) {
		struct sidecar_vp *vp;

		r = sidecar_vp_acquire(vmm, s->cpus[i], &vp);
		if (r == 0) {
			r = tg_vmm_reset(vp, i);
			if (r == 0)
				r = tg_vmm_set_rip(vp, tg_spin_rip());
			st_check(r == 0, "setup", "CPU %u: set up the spinning guest: %s",
				 s->cpus[i], sidecar_vp_error_message(vp));
			sidecar_vp_release(vp);
		} else {
			st_check(false, "setup", "acquire CPU %u: %s", s->cpus[i], strerror(-r));
		}
	}
	sidecar_vmm_close(vmm);
	return r;
}
