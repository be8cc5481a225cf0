// SPDX-License-Identifier: MIT
#include "sidecar_planner.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Matches OpenHCL's `cmdline.split_whitespace().any(|s| s == token)`. */
bool sidecar_cmdline_has_token(const char *cmdline, const char *token)
{
	size_t token_len = 0;

	if (!cmdline || !token)
		return false;
	while (token[token_len])
		token_len++;

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
		if (len && len == token_len) {
			size_t i = 0;

			while (i < len && word[i] == token[i])
				i++;
			if (i == len)
				return true;
		}
	}
	return false;
}
