// SPDX-License-Identifier: MIT
/*
 * sidecarctl: a command-line client of libsidecar-vmm.
 *
 *   sidecarctl [--json] [--dev-dir DIR] [--sysfs-dir DIR] COMMAND ARGS...
 *
 *   status                  nodes and CPUs with their status
 *   ping CPU [--count N]    NONE round trips, with their time
 *   get CPU REG...          read registers (names or hex numbers)
 *   set CPU REG=VALUE...    write registers
 *   translate CPU GVA [--flags F]   translate a guest virtual address
 *   convert CPU             bring a sidecar CPU online in Linux (one way)
 *   registers               the register names
 *
 * Human-readable output by default, one JSON object with --json. Exit
 * status 0 on success, 1 when the command failed (one line on stderr says
 * why; with --json also {"error": ...} on stdout), 2 on a bad command line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sidecarctl.h"

#define MAX_ARGS	   256
#define DEFAULT_PING_COUNT 10

struct ctl {
	const struct sidecarctl_env *env;
	FILE *out, *err;
	bool json;
	const char *dev_dir, *sysfs_dir;
	const char *count_arg, *flags_arg;
	const char *args[MAX_ARGS];
	int nargs;
	struct sidecar_vmm *vmm;
};

/* ---- Output ---- */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int fail(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct ctl *ctl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	/* One line, whatever the message holds. */
	for (char *p = msg; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	fprintf(ctl->err, "sidecarctl: %s\n", msg);
	if (ctl->json) {
		fputs("{\"error\":", ctl->out);
		json_string(ctl->out, msg);
		fputs("}\n", ctl->out);
	}
	return SIDECARCTL_FAILED;
}

static void usage_message(struct ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints the message; its value is SIDECARCTL_USAGE. A macro, so that the
 * value is a constant at each return: clang's analyzer does not follow
 * variadic calls, and would take a parse_cpu() that fails with 0, its
 * callers then reading a CPU number never set, for possible. */
#define usage_error(ctl, ...) (usage_message(ctl, __VA_ARGS__), SIDECARCTL_USAGE)

static void usage_message(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fputs("sidecarctl: ", ctl->err);
	va_start(ap, fmt);
	vfprintf(ctl->err, fmt, ap);
	va_end(ap);
	fputs(" (sidecarctl --help for usage)\n", ctl->err);
}

static void usage(FILE *f)
{
	fputs("usage: sidecarctl [--json] [--dev-dir DIR] [--sysfs-dir DIR] COMMAND ARGS...\n"
	      "\n"
	      "  status                     nodes and CPUs with their status\n"
	      "  ping CPU [--count N]       NONE round trips to a sidecar CPU, timed\n"
	      "  get CPU REG...             read registers (rax, rip, cr0, dr0, efer,\n"
	      "                             mtrr_def_type, ... or a hex number)\n"
	      "  set CPU REG=VALUE...       write registers; VALUE is a number (0x.. hex),\n"
	      "                             BASE,LIMIT,SELECTOR,ATTRIBUTES for segments,\n"
	      "                             BASE,LIMIT for gdtr/idtr\n"
	      "  translate CPU GVA [--flags F]\n"
	      "                             translate a guest virtual address\n"
	      "                             (F: HV_TRANSLATE_GVA_* bits, default 1 = read)\n"
	      "  convert CPU                bring a sidecar CPU online in Linux (one way)\n"
	      "  registers                  list the register names\n"
	      "\n"
	      "  --json          one JSON object on stdout\n"
	      "  --dev-dir DIR   device directory (default $SIDECAR_DEV_DIR or /dev)\n"
	      "  --sysfs-dir DIR sysfs mount (default $SIDECAR_SYSFS_DIR or /sys)\n"
	      "\n"
	      "Exit status: 0 success, 1 failure (reason on stderr), 2 bad usage.\n",
	      f);
}

/* ---- Parsing ---- */

/* "0x..." hexadecimal or decimal, the whole string. */
static bool parse_u64(const char *s, uint64_t *v)
{
	int base = 10;
	uint64_t x = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / (uint64_t)base)
			return false;
		x = x * (uint64_t)base + d;
	}
	*v = x;
	return true;
}

