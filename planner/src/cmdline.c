// SPDX-License-Identifier: MIT
/*
 * The command-line words the planner reads. Words are split on ASCII
 * whitespace; OpenHCL's split_whitespace() also splits on Unicode spaces
 * (U+0085, U+00A0, ...), which a boot command line does not carry.
 */
#include "sidecar_planner.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Calls `fn` for every word of `cmdline` (NULL is empty); stops when it
 * returns true and returns that. */
static bool for_each_word(const char *cmdline, bool (*fn)(void *, const char *, size_t), void *ctx)
{
	if (!cmdline)
		return false;
	while (*cmdline) {
		const char *word;
		size_t len = 0;

		while (is_space(*cmdline))
			cmdline++;
		word = cmdline;
		while (*cmdline && !is_space(*cmdline)) {
			cmdline++;
			len++;
		}
		if (len && fn(ctx, word, len))
			return true;
	}
	return false;
}

static bool equal(const char *a, size_t len, const char *b)
{
	size_t i = 0;

	while (i < len && b[i] && a[i] == b[i])
		i++;
	return i == len && !b[i];
}

static bool starts_with(const char *a, size_t len, const char *prefix)
{
	size_t i = 0;

	while (prefix[i] && i < len && a[i] == prefix[i])
		i++;
	return !prefix[i];
}

static bool word_is(void *token, const char *word, size_t len)
{
	return equal(word, len, token);
}

/* Matches OpenHCL's `cmdline.split_whitespace().any(|s| s == token)`. */
bool sidecar_cmdline_has_token(const char *cmdline, const char *token)
{
	if (!token)
		return false;
	return for_each_word(cmdline, word_is, (void *)token);
}

#define SIDECAR_OPTION "OPENHCL_SIDECAR="

/* cmdline.rs: `arg.starts_with(SIDECAR)`, then the value after the first
 * '=' split on ','; every item replaces the whole state. */
static bool apply_option(void *ctx, const char *word, size_t len)
{
	struct sidecar_cmdline_options *o = ctx;
	size_t i = sizeof(SIDECAR_OPTION) - 1;

	if (!starts_with(word, len, SIDECAR_OPTION))
		return false;
	while (i <= len) {
		size_t end = i;

		while (end < len && word[end] != ',')
			end++;
		if (equal(word + i, end - i, "off"))
			*o = (struct sidecar_cmdline_options){.enabled = false};
		else if (equal(word + i, end - i, "on"))
			*o = (struct sidecar_cmdline_options){.enabled = true};
		else if (equal(word + i, end - i, "log"))
			*o = (struct sidecar_cmdline_options){.enabled = true,
							      .enable_logging = true};
		i = end + 1;
	}
	return false;
}

struct sidecar_cmdline_options sidecar_cmdline_parse(const char *cmdline)
{
	/* cmdline.rs: SidecarOptions::default() is enabled without logging. */
	struct sidecar_cmdline_options o = {.enabled = true};

	for_each_word(cmdline, apply_option, &o);
	/* Ours (the seed's word, kept): logging on, never re-enabling. */
	if (o.enabled && sidecar_cmdline_has_token(cmdline, "SIDECAR_LOGGING=1"))
		o.enable_logging = true;
	return o;
}
