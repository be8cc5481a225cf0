/* SPDX-License-Identifier: MIT */
/*
 * For the seed generators of tests/fuzz (seeds_*.c): each is a program run
 * at build time with the corpus directory to fill as its only argument, so
 * no binary seed ever sits in git.
 */
#ifndef SEED_WRITER_H
#define SEED_WRITER_H

#include <stddef.h>

/* The command line of a seed generator, `PROGRAM DIR`: creates DIR
 * (seed_dir()) and returns it; exits with the usage on anything else. */
const char *seed_args(int argc, char **argv);

/* Creates `dir` (and its parents) if missing; exits with a message on
 * failure. */
void seed_dir(const char *dir);

/* Writes one seed file `dir`/`name`; exits with a message on failure. */
void seed_write(const char *dir, const char *name, const void *data, size_t size);

#endif /* SEED_WRITER_H */
