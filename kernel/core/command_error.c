// SPDX-License-Identifier: MIT
#include "sk_error.h"
#include "sc_format.h"

static void emit_error(void *ctx, const char *text, size_t len)
{
	struct sidecar_command_error *e = ctx;

	for (size_t i = 0; i < len && e->len < sizeof(e->buf); i++)
		e->buf[e->len++] = (uint8_t)text[i];
}

void sk_error_vformat(struct sidecar_command_error *error, const char *fmt, va_list ap)
{
	error->len = 0;
	sc_vformat(emit_error, error, fmt, ap);
}
