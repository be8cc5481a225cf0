// SPDX-License-Identifier: MIT
/* The shared formatter against the C library's printf, conversion by conversion. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "sc_format.h"

#define SAME(...)                                                                                  \
	do {                                                                                       \
		char ours[256], libc[256];                                                         \
		size_t n = sc_snprintf(ours, sizeof(ours), __VA_ARGS__);                           \
		int m = snprintf(libc, sizeof(libc), __VA_ARGS__);                                 \
		cr_expect_str_eq(ours, libc, "format %s", #__VA_ARGS__);                           \
		cr_expect_eq(n, (size_t)m, "length of %s", #__VA_ARGS__);                          \
	} while (0)

/* No format attribute here: these formats are deliberately invalid. */
static void format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

Test(format, integers)
{
	SAME("%d %i %u", 0, -1, 4000000000u);
	SAME("%d", INT32_MIN);
	SAME("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	SAME("%ld %lu %zu", -5L, 7UL, (size_t)123456789);
	/* int arguments truncated by the length modifier, as C17 7.21.6.1p7
	 * says; clang's -Wformat objects to exactly that. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	SAME("%hhu %hhd %hu %hd", 300, 200, 70000, 40000);
#pragma GCC diagnostic pop
	SAME("%x %X %llx", 0xdeadbeefu, 0xabcu, 0x123456789abcdefull);
	SAME("%#x %#llx %#x", 0x1f, 0xffull, 0);
	SAME("%jd %ju", (intmax_t)-42, (uintmax_t)42);
}

Test(format, widths_and_flags)
{
	SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
	SAME("[%05d] [%5d]", -42, -42);
	SAME("[%08x] [%#010x] [%#18llx]", 0xbeefu, 0xbeefu, 0x3fe51000ull);
	SAME("[%*d] [%-*d] [%*d]", 6, 1, 6, 2, -6, 3);
	SAME("[%10s] [%-10s] [%.3s] [%.*s]", "abc", "abc", "abcdef", 2, "xyz");
	SAME("[%c%c] [%3c]", 'o', 'k', 'z');
	SAME("100%% sure");
}

Test(format, pointers)
{
	char ours[64];
	int x;

	sc_snprintf(ours, sizeof(ours), "%p", (void *)&x);
	cr_expect_eq(strncmp(ours, "0x", 2), 0);
	cr_expect_eq(strtoull(ours, NULL, 16), (unsigned long long)(uintptr_t)&x);
}

Test(format, truncation_and_null)
{
	char buf[8];
	size_t n = sc_snprintf(buf, sizeof(buf), "%s", "0123456789");

	cr_expect_eq(n, 10);
	cr_expect_str_eq(buf, "0123456");
	n = sc_snprintf(buf, 0, "abc");
	cr_expect_eq(n, 3);
	format_unchecked(buf, sizeof(buf), "%s", (const char *)NULL);
	cr_expect_str_eq(buf, "(null)");
}

Test(format, unknown_conversion_is_shown)
{
	char buf[32];

	format_unchecked(buf, sizeof(buf), "a%qb");
	cr_expect_str_eq(buf, "a%qb");
	format_unchecked(buf, sizeof(buf), "end%");
	cr_expect_str_eq(buf, "end%");
}