/* A 128-bit value: "0x" and up to 32 hex digits, or a 64-bit number. */
static bool parse_u128(const char *s, struct hv_u128 *v)
{
	size_t len;

	v->high = 0;
	if (!(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return parse_u64(s, &v->low);
	s += 2;
	len = strlen(s);
	if (len == 0 || len > 32)
		return false;
	if (len > 16) {
		char hi[20] = "0x";

		memcpy(hi + 2, s, len - 16);
		hi[2 + len - 16] = '\0';
		if (!parse_u64(hi, &v->high))
			return false;
		s += len - 16;
	}
	{
		char lo[20] = "0x";

		snprintf(lo + 2, sizeof(lo) - 2, "%s", s);
		return parse_u64(lo, &v->low);
	}
}

/* Comma-separated numbers, exactly `n` of them. */
static bool parse_list(const char *s, uint64_t *v, int n)
{
	char buf[256];
	char *p = buf;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return false;
	for (int i = 0; i < n; i++) {
		char *comma = strchr(p, ',');

		if ((comma == NULL) != (i == n - 1))
			return false;
		if (comma)
			*comma = '\0';
		if (!parse_u64(p, &v[i]))
			return false;
		if (comma)
			p = comma + 1;
	}
	return true;
}

static bool parse_value(hv_register_name_t name, const char *s, union hv_register_value *v)
{
	uint64_t f[4];

	memset(v, 0, sizeof(*v));
	switch (sidecar_vmm_register_kind(name)) {
	case SIDECAR_REGISTER_U128:
		return parse_u128(s, &v->reg128);
	case SIDECAR_REGISTER_SEGMENT:
		if (!parse_list(s, f, 4) || f[1] > UINT32_MAX || f[2] > UINT16_MAX ||
		    f[3] > UINT16_MAX)
			return false;
		v->segment.base = f[0];
		v->segment.limit = (uint32_t)f[1];
		v->segment.selector = (uint16_t)f[2];
		v->segment.attributes = (uint16_t)f[3];
		return true;
	case SIDECAR_REGISTER_TABLE:
		if (!parse_list(s, f, 2) || f[1] > UINT16_MAX)
			return false;
		v->table.base = f[0];
		v->table.limit = (uint16_t)f[1];
		return true;
	default:
		return parse_u64(s, &v->reg64);
	}
}

static int parse_cpu(struct ctl *ctl, const char *s, uint32_t *cpu)
{
	uint64_t v;

	if (!s)
		return usage_error(ctl, "missing CPU number");
	if (!parse_u64(s, &v) || v > UINT32_MAX)
		return usage_error(ctl, "bad CPU number '%s'", s);
	*cpu = (uint32_t)v;
	return 0;
}

/* ---- Helpers ---- */

static int open_vmm(struct ctl *ctl)
{
	char error[256] = "";
	struct sidecar_vmm_options options = {
		.dev_dir = ctl->dev_dir,
		.sysfs_dir = ctl->sysfs_dir,
		.error = error,
		.error_size = sizeof(error),
	};
	int r;

	if (ctl->env->open)
		r = ctl->env->open(ctl->env->ctx, &options, &ctl->vmm);
	else
		r = sidecar_vmm_open(&options, &ctl->vmm);
	if (r < 0)
		return fail(ctl, "%s", error[0] ? error : strerror(-r));
	return 0;
}

/* Acquires `cpu`'s VP, with a one-line reason on failure. */
static int acquire(struct ctl *ctl, uint32_t cpu, struct sidecar_vp **vp)
{
	int r = sidecar_vp_acquire(ctl->vmm, cpu, vp);

	if (r == -EINVAL)
		return fail(ctl, "cpu %" PRIu32 " is not in any sidecar node (cpus 0-%" PRIu32 ")",
			    cpu, sidecar_vmm_cpu_count(ctl->vmm) - 1);
	if (r < 0)
		return fail(ctl, "cpu %" PRIu32 ": %s", cpu, strerror(-r));
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void register_label(hv_register_name_t name, char *buf, size_t size)
{
	const char *n = sidecar_vmm_register_name(name);

	if (n)
		snprintf(buf, size, "%s", n);
	else
		snprintf(buf, size, "0x%08" PRIx32, name);
}

/* ---- status ---- */

static const char *probe_status(struct ctl *ctl, uint32_t cpu)
{
	struct sidecar_vp *vp;
	int r;

	if (sidecar_vp_acquire(ctl->vmm, cpu, &vp) < 0)
		return "unknown";
	r = sidecar_vp_test(vp);
	sidecar_vp_release(vp);
	switch (r) {
	case 0:
		return sidecar_cpu_status_name(SIDECAR_CPU_STATUS_IDLE);
	case -ENOENT:
		return sidecar_cpu_status_name(SIDECAR_CPU_STATUS_REMOVED);
	case -EBUSY:
		return sidecar_cpu_status_name(SIDECAR_CPU_STATUS_RUN);
	default:
		return "unknown";
	}
}

static int cmd_status(struct ctl *ctl)
{
	static const char *const total_names[] = {"removed", "idle",	"run",	"stop",
						  "remove",  "crashed", "lost", "unknown"};
	const unsigned int kinds = sizeof(total_names) / sizeof(total_names[0]);
	uint32_t totals[sizeof(total_names) / sizeof(total_names[0])] = {0};
	uint64_t guest_size = 0;
	unsigned int nodes;
	void *guest;
	int r;

	if (ctl->nargs != 1)
		return usage_error(ctl, "status takes no arguments");
	r = open_vmm(ctl);
	if (r)
		return r;
	nodes = sidecar_vmm_node_count(ctl->vmm);
	if (ctl->json)
		fputs("{\"nodes\":[", ctl->out);
	for (unsigned int n = 0; n < nodes; n++) {
		struct sidecar_vmm_node_info info;
		uint8_t status[SIDECAR_MAX_CPUS_PER_NODE];
		bool sysfs;

		sidecar_vmm_node_info(ctl->vmm, n, &info);
		sysfs = sidecar_vmm_cpu_status(ctl->vmm, n, status, SIDECAR_MAX_CPUS_PER_NODE) >= 0;
		if (ctl->json) {
			fprintf(ctl->out,
				"%s{\"node\":%u,\"device\":\"%s\",\"base_cpu\":%" PRIu32
				",\"cpu_count\":%" PRIu32 ",\"per_cpu_shmem\":%" PRIu32
				",\"status_source\":\"%s\",\"cpus\":[",
				n ? "," : "", n, info.device, info.base_cpu, info.cpu_count,
				info.per_cpu_shmem, sysfs ? "sysfs" : "probe");
		} else {
			fprintf(ctl->out,
				"node %u  %s  cpus %" PRIu32 "-%" PRIu32 "  (%" PRIu32
				" bytes shared per cpu; status from %s)\n",
				n, info.device, info.base_cpu, info.base_cpu + info.cpu_count - 1,
				info.per_cpu_shmem, sysfs ? "sysfs" : "a NONE probe");
			fprintf(ctl->out, "  %5s  %-7s  %s\n", "cpu", "role", "status");
		}
		for (uint32_t i = 0; i < info.cpu_count; i++) {
			uint32_t cpu = info.base_cpu + i;
			const char *name =
				sysfs ? sidecar_cpu_status_name(status[i]) : probe_status(ctl, cpu);
			unsigned int k;

			for (k = 0; k < kinds - 1 && strcmp(name, total_names[k]) != 0; k++)
				;
			totals[k]++;
			if (ctl->json)
				fprintf(ctl->out,
					"%s{\"cpu\":%" PRIu32 ",\"base\":%s,\"status\":\"%s\"}",
					i ? "," : "", cpu, i == 0 ? "true" : "false", name);
			else
				fprintf(ctl->out, "  %5" PRIu32 "  %-7s  %s\n", cpu,
					i == 0 ? "base" : "sidecar", name);
		}
		if (ctl->json)
			fputs("]}", ctl->out);
	}
	if (sidecar_vmm_guest_memory(ctl->vmm, &guest, &guest_size) < 0)
		guest_size = 0;
	if (ctl->json) {
		fprintf(ctl->out, "],\"guest_memory\":%" PRIu64 "}\n", guest_size);
		return SIDECARCTL_OK;
	}
	fprintf(ctl->out, "%u node%s, %" PRIu32 " cpus:", nodes, nodes == 1 ? "" : "s",
		sidecar_vmm_cpu_count(ctl->vmm));
	for (unsigned int k = 0, first = 1; k < kinds; k++) {
		if (totals[k]) {
			fprintf(ctl->out, "%s %" PRIu32 " %s", first ? "" : ",", totals[k],
				total_names[k]);
			first = 0;
		}
	}
	fputc('\n', ctl->out);
	if (guest_size)
		fprintf(ctl->out, "guest memory: %" PRIu64 " KiB (sidecar_guest)\n",
			guest_size >> 10);
	else
		fputs("guest memory: none (no VP backend: RUN_VP will fail)\n", ctl->out);
	return SIDECARCTL_OK;
}

/* ---- ping ---- */

static int cmd_ping(struct ctl *ctl)
{
	uint64_t count = DEFAULT_PING_COUNT, min = UINT64_MAX, max = 0, total = 0;
	struct sidecar_vp *vp;
	uint32_t cpu;
	int r;

	if (ctl->nargs != 2)
		return usage_error(ctl, "usage: ping CPU [--count N]");
	r = parse_cpu(ctl, ctl->args[1], &cpu);
	if (r)
		return r;
	if (ctl->count_arg && (!parse_u64(ctl->count_arg, &count) || count == 0 || count > 1000000))
		return usage_error(ctl, "bad --count '%s' (1..1000000)", ctl->count_arg);
	r = open_vmm(ctl);
	if (!r)
		r = acquire(ctl, cpu, &vp);
	if (r)
		return r;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t t0 = now_ns(), dt;

		if (sidecar_vp_test(vp) < 0) {
			r = fail(ctl, "ping cpu %" PRIu32 ": %s", cpu,
				 sidecar_vp_error_message(vp));
			sidecar_vp_release(vp);
			return r;
		}
		dt = now_ns() - t0;
		total += dt;
		min = dt < min ? dt : min;
		max = dt > max ? dt : max;
	}
	sidecar_vp_release(vp);
	if (ctl->json)
		fprintf(ctl->out,
			"{\"cpu\":%" PRIu32 ",\"count\":%" PRIu64 ",\"min_ns\":%" PRIu64
			",\"avg_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 "}\n",
			cpu, count, min, total / count, max);
	else
		fprintf(ctl->out,
			"cpu %" PRIu32 ": %" PRIu64 " round trip%s, min %.1f us, avg %.1f us, "
			"max %.1f us\n",
			cpu, count, count == 1 ? "" : "s", (double)min / 1000.0,
			(double)total / (double)count / 1000.0, (double)max / 1000.0);
	return SIDECARCTL_OK;
}

/* ---- get / set ---- */

static void print_value(struct ctl *ctl, const struct hv_register_assoc *a)
{
	const union hv_register_value *v = &a->value;
	char label[32];

	register_label(a->name, label, sizeof(label));
	switch (sidecar_vmm_register_kind(a->name)) {
	case SIDECAR_REGISTER_U128:
		if (ctl->json)
			fprintf(ctl->out, "\"value\":\"0x%016" PRIx64 "%016" PRIx64 "\"",
				v->reg128.high, v->reg128.low);
		else
			fprintf(ctl->out, "%-20s 0x%016" PRIx64 "%016" PRIx64 "\n", label,
				v->reg128.high, v->reg128.low);
		break;
	case SIDECAR_REGISTER_SEGMENT:
		if (ctl->json)
			fprintf(ctl->out,
				"\"value\":{\"base\":\"0x%" PRIx64 "\",\"limit\":\"0x%" PRIx32
				"\",\"selector\":\"0x%" PRIx16 "\",\"attributes\":\"0x%" PRIx16
				"\"}",
				v->segment.base, v->segment.limit, v->segment.selector,
				v->segment.attributes);
		else
			fprintf(ctl->out,
				"%-20s base=0x%016" PRIx64 " limit=0x%08" PRIx32
				" selector=0x%04" PRIx16 " attributes=0x%04" PRIx16 "\n",
				label, v->segment.base, v->segment.limit, v->segment.selector,
				v->segment.attributes);
		break;
	case SIDECAR_REGISTER_TABLE:
		if (ctl->json)
			fprintf(ctl->out,
				"\"value\":{\"base\":\"0x%" PRIx64 "\",\"limit\":\"0x%" PRIx16
				"\"}",
				v->table.base, v->table.limit);
		else
			fprintf(ctl->out, "%-20s base=0x%016" PRIx64 " limit=0x%04" PRIx16 "\n",
				label, v->table.base, v->table.limit);
		break;
	default:
		if (ctl->json)
			fprintf(ctl->out, "\"value\":\"0x%" PRIx64 "\"", v->reg64);
		else
			fprintf(ctl->out, "%-20s 0x%016" PRIx64 "\n", label, v->reg64);
		break;
	}
}

/* Runs GET or SET for the parsed registers; reports a failure. */
static int registers_call(struct ctl *ctl, uint32_t cpu, bool set, struct hv_register_assoc *regs,
			  size_t count)
{
	struct sidecar_vp *vp;
	int r = open_vmm(ctl);

	if (!r)
		r = acquire(ctl, cpu, &vp);
	if (r)
		return r;
	r = set ? sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, count)
		: sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, regs, count);
	if (r < 0) {
		struct sidecar_vp_error e;
		char first[32] = "";

		sidecar_vp_last_error(vp, &e);
		/* Name the register when the failing command held just one. */
		if (e.source == SIDECAR_VMM_ERROR_HV && e.register_count == 1)
			register_label(regs[e.first_register].name, first, sizeof(first));
		r = fail(ctl, "%s cpu %" PRIu32 ": %s%s%s", set ? "set" : "get", cpu,
			 sidecar_vp_error_message(vp), first[0] ? ": " : "", first);
	}
	sidecar_vp_release(vp);
	return r < 0 ? SIDECARCTL_FAILED : r;
}

