// SPDX-License-Identifier: MIT
/* Failure lines of the Linux test programs (check_report.h). */
#include <stdio.h>

#include "check_report.h"

void test_report_failure(const char *part, const char *fmt, va_list ap)
{
	printf("FAIL: %s: ", part);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}
