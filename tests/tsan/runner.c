// SPDX-License-Identifier: MIT
/* The in-process test runner behind tests/tsan/criterion/criterion.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "criterion/criterion.h"

#define MAX_TESTS  256
#define MAX_SUITES 16

static struct {
	const char *suite, *name;
	void (*fn)(void);
	struct tsan_test_options options;
} tests[MAX_TESTS];
static struct {
	const char *suite;
	struct tsan_test_options options;
} suites[MAX_SUITES];
static int test_count, suite_count;
static bool current_failed;
static jmp_buf abort_test;

void tsan_test_register(const char *suite, const char *name, void (*fn)(void),
			struct tsan_test_options options)
{
	if (test_count == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[test_count].suite = suite;
	tests[test_count].name = name;
	tests[test_count].fn = fn;
	tests[test_count].options = options;
	test_count++;
}

void tsan_suite_register(const char *suite, struct tsan_test_options options)
{
	if (suite_count == MAX_SUITES) {
		fprintf(stderr, "too many suites\n");
		exit(2);
	}
	suites[suite_count].suite = suite;
	suites[suite_count].options = options;
	suite_count++;
}

void tsan_test_check(bool ok, bool fatal, const char *file, int line, const char *expr,
		     const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	current_failed = true;
	fprintf(stderr, "[----] %s:%d: %s failed: %s\n", file, line,
		fatal ? "Assertion" : "Expectation", expr);
	/* The macros prefix every message with a space (an empty format
	 * string would trip -Wformat-zero-length). */
	if (fmt[0] && fmt[1]) {
		fprintf(stderr, "[----]  ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	if (fatal)
		longjmp(abort_test, 1);
}

static const struct tsan_test_options *suite_options(const char *suite)
{
	for (int i = 0; i < suite_count; i++) {
		if (!strcmp(suites[i].suite, suite))
			return &suites[i].options;
	}
	return NULL;
}

/* Runs one test; a failed assertion longjmps back here. Kept apart from
 * main() so no local of the loop lives across setjmp. */
static void run_one(void (*fn)(void))
{
	if (!setjmp(abort_test))
		fn();
}

int main(void)
{
	int failed = 0;

	for (int i = 0; i < test_count; i++) {
		const struct tsan_test_options *so = suite_options(tests[i].suite);

		if (tests[i].options.disabled)
			continue;
		current_failed = false;
		if (so && so->init)
			so->init();
		run_one(tests[i].fn);
		if (so && so->fini)
			so->fini();
		printf("[%s] %s::%s\n", current_failed ? "FAIL" : "PASS", tests[i].suite,
		       tests[i].name);
		failed += current_failed;
	}
	printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d\n", test_count,
	       test_count - failed, failed);
	return failed ? 1 : 0;
}