static int cmd_get(struct ctl *ctl)
{
	struct hv_register_assoc regs[MAX_ARGS];
	size_t count = 0;
	uint32_t cpu;
	int r;

	if (ctl->nargs < 3)
		return usage_error(ctl, "usage: get CPU REG...");
	r = parse_cpu(ctl, ctl->args[1], &cpu);
	if (r)
		return r;
	for (int i = 2; i < ctl->nargs; i++) {
		memset(&regs[count], 0, sizeof(regs[count]));
		if (sidecar_vmm_register_by_name(ctl->args[i], &regs[count].name) < 0)
			return usage_error(ctl, "unknown register '%s' (sidecarctl registers)",
					   ctl->args[i]);
		count++;
	}
	r = registers_call(ctl, cpu, false, regs, count);
	if (r)
		return r;
	if (ctl->json)
		fprintf(ctl->out, "{\"cpu\":%" PRIu32 ",\"registers\":[", cpu);
	for (size_t i = 0; i < count; i++) {
		if (ctl->json) {
			char label[32];

			register_label(regs[i].name, label, sizeof(label));
			fprintf(ctl->out, "%s{\"name\":", i ? "," : "");
			json_string(ctl->out, label);
			fprintf(ctl->out, ",\"register\":\"0x%08" PRIx32 "\",", regs[i].name);
			print_value(ctl, &regs[i]);
			fputc('}', ctl->out);
		} else {
			print_value(ctl, &regs[i]);
		}
	}
	if (ctl->json)
		fputs("]}\n", ctl->out);
	return SIDECARCTL_OK;
}

