// SPDX-License-Identifier: MIT
/*
 * The boot shim's split of the loader's command line into its own words
 * and Linux's (boot/cmdline_split.c): the loader writes the text.
 *
 * Invariants, against a reference reading of the same bytes: the shim's
 * part is cut exactly at the first word "--" (and nothing else in it is
 * changed); the Linux part is the text after that word, without the blanks
 * that follow it, truncated to the buffer as the shim's formatter
 * truncates; without a "--" word nothing changes and the Linux part is
 * empty. ASan checks that no byte past the terminating NUL is read.
 */
#include <stdlib.h>
#include <string.h>

#include "cmdline_split.h"
#include "fuzz_check.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Offset of the first word that is exactly "--", or -1. */
static long dashdash(const char *s)
{
	for (size_t i = 0; s[i];) {
		size_t start;

		while (blank(s[i]))
			i++;
		start = i;
		while (s[i] && !blank(s[i]))
			i++;
		if (i - start == 2 && s[start] == '-' && s[start + 1] == '-')
			return (long)start;
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line, *orig;
	const char *extra;
	long at;

	/* multiboot_parse() copies at most MB_CMDLINE_SIZE - 1 bytes. */
	if (size >= MB_CMDLINE_SIZE)
		size = MB_CMDLINE_SIZE - 1;
	line = malloc(size + 1);
	orig = malloc(size + 1);
	FUZZ_CHECK(line && orig, "out of memory");
	memcpy(line, data, size);
	line[size] = '\0';
	memcpy(orig, line, size + 1);

	extra = linux_split_cmdline(line);
	at = dashdash(orig);
	if (at < 0) {
		FUZZ_CHECK(strcmp(line, orig) == 0, "the line changed without a \"--\" word");
		FUZZ_CHECK(extra[0] == '\0', "Linux words '%s' without a \"--\" word", extra);
	} else {
		const char *rest = orig + at + 2;
		size_t want;

		FUZZ_CHECK(strlen(line) == (size_t)at, "the shim's part is %zu bytes, not %ld",
			   strlen(line), at);
		FUZZ_CHECK(memcmp(line, orig, (size_t)at) == 0, "the shim's words changed");
		while (blank(*rest))
			rest++;
		want = strlen(rest);
		if (want > MB_CMDLINE_SIZE - 1)
			want = MB_CMDLINE_SIZE - 1;
		FUZZ_CHECK(strlen(extra) == want && memcmp(extra, rest, want) == 0,
			   "Linux words '%s', expected '%.*s'", extra, (int)want, rest);
	}
	free(line);
	free(orig);
	return 0;
}
