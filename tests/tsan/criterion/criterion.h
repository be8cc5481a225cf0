/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for <criterion/criterion.h> in the ThreadSanitizer build.
 * Criterion's sandbox (BoxFort) cannot start under TSan ("Could not
 * initialize inheritable arena", Snaipe/Criterion#274), so the sanitized
 * configuration compiles the same test sources against this header: each
 * test runs in-process, one after the other, and the process exits non-zero
 * if any expectation failed. Only the macros our tests use are provided.
 */
#ifndef TSAN_CRITERION_H
#define TSAN_CRITERION_H

#include <stdbool.h>
#include <string.h>

struct tsan_test_options {
	void (*init)(void);
	void (*fini)(void);
	int timeout;
	bool disabled;
};

void tsan_test_register(const char *suite, const char *name, void (*fn)(void),
			struct tsan_test_options options);
void tsan_suite_register(const char *suite, struct tsan_test_options options);
void tsan_test_check(bool ok, bool fatal, const char *file, int line, const char *expr,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define Test(suite, name, ...)                                                                     \
	static void suite##_##name##_impl(void);                                                   \
	__attribute__((constructor)) static void suite##_##name##_register(void)                   \
	{                                                                                          \
		tsan_test_register(#suite, #name, suite##_##name##_impl,                           \
				   (struct tsan_test_options){__VA_ARGS__});                       \
	}                                                                                          \
	static void suite##_##name##_impl(void)

#define TestSuite(suite, ...)                                                                      \
	__attribute__((constructor)) static void suite##_suite_register(void)                      \
	{                                                                                          \
		tsan_suite_register(#suite, (struct tsan_test_options){__VA_ARGS__});              \
	}

#define TSAN_CHECK(fatal, cond, ...)                                                               \
	tsan_test_check(!!(cond), fatal, __FILE__, __LINE__, #cond, " " __VA_ARGS__)

#define cr_assert(cond, ...)	    TSAN_CHECK(true, cond, __VA_ARGS__)
#define cr_expect(cond, ...)	    TSAN_CHECK(false, cond, __VA_ARGS__)
#define cr_assert_not(cond, ...)    TSAN_CHECK(true, !(cond), __VA_ARGS__)
#define cr_expect_not(cond, ...)    TSAN_CHECK(false, !(cond), __VA_ARGS__)
#define cr_assert_eq(a, b, ...)	    TSAN_CHECK(true, (a) == (b), __VA_ARGS__)
#define cr_expect_eq(a, b, ...)	    TSAN_CHECK(false, (a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...)    TSAN_CHECK(true, (a) != (b), __VA_ARGS__)
#define cr_expect_neq(a, b, ...)    TSAN_CHECK(false, (a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...)	    TSAN_CHECK(true, (a) < (b), __VA_ARGS__)
#define cr_expect_lt(a, b, ...)	    TSAN_CHECK(false, (a) < (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...)	    TSAN_CHECK(true, (a) > (b), __VA_ARGS__)
#define cr_expect_gt(a, b, ...)	    TSAN_CHECK(false, (a) > (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...)    TSAN_CHECK(true, (a) <= (b), __VA_ARGS__)
#define cr_expect_leq(a, b, ...)    TSAN_CHECK(false, (a) <= (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...)    TSAN_CHECK(true, (a) >= (b), __VA_ARGS__)
#define cr_expect_geq(a, b, ...)    TSAN_CHECK(false, (a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...)	    TSAN_CHECK(true, (p) == NULL, __VA_ARGS__)
#define cr_expect_null(p, ...)	    TSAN_CHECK(false, (p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...)  TSAN_CHECK(true, (p) != NULL, __VA_ARGS__)
#define cr_expect_not_null(p, ...)  TSAN_CHECK(false, (p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) TSAN_CHECK(true, strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) TSAN_CHECK(false, strcmp((a), (b)) == 0, __VA_ARGS__)

#endif /* TSAN_CRITERION_H */