static int cmd_set(struct ctl *ctl)
{
	struct hv_register_assoc regs[MAX_ARGS];
	size_t count = 0;
	uint32_t cpu;
	int r;

	if (ctl->nargs < 3)
		return usage_error(ctl, "usage: set CPU REG=VALUE...");
	r = parse_cpu(ctl, ctl->args[1], &cpu);
	if (r)
		return r;
	for (int i = 2; i < ctl->nargs; i++) {
		const char *eq = strchr(ctl->args[i], '=');
		char name[64];

		if (!eq || eq == ctl->args[i] || (size_t)(eq - ctl->args[i]) >= sizeof(name))
			return usage_error(ctl, "expected REG=VALUE, not '%s'", ctl->args[i]);
		memcpy(name, ctl->args[i], (size_t)(eq - ctl->args[i]));
		name[eq - ctl->args[i]] = '\0';
		memset(&regs[count], 0, sizeof(regs[count]));
		if (sidecar_vmm_register_by_name(name, &regs[count].name) < 0)
			return usage_error(ctl, "unknown register '%s' (sidecarctl registers)",
					   name);
		if (!parse_value(regs[count].name, eq + 1, &regs[count].value))
			return usage_error(ctl, "bad value '%s' for %s", eq + 1, name);
		count++;
	}
	r = registers_call(ctl, cpu, true, regs, count);
	if (r)
		return r;
	if (ctl->json)
		fprintf(ctl->out, "{\"cpu\":%" PRIu32 ",\"set\":%zu}\n", cpu, count);
	else
		fprintf(ctl->out, "cpu %" PRIu32 ": set %zu register%s\n", cpu, count,
			count == 1 ? "" : "s");
	return SIDECARCTL_OK;
}

