// SPDX-License-Identifier: MIT
/*
 * The shared formatter: see sc_format.h for the supported conversions.
 * No floating point and no allocation, so it is safe in the sidecar kernel
 * (general-purpose registers only) and in exception handlers.
 */
#include "sc_format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left;
	bool zero;
	bool alt; /* '#': 0x prefix for non-zero %x */
	int width;
	int precision; /* -1: none */
	char length;   /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 'j' */
};

static void emit_repeat(sc_emit_fn emit, void *ctx, char c, int count, size_t *total)
{
	static const char spaces[] = "                ";
	static const char zeros[] = "0000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	while (count > 0) {
		size_t n = count > 16 ? 16 : (size_t)count;

		emit(ctx, src, n);
		*total += n;
		count -= (int)n;
	}
}

static void emit_padded(sc_emit_fn emit, void *ctx, const struct spec *spec, const char *text,
			size_t len, size_t *total)
{
	int pad = spec->width > (int)len ? spec->width - (int)len : 0;

	if (!spec->left)
		emit_repeat(emit, ctx, ' ', pad, total);
	if (len) {
		emit(ctx, text, len);
		*total += len;
	}
	if (spec->left)
		emit_repeat(emit, ctx, ' ', pad, total);
}

static void emit_number(sc_emit_fn emit, void *ctx, const struct spec *spec, uint64_t value,
			bool negative, unsigned int base, bool upper, const char *prefix,
			size_t *total)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	size_t len = 0;
	size_t prefix_len = 0;
	int body, pad;

	do {
		buf[sizeof(buf) - 1 - len++] = digits[value % base];
		value /= base;
	} while (value);

	while (prefix && prefix[prefix_len])
		prefix_len++;

	body = (int)(len + prefix_len + (negative ? 1 : 0));
	pad = spec->width > body ? spec->width - body : 0;

	if (!spec->left && !spec->zero)
		emit_repeat(emit, ctx, ' ', pad, total);
	if (negative) {
		emit(ctx, "-", 1);
		*total += 1;
	}
	if (prefix_len) {
		emit(ctx, prefix, prefix_len);
		*total += prefix_len;
	}
	if (!spec->left && spec->zero)
		emit_repeat(emit, ctx, '0', pad, total);
	emit(ctx, buf + sizeof(buf) - len, len);
	*total += len;
	if (spec->left)
		emit_repeat(emit, ctx, ' ', pad, total);
}

static uint64_t fetch_unsigned(const struct spec *spec, va_list *ap)
{
	switch (spec->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned int);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned int);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z': /* NOLINT(bugprone-branch-clone): size_t is uintmax_t on LP64 only */
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t fetch_signed(const struct spec *spec, va_list *ap)
{
	switch (spec->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (int64_t)va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static const char *parse_spec(const char *p, struct spec *spec, va_list *ap)
{
	*spec = (struct spec){.precision = -1};

	for (;; p++) {
		if (*p == '-')
			spec->left = true;
		else if (*p == '#')
			spec->alt = true;
		else if (*p == '0')
			spec->zero = true;
		else
			break;
	}
	if (*p == '*') {
		spec->width = va_arg(*ap, int);
		if (spec->width < 0) {
			spec->left = true;
			spec->width = -spec->width;
		}
		p++;
	} else {
		while (*p >= '0' && *p <= '9')
			spec->width = spec->width * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		spec->precision = 0;
		if (*p == '*') {
			spec->precision = va_arg(*ap, int);
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				spec->precision = spec->precision * 10 + (*p++ - '0');
		}
	}
	if (p[0] == 'h' && p[1] == 'h') {
		spec->length = 'H';
		p += 2;
	} else if (p[0] == 'l' && p[1] == 'l') {
		spec->length = 'L';
		p += 2;
	} else if (*p == 'h' || *p == 'l' || *p == 'z' || *p == 'j') {
		spec->length = *p++;
	}
	return p;
}

size_t sc_vformat(sc_emit_fn emit, void *ctx, const char *fmt, va_list ap_in)
{
	size_t total = 0;
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		const char *start = fmt;
		struct spec spec;

		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt != start) {
			emit(ctx, start, (size_t)(fmt - start));
			total += (size_t)(fmt - start);
		}
		if (!*fmt)
			break;

		start = fmt++;
		fmt = parse_spec(fmt, &spec, &ap);
		switch (*fmt) {
		case '%':
			emit(ctx, "%", 1);
			total++;
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			emit_padded(emit, ctx, &spec, &c, 1, &total);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t len = 0;

			if (!s)
				s = "(null)";
			while ((spec.precision < 0 || len < (size_t)spec.precision) && s[len])
				len++;
			emit_padded(emit, ctx, &spec, s, len, &total);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = fetch_signed(&spec, &ap);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

			emit_number(emit, ctx, &spec, mag, v < 0, 10, false, NULL, &total);
			break;
		}
		case 'u':
			emit_number(emit, ctx, &spec, fetch_unsigned(&spec, &ap), false, 10, false,
				    NULL, &total);
			break;
		case 'x':
		case 'X': {
			uint64_t v = fetch_unsigned(&spec, &ap);

			emit_number(emit, ctx, &spec, v, false, 16, *fmt == 'X',
				    spec.alt && v ? (*fmt == 'X' ? "0X" : "0x") : NULL, &total);
			break;
		}
		case 'p':
			emit_number(emit, ctx, &spec, (uintptr_t)va_arg(ap, void *), false, 16,
				    false, "0x", &total);
			break;
		default:
			/* Unknown conversion: show it as written. */
			if (!*fmt)
				fmt--;
			emit(ctx, start, (size_t)(fmt - start + 1));
			total += (size_t)(fmt - start + 1);
			break;
		}
		fmt++;
	}
	va_end(ap);
	return total;
}

size_t sc_format(sc_emit_fn emit, void *ctx, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = sc_vformat(emit, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct buffer {
	char *buf;
	size_t size;
	size_t used;
};

static void emit_to_buffer(void *ctx, const char *text, size_t len)
{
	struct buffer *b = ctx;

	for (size_t i = 0; i < len; i++) {
		if (b->used + 1 < b->size)
			b->buf[b->used] = text[i];
		b->used++;
	}
}

size_t sc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = {.buf = buf, .size = size};

	sc_vformat(emit_to_buffer, &b, fmt, ap);
	if (size)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return b.used;
}

size_t sc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = sc_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

bool sc_reason(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return false;
}
