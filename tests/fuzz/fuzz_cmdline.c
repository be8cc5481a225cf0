// SPDX-License-Identifier: MIT
/*
 * The command-line parsers: sidecar_cmdline_has_token() and
 * sidecar_cmdline_parse() (planner/src/cmdline.c; OPENHCL_SIDECAR=, the
 * planner's SIDECAR_LOGGING=1 and the shim's words) and the shim's
 * guest_mem= option (guest_memory_option(), boot/guest_memory.c).
 * The command line comes from the host's tree or the boot loader.
 *
 * Input: a selector byte, then the command line's bytes (NUL-terminated
 * here, in a buffer of exactly that size: ASan flags any read past it).
 * Invariants:
 *  - has_token() agrees with a plain reference split on the same
 *    whitespace (OpenHCL's split_whitespace().any(|s| s == token)), for a
 *    fixed token and for a word taken from the line itself;
 *  - parse() agrees with a reference of openhcl_boot's cmdline.rs (every
 *    word starting with OPENHCL_SIDECAR=, its value split on ',', each
 *    item on/off/log replacing the whole state, others ignored; then
 *    SIDECAR_LOGGING=1 turns logging on if enabled); logging implies
 *    enabled; and, whatever the line, appending OPENHCL_SIDECAR=off
 *    disables, appending =log enables with logging, appending =on enables
 *    with logging exactly when the line has the word SIDECAR_LOGGING=1;
 *  - guest_memory_option() either fails with a non-empty one-line reason
 *    naming the bad word, or returns the value of the last guest_mem= word
 *    (the default without one), and that value is a multiple of 2 MiB up
 *    to 4 GiB; a failure means some guest_mem= word is bad;
 *  - parse(format(x)) == x: every 2 MiB multiple up to 4 GiB written in
 *    bytes, K, M or G (where exact) reads back as itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, strtok_r */
#endif
#include <sidecar/boot_ext.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "fuzz_check.h"
#include "guest_memory.h"
#include "phys_alloc.h"
#include "serial.h"
#include "sidecar_planner.h"

/* guest_memory.c's allocation half links against the shim; the harness
 * only calls the option parser, so these must never run. */
_Noreturn void shim_boot_error(const char *fmt, ...)
{
	FUZZ_CHECK(0, "shim_boot_error(%s) called", fmt);
	abort();
}

void shim_print(const char *fmt, ...)
{
	FUZZ_CHECK(0, "shim_print(%s) called", fmt);
}

uint64_t phys_alloc_range(uint64_t size, uint64_t align, uint64_t min, uint64_t max,
			  const char *what)
{
	FUZZ_CHECK(0, "phys_alloc_range(%llu, %llu, %llu, %llu, %s) called",
		   (unsigned long long)size, (unsigned long long)align, (unsigned long long)min,
		   (unsigned long long)max, what);
	return 0;
}

/* The whitespace of both parsers' word splitting. */
static bool planner_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool shim_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The reference: split into words, compare each. */
static bool ref_has_token(const char *s, const char *token)
{
	size_t tlen = strlen(token);

	while (*s) {
		size_t len = 0;

		while (*s && planner_space(*s))
			s++;
		while (s[len] && !planner_space(s[len]))
			len++;
		if (len && len == tlen && !memcmp(s, token, len))
			return true;
		s += len;
	}
	return false;
}

/* The reference guest_mem= value of one word's value part; false if bad. */
static bool ref_size(const char *v, size_t len, uint64_t *out)
{
	unsigned __int128 x = 0;
	size_t i = 0;
	unsigned shift = 0;

	if (!len || v[0] < '0' || v[0] > '9')
		return false;
	for (; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
		x = x * 10 + (unsigned)(v[i] - '0');
		if (x > UINT64_MAX)
			return false;
	}
	if (i < len) {
		switch (v[i]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			return false;
		}
		if (++i != len)
			return false;
	}
	x <<= shift;
	if (x > UINT64_MAX || x % SIDECAR_EXT_GUEST_MEMORY_ALIGN ||
	    x > SIDECAR_EXT_MAX_GUEST_MEMORY)
		return false;
	*out = (uint64_t)x;
	return true;
}

static void check_guest_mem(const char *line)
{
	static const char key[] = "guest_mem=";
	char why[160];
	uint64_t got = 0, want = GUEST_MEMORY_DEFAULT;
	bool ok, want_ok = true;
	const char *s = line;

	while (*s) {
		size_t len = 0;

		while (*s && shim_space(*s))
			s++;
		while (s[len] && !shim_space(s[len]))
			len++;
		if (len >= sizeof(key) - 1 && !memcmp(s, key, sizeof(key) - 1)) {
			uint64_t v;

			if (ref_size(s + sizeof(key) - 1, len - (sizeof(key) - 1), &v))
				want = v;
			else
				want_ok = false;
		}
		s += len;
		if (!want_ok)
			break;
	}
	why[0] = '\0';
	ok = guest_memory_option(line, &got, why, sizeof(why));
	FUZZ_CHECK(ok == want_ok, "guest_memory_option says %d ('%s'), the reference %d", ok, why,
		   want_ok);
	if (ok) {
		FUZZ_CHECK(got == want, "guest_mem %llu, the reference %llu",
			   (unsigned long long)got, (unsigned long long)want);
		FUZZ_CHECK(got % SIDECAR_EXT_GUEST_MEMORY_ALIGN == 0 &&
				   got <= SIDECAR_EXT_MAX_GUEST_MEMORY,
			   "guest_mem %llu out of bounds", (unsigned long long)got);
	} else {
		FUZZ_CHECK(why[0] && strstr(why, "guest_mem=") && !strchr(why, '\n'), "reason '%s'",
			   why);
	}
}

