/* SPDX-License-Identifier: MIT */
/* The shim's command line split into its own words and Linux's
 * (cmdline_split.c); built hosted too, for the fuzz harness. */
#ifndef SHIM_CMDLINE_SPLIT_H
#define SHIM_CMDLINE_SPLIT_H

#include "multiboot.h"

/*
 * Splits the shim's command line at the first word "--": `cmdline` keeps
 * the shim's words before it, and the rest, without the blanks after "--",
 * is returned for the Linux command line ("" if there is no "--"). The
 * result lives in a static buffer of MB_CMDLINE_SIZE bytes, as long as the
 * longest command line multiboot_parse() accepts.
 */
const char *linux_split_cmdline(char *cmdline);

#endif /* SHIM_CMDLINE_SPLIT_H */
