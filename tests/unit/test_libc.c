// SPDX-License-Identifier: MIT
/*
 * The freestanding libc (lib/libc), compiled here under other names
 * (libc_rename.h) and compared with glibc on the same inputs.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *ours_memcpy(void *restrict, const void *restrict, size_t);
void *ours_memmove(void *, const void *, size_t);
void *ours_memset(void *, int, size_t);
int ours_memcmp(const void *, const void *, size_t);
void *ours_memchr(const void *, int, size_t);
size_t ours_strlen(const char *);
size_t ours_strnlen(const char *, size_t);
int ours_strcmp(const char *, const char *);
int ours_strncmp(const char *, const char *, size_t);
char *ours_strchr(const char *, int);
char *ours_strrchr(const char *, int);
unsigned long ours_strtoul(const char *restrict, char **restrict, int);

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

Test(libc, memory_functions)
{
	unsigned char a[64], b[64], c[64];

	for (int i = 0; i < 64; i++)
		a[i] = (unsigned char)(i * 7 + 3);
	ours_memcpy(b, a, sizeof(a));
	cr_expect_eq(memcmp(a, b, 64), 0);
	cr_expect_eq(ours_memset(c, 0xAB, 64), c);
	for (int i = 0; i < 64; i++)
		cr_expect_eq(c[i], 0xAB);

	/* Overlapping moves, both directions. */
	memcpy(c, a, 64);
	ours_memmove(c + 5, c, 40);
	memcpy(b, a, 64);
	memmove(b + 5, b, 40);
	cr_expect_eq(memcmp(b, c, 64), 0);
	memcpy(c, a, 64);
	ours_memmove(c, c + 9, 40);
	memcpy(b, a, 64);
	memmove(b, b + 9, 40);
	cr_expect_eq(memcmp(b, c, 64), 0);

	memcpy(b, a, 64);
	b[20] = 0xFF;
	cr_expect_eq(sign(ours_memcmp(a, b, 64)), sign(memcmp(a, b, 64)));
	cr_expect_eq(ours_memcmp(a, b, 20), 0);
	cr_expect_eq(ours_memchr(a, a[33], 64), memchr(a, a[33], 64));
	cr_expect_null(ours_memchr(a, 0x01, 10));
}

Test(libc, string_functions)
{
	static const char *words[] = {"", "a", "abc", "abd", "ab", "\xff", "cpu@0", "cpus"};
	const char *s = "/cpus/cpu@0/reg";

	cr_expect_eq(ours_strlen(s), strlen(s));
	cr_expect_eq(ours_strnlen(s, 4), 4);
	cr_expect_eq(ours_strnlen(s, 100), strlen(s));
	cr_expect_eq(ours_strchr(s, '@'), strchr(s, '@'));
	cr_expect_eq(ours_strchr(s, '\0'), strchr(s, '\0'));
	cr_expect_null(ours_strchr(s, 'z'));
	cr_expect_eq(ours_strrchr(s, '/'), strrchr(s, '/'));
	cr_expect_null(ours_strrchr(s, 'z'));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (size_t j = 0; j < sizeof(words) / sizeof(words[0]); j++) {
			cr_expect_eq(sign(ours_strcmp(words[i], words[j])),
				     sign(strcmp(words[i], words[j])), "'%s' '%s'", words[i],
				     words[j]);
			cr_expect_eq(sign(ours_strncmp(words[i], words[j], 2)),
				     sign(strncmp(words[i], words[j], 2)));
		}
	}
}

Test(libc, strtoul_matches_glibc)
{
	static const struct {
		const char *s;
		int base;
	} cases[] = {
		{"0", 10},
		{"42", 10},
		{"  -7", 10},
		{"+9x", 10},
		{"0x1f", 16},
		{"0x1f", 0},
		{"017", 0},
		{"0x", 16},
		{"zz", 36},
		{"", 10},
		{"abc", 10},
		{"18446744073709551615", 10},
		{"18446744073709551616", 10},
		{"0xG", 0},
		{"1010", 2},
		{"\t\n 12", 0},
		{"12", 1},
		{"12", 37},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *end_ours, *end_glibc;
		unsigned long ours = ours_strtoul(cases[i].s, &end_ours, cases[i].base);
		unsigned long glibc = strtoul(cases[i].s, &end_glibc, cases[i].base);

		cr_expect_eq(ours, glibc, "strtoul(\"%s\", %d)", cases[i].s, cases[i].base);
		/* C leaves *end unspecified for an invalid base; ours points at s. */
		if (cases[i].base == 1 || cases[i].base > 36)
			cr_expect_eq(end_ours, cases[i].s);
		else
			cr_expect_eq(end_ours - cases[i].s, end_glibc - cases[i].s,
				     "end of \"%s\", %d", cases[i].s, cases[i].base);
	}
}