/* ---- translate ---- */

static const char *translate_result_name(uint32_t code)
{
	static const char *const names[] = {
		"success",
		"page_not_present",
		"privilege_violation",
		"invalid_page_table_flags",
		"gpa_unmapped",
		"gpa_no_read_access",
		"gpa_no_write_access",
		"gpa_illegal_overlay_access",
		"intercept",
		"gpa_unaccepted",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "unknown";
}

static int cmd_translate(struct ctl *ctl)
{
	struct hv_translate_virtual_address_ex_output_x64 out;
	uint64_t gva, flags = HV_TRANSLATE_GVA_VALIDATE_READ;
	struct sidecar_vp *vp;
	uint32_t cpu, code;
	int r;

	if (ctl->nargs != 3)
		return usage_error(ctl, "usage: translate CPU GVA [--flags F]");
	r = parse_cpu(ctl, ctl->args[1], &cpu);
	if (r)
		return r;
	if (!parse_u64(ctl->args[2], &gva))
		return usage_error(ctl, "bad address '%s'", ctl->args[2]);
	if (ctl->flags_arg && !parse_u64(ctl->flags_arg, &flags))
		return usage_error(ctl, "bad --flags '%s'", ctl->flags_arg);
	r = open_vmm(ctl);
	if (!r)
		r = acquire(ctl, cpu, &vp);
	if (r)
		return r;
	r = sidecar_vp_translate_gva(vp, gva >> 12, flags, &out);
	if (r < 0) {
		r = fail(ctl, "translate cpu %" PRIu32 ": %s", cpu, sidecar_vp_error_message(vp));
		sidecar_vp_release(vp);
		return r;
	}
	sidecar_vp_release(vp);
	code = (uint32_t)(out.translation_result.result & HV_TRANSLATE_GVA_RESULT_CODE_MASK);
	if (ctl->json) {
		fprintf(ctl->out,
			"{\"cpu\":%" PRIu32 ",\"gva\":\"0x%" PRIx64 "\",\"result\":\"%s\"", cpu,
			gva, translate_result_name(code));
		if (code == HV_TRANSLATE_GVA_SUCCESS)
			fprintf(ctl->out, ",\"gpa\":\"0x%" PRIx64 "\"",
				(out.gpa_page << 12) | (gva & 0xFFF));
		fputs("}\n", ctl->out);
	} else if (code == HV_TRANSLATE_GVA_SUCCESS) {
		fprintf(ctl->out, "cpu %" PRIu32 ": gva 0x%" PRIx64 " -> gpa 0x%" PRIx64 "\n", cpu,
			gva, (out.gpa_page << 12) | (gva & 0xFFF));
	} else {
		fprintf(ctl->out, "cpu %" PRIu32 ": gva 0x%" PRIx64 ": %s\n", cpu, gva,
			translate_result_name(code));
	}
	return SIDECARCTL_OK;
}

/* ---- convert ---- */

static int cmd_convert(struct ctl *ctl)
{
	struct sidecar_vp *vp;
	uint32_t cpu;
	int node, r;

	if (ctl->nargs != 2)
		return usage_error(ctl, "usage: convert CPU");
	r = parse_cpu(ctl, ctl->args[1], &cpu);
	if (r)
		return r;
	r = open_vmm(ctl);
	if (r)
		return r;
	node = sidecar_vmm_node_of(ctl->vmm, cpu);
	if (node < 0)
		return fail(ctl, "cpu %" PRIu32 " is not in any sidecar node", cpu);
	r = sidecar_vmm_convert_cpu(ctl->vmm, cpu);
	if (r == -EALREADY)
		return fail(ctl,
			    "cpu %" PRIu32 " is the base CPU of node %d: it already runs Linux",
			    cpu, node);
	if (r < 0)
		return fail(ctl, "cannot bring cpu %" PRIu32 " online: %s", cpu, strerror(-r));
	/* The driver takes the CPU out of the sidecar before Linux starts it:
	 * from now on it must answer ENOENT. */
	r = acquire(ctl, cpu, &vp);
	if (r)
		return r;
	r = sidecar_vp_test(vp);
	if (r == 0) {
		sidecar_vp_release(vp);
		return fail(ctl, "cpu %" PRIu32 " is online but still answers in the sidecar", cpu);
	}
	if (r != -ENOENT) {
		r = fail(ctl, "cpu %" PRIu32 " is online, but the driver reports: %s", cpu,
			 sidecar_vp_error_message(vp));
		sidecar_vp_release(vp);
		return r;
	}
	sidecar_vp_release(vp);
	if (ctl->json)
		fprintf(ctl->out, "{\"cpu\":%" PRIu32 ",\"converted\":true}\n", cpu);
	else
		fprintf(ctl->out, "cpu %" PRIu32 " converted to Linux\n", cpu);
	return SIDECARCTL_OK;
}

/* ---- registers ---- */

static int cmd_registers(struct ctl *ctl)
{
	static const char *const kinds[] = {"u64", "u128", "segment", "table"};
	hv_register_name_t name;
	const char *n;

	if (ctl->nargs != 1)
		return usage_error(ctl, "registers takes no arguments");
	if (ctl->json)
		fputs("{\"registers\":[", ctl->out);
	for (size_t i = 0; (n = sidecar_vmm_register_at(i, &name)); i++) {
		const char *kind = kinds[sidecar_vmm_register_kind(name)];

		if (ctl->json)
			fprintf(ctl->out,
				"%s{\"name\":\"%s\",\"register\":\"0x%08" PRIx32
				"\",\"kind\":\"%s\"}",
				i ? "," : "", n, name, kind);
		else
			fprintf(ctl->out, "%-30s 0x%08" PRIx32 "  %s\n", n, name, kind);
	}
	if (ctl->json)
		fputs("]}\n", ctl->out);
	return SIDECARCTL_OK;
}

/* ---- main ---- */

static int parse_args(struct ctl *ctl, int argc, char **argv, bool *help)
{
	bool options = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **value = NULL;

		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		if (options && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			*help = true;
			continue;
		}
		if (options && !strcmp(a, "--json")) {
			ctl->json = true;
			continue;
		}
		if (options && !strcmp(a, "--dev-dir"))
			value = &ctl->dev_dir;
		else if (options && !strcmp(a, "--sysfs-dir"))
			value = &ctl->sysfs_dir;
		else if (options && !strcmp(a, "--count"))
			value = &ctl->count_arg;
		else if (options && !strcmp(a, "--flags"))
			value = &ctl->flags_arg;
		if (value) {
			if (i + 1 == argc)
				return usage_error(ctl, "%s needs a value", a);
			*value = argv[++i];
			continue;
		}
		if (options && a[0] == '-' && a[1] == '-')
			return usage_error(ctl, "unknown option '%s'", a);
		if (ctl->nargs == MAX_ARGS)
			return usage_error(ctl, "too many arguments");
		ctl->args[ctl->nargs++] = a;
	}
	return 0;
}

int sidecarctl_main(int argc, char **argv, const struct sidecarctl_env *env)
{
	static const struct {
		const char *name;
		int (*run)(struct ctl *ctl);
	} commands[] = {
		{"status", cmd_status},
		{"ping", cmd_ping},
		{"get", cmd_get},
		{"set", cmd_set},
		{"translate", cmd_translate},
		{"convert", cmd_convert},
		{"registers", cmd_registers},
	};
	struct ctl ctl = {.env = env, .out = env->out, .err = env->err};
	bool help = false;
	int r;

	r = parse_args(&ctl, argc, argv, &help);
	if (r)
		return r;
	if (help) {
		usage(ctl.out);
		return SIDECARCTL_OK;
	}
	if (ctl.nargs == 0) {
		usage(ctl.err);
		return SIDECARCTL_USAGE;
	}
	r = -1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(ctl.args[0], commands[i].name)) {
			r = commands[i].run(&ctl);
			break;
		}
	}
	if (r < 0)
		r = usage_error(&ctl, "unknown command '%s'", ctl.args[0]);
	sidecar_vmm_close(ctl.vmm);
	fflush(ctl.out);
	return r;
}