/* cmdline.rs, written out with the C library: strtok over a copy. */
static struct sidecar_cmdline_options ref_parse(const char *line)
{
	static const char key[] = "OPENHCL_SIDECAR=";
	struct sidecar_cmdline_options o = {.enabled = true};
	char *copy = strdup(line), *save = NULL;

	FUZZ_CHECK(copy, "out of memory");
	for (char *w = strtok_r(copy, " \t\n\r\f\v", &save); w;
	     w = strtok_r(NULL, " \t\n\r\f\v", &save)) {
		char *item = w + sizeof(key) - 1;

		if (strncmp(w, key, sizeof(key) - 1))
			continue;
		for (;;) {
			char *comma = strchr(item, ',');
			size_t len = comma ? (size_t)(comma - item) : strlen(item);

			if (len == 3 && !memcmp(item, "off", 3))
				o = (struct sidecar_cmdline_options){false, false};
			else if (len == 2 && !memcmp(item, "on", 2))
				o = (struct sidecar_cmdline_options){true, false};
			else if (len == 3 && !memcmp(item, "log", 3))
				o = (struct sidecar_cmdline_options){true, true};
			if (!comma)
				break;
			item = comma + 1;
		}
	}
	free(copy);
	if (o.enabled && ref_has_token(line, "SIDECAR_LOGGING=1"))
		o.enable_logging = true;
	return o;
}

static void check_options(const char *line)
{
	static const char *const tails[] = {" OPENHCL_SIDECAR=off", " OPENHCL_SIDECAR=log",
					    " OPENHCL_SIDECAR=on"};
	struct sidecar_cmdline_options got = sidecar_cmdline_parse(line), want = ref_parse(line);
	bool logging_word = ref_has_token(line, "SIDECAR_LOGGING=1");

	FUZZ_CHECK(got.enabled == want.enabled && got.enable_logging == want.enable_logging,
		   "parse says enabled %d logging %d, the reference %d %d", got.enabled,
		   got.enable_logging, want.enabled, want.enable_logging);
	FUZZ_CHECK(got.enabled || !got.enable_logging, "logging while disabled");
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t len = strlen(line), tail = strlen(tails[i]);
		char *longer = malloc(len + tail + 1);
		struct sidecar_cmdline_options o;

		FUZZ_CHECK(longer, "out of memory");
		memcpy(longer, line, len);
		memcpy(longer + len, tails[i], tail + 1);
		o = sidecar_cmdline_parse(longer);
		free(longer);
		if (i == 0)
			FUZZ_CHECK(!o.enabled && !o.enable_logging, "'...%s' not disabled",
				   tails[i]);
		else if (i == 1)
			FUZZ_CHECK(o.enabled && o.enable_logging, "'...%s' not logging", tails[i]);
		else
			FUZZ_CHECK(o.enabled && o.enable_logging == logging_word,
				   "'...%s': logging %d, SIDECAR_LOGGING=1 word %d", tails[i],
				   o.enable_logging, logging_word);
	}
}

static void round_trip(uint32_t seed)
{
	static const char *const units[] = {"", "K", "M", "G"};
	uint64_t x = (uint64_t)(seed % 2049) * SIDECAR_EXT_GUEST_MEMORY_ALIGN;
	char line[64], why[160];

	for (unsigned u = 0; u < 4; u++) {
		uint64_t got = 1, div = 1ull << (10 * u);

		if (x % div)
			continue;
		snprintf(line, sizeof(line), "quiet guest_mem=%llu%s log",
			 (unsigned long long)(x / div), units[u]);
		FUZZ_CHECK(guest_memory_option(line, &got, why, sizeof(why)), "'%s': %s", line,
			   why);
		FUZZ_CHECK(got == x, "'%s' read as %llu", line, (unsigned long long)got);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tokens[] = {"SIDECAR_LOGGING=1", "log", "selftest", "nofault", ""};
	char *line, token[64];
	uint32_t seed = 0;
	size_t n;

	if (size < 1)
		return 0;
	memcpy(&seed, data, size < 4 ? size : 4);
	line = malloc(size);
	FUZZ_CHECK(line, "out of memory");
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';

	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		FUZZ_CHECK(sidecar_cmdline_has_token(line, tokens[i]) ==
				   ref_has_token(line, tokens[i]),
			   "token '%s'", tokens[i]);
	/* A word of the line itself (which must match), chosen by data[0]. */
	n = strnlen(line + data[0] % size, sizeof(token) - 1);
	memcpy(token, line + data[0] % size, n);
	token[n] = '\0';
	FUZZ_CHECK(sidecar_cmdline_has_token(line, token) == ref_has_token(line, token),
		   "token '%s'", token);

	check_options(line);
	check_guest_mem(line);
	round_trip(seed);
	free(line);
	return 0;
}
