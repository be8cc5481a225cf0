/* SPDX-License-Identifier: MIT */
/* How the Linux test programs (the test VMM and the stress program)
 * report a failed check: one line the linux suite's scripts grep for. */
#ifndef TESTS_LINUX_CHECK_REPORT_H
#define TESTS_LINUX_CHECK_REPORT_H

#include <stdarg.h>

/* Prints "FAIL: <part>: <message>" and flushes, so the line is in the
 * console log even if the program dies next. */
void test_report_failure(const char *part, const char *fmt, va_list ap);

#endif /* TESTS_LINUX_CHECK_REPORT_H */
