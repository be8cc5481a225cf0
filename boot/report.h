/* SPDX-License-Identifier: MIT */
/* The boot report: per-CPU and per-node tables and the bring-up figures. */
#ifndef SHIM_REPORT_H
#define SHIM_REPORT_H

#include "shim.h"

const char *report_status_name(uint8_t status);

void report_boot(const struct shim_boot *b);

#endif /* SHIM_REPORT_H */
