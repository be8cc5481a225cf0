// SPDX-License-Identifier: MIT
/*
 * The parser of the driver's cpu_status sysfs file. The driver decides the
 * exact format, so the parser takes every reasonable spelling (see
 * sidecar_vmm_cpu_status() in sidecar_vmm.h):
 *
 *     0 removed          cpu0: removed        0=0
 *     1 idle             cpu1: idle           1=1
 *
 * or the statuses alone, in CPU order ("removed idle idle run", or one per
 * line). Lines it does not understand (headers, comments) are skipped.
 * sidecar.ko writes "%u %s\n" per CPU with the names of
 * sidecar_cpu_status_name(), "crashed", "lost", or "invalid" (left unknown
 * here).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"
#include "sidecar_vmm.h"

#define MAX_TOKENS 8

static const struct {
	const char *name;
	uint8_t status;
} status_words[] = {
	{"removed", SIDECAR_CPU_STATUS_REMOVED},     {"linux", SIDECAR_CPU_STATUS_REMOVED},
	{"offline", SIDECAR_CPU_STATUS_REMOVED},     {"converted", SIDECAR_CPU_STATUS_REMOVED},
	{"idle", SIDECAR_CPU_STATUS_IDLE},	     {"run", SIDECAR_CPU_STATUS_RUN},
	{"running", SIDECAR_CPU_STATUS_RUN},	     {"busy", SIDECAR_CPU_STATUS_RUN},
	{"stop", SIDECAR_CPU_STATUS_STOP},	     {"stopping", SIDECAR_CPU_STATUS_STOP},
	{"remove", SIDECAR_CPU_STATUS_REMOVE},	     {"removing", SIDECAR_CPU_STATUS_REMOVE},
	{"crashed", SIDECAR_VMM_CPU_STATUS_CRASHED}, {"lost", SIDECAR_VMM_CPU_STATUS_LOST},
};

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == ':' || c == '=' || c == ',' || c == ';' || c == '\r';
}

static bool word_equals(const char *t, size_t len, const char *word)
{
	if (strlen(word) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (tolower((unsigned char)t[i]) != word[i])
			return false;
	}
	return true;
}

/* A decimal number of at most 9 digits. */
static bool parse_decimal(const char *t, size_t len, uint32_t *value)
{
	uint32_t v = 0;

	if (len == 0 || len > 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)t[i]))
			return false;
		v = v * 10 + (uint32_t)(t[i] - '0');
	}
	*value = v;
	return true;
}

static bool parse_status(const char *t, size_t len, uint8_t *status)
{
	uint32_t v;

	if (parse_decimal(t, len, &v)) {
		if (v > SIDECAR_CPU_STATUS_REMOVE)
			return false;
		*status = (uint8_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof(status_words) / sizeof(status_words[0]); i++) {
		if (word_equals(t, len, status_words[i].name)) {
			*status = status_words[i].status;
			return true;
		}
	}
	return false;
}

/* "17" or "cpu17". */
static bool parse_cpu(const char *t, size_t len, uint32_t *cpu)
{
	if (len > 3 && word_equals(t, 3, "cpu"))
		return parse_decimal(t + 3, len - 3, cpu);
	return parse_decimal(t, len, cpu);
}

struct pairs {
	uint32_t *cpu;
	uint8_t *status;
	size_t count, cap;
};

static bool push_pair(struct pairs *p, uint32_t cpu, uint8_t status)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		uint32_t *c = realloc(p->cpu, cap * sizeof(*c));
		uint8_t *s;

		if (!c)
			return false;
		p->cpu = c;
		s = realloc(p->status, cap);
		if (!s)
			return false;
		p->status = s;
		p->cap = cap;
	}
	p->cpu[p->count] = cpu;
	p->status[p->count] = status;
	p->count++;
	return true;
}

static void free_pairs(struct pairs *p)
{
	free(p->cpu);
	free(p->status);
}

/*
 * One line: "<cpu> <status> ..." goes to `pairs`; a line of statuses only
 * goes to `list` (statuses in CPU order). Returns false on allocation
 * failure.
 */
static bool parse_line(const char *line, size_t len, struct pairs *pairs, struct pairs *list)
{
	const char *tok[MAX_TOKENS];
	size_t tlen[MAX_TOKENS];
	size_t n = 0, i = 0;
	uint32_t cpu;
	uint8_t status;

	while (i < len && n < MAX_TOKENS) {
		while (i < len && is_separator(line[i]))
			i++;
		if (i == len)
			break;
		tok[n] = line + i;
		while (i < len && !is_separator(line[i]))
			i++;
		tlen[n] = (size_t)(line + i - tok[n]);
		n++;
	}
	if (n == 0 || tok[0][0] == '#')
		return true;

	/* A pair, unless every token is a status number (a numeric list). */
	if (n >= 2 && parse_cpu(tok[0], tlen[0], &cpu) && parse_status(tok[1], tlen[1], &status)) {
		bool numeric_list = n > 2;

		for (size_t k = 0; k < n && numeric_list; k++)
			numeric_list = parse_decimal(tok[k], tlen[k], &cpu) &&
				       parse_status(tok[k], tlen[k], &status);
		if (!numeric_list) {
			parse_cpu(tok[0], tlen[0], &cpu);
			parse_status(tok[1], tlen[1], &status);
			return push_pair(pairs, cpu, status);
		}
	}
	/* A list: every token must be a status. */
	for (size_t k = 0; k < n; k++) {
		if (!parse_status(tok[k], tlen[k], &status))
			return true;
	}
	for (size_t k = 0; k < n; k++) {
		parse_status(tok[k], tlen[k], &status);
		if (!push_pair(list, (uint32_t)list->count, status))
			return false;
	}
	return true;
}

int vmm_parse_cpu_status(const char *text, uint32_t base, uint32_t count, uint8_t *status)
{
	struct pairs pairs = {0}, list = {0};
	bool all_in_node = true, all_indexes = true;
	int found = 0;

	memset(status, SIDECAR_VMM_CPU_STATUS_UNKNOWN, count);
	while (*text) {
		size_t len = strcspn(text, "\n");

		if (!parse_line(text, len, &pairs, &list)) {
			free_pairs(&pairs);
			free_pairs(&list);
			return -ENOMEM;
		}
		text += len;
		if (*text)
			text++;
	}

	for (size_t i = 0; i < pairs.count; i++) {
		all_in_node &= pairs.cpu[i] >= base && pairs.cpu[i] - base < count;
		all_indexes &= pairs.cpu[i] < count;
	}
	/* Absolute CPU numbers unless only node indexes make sense. */
	for (size_t i = 0; i < pairs.count; i++) {
		uint32_t index;

		if (!all_in_node && all_indexes)
			index = pairs.cpu[i];
		else if (pairs.cpu[i] >= base && pairs.cpu[i] - base < count)
			index = pairs.cpu[i] - base;
		else
			continue;
		if (status[index] == SIDECAR_VMM_CPU_STATUS_UNKNOWN)
			found++;
		status[index] = pairs.status[i];
	}
	if (pairs.count == 0) {
		for (size_t i = 0; i < list.count && i < count; i++) {
			status[i] = list.status[i];
			found++;
		}
	}
	free_pairs(&pairs);
	free_pairs(&list);
	return found ? found : -EINVAL;
}
