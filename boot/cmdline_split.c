// SPDX-License-Identifier: MIT
/* Where the shim's words end and Linux's begin (cmdline_split.h). */
#include "cmdline_split.h"
#include "sc_format.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *linux_split_cmdline(char *cmdline)
{
	static char extra[MB_CMDLINE_SIZE];
	char *p = cmdline;

	extra[0] = '\0';
	while (*p) {
		char *word;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		if (p - word == 2 && word[0] == '-' && word[1] == '-') {
			while (is_space(*p))
				p++;
			sc_snprintf(extra, sizeof(extra), "%s", p);
			*word = '\0';
			break;
		}
	}
	return extra;
}
