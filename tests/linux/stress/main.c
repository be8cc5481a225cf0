// SPDX-License-Identifier: MIT
/*
 * sidecar-stress PART... [--seed N] [--seconds S] [--procs P]
 *                [--threads T] [--conversions C]
 *
 * Runs the parts named (stress.h: edges, escalate, lost, recovered,
 * random) in order and ends with
 *
 *     SIDECAR-STRESS: P passed, F failed
 *
 * Exit status 0 only if nothing failed. The seed of the random part is
 * printed; give it back with --seed to repeat a run's choices.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stress.h"

static unsigned long long number(const char *s)
{
	return strtoull(s, NULL, 0);
}

int main(int argc, char **argv)
{
	static struct st_system sys;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
	unsigned int seconds = 20, procs = 4, threads = 3, conversions = 2;
	const char *parts[8];
	unsigned int nparts = 0;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = number(argv[++a]);
		else if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
			seconds = (unsigned int)number(argv[++a]);
		else if (!strcmp(argv[a], "--procs") && a + 1 < argc)
			procs = (unsigned int)number(argv[++a]);
		else if (!strcmp(argv[a], "--threads") && a + 1 < argc)
			threads = (unsigned int)number(argv[++a]);
		else if (!strcmp(argv[a], "--conversions") && a + 1 < argc)
			conversions = (unsigned int)number(argv[++a]);
		else if (argv[a][0] != '-' && nparts < 8)
			parts[nparts++] = argv[a];
		else {
			fprintf(stderr, "sidecar-stress: bad argument \"%s\"\n", argv[a]);
			return 2;
		}
	}

	r = st_setup_guests(&sys);
	if (r == 0)
		r = st_open_nodes(&sys, O_RDWR);
	st_check(r == 0, "setup", "open the nodes: %s", strerror(-r));
	if (r == 0 && sys.cpu_count == 0)
		st_check(false, "setup", "no sidecar CPUs");
	for (unsigned int p = 0; r == 0 && sys.cpu_count && p < nparts; p++) {
		printf("part %s: running\n", parts[p]);
		if (!strcmp(parts[p], "edges"))
			st_edges(&sys);
		else if (!strcmp(parts[p], "escalate"))
			st_escalate(&sys);
		else if (!strcmp(parts[p], "lost"))
			st_lost(&sys);
		else if (!strcmp(parts[p], "recovered"))
			st_recovered(&sys);
		else if (!strcmp(parts[p], "random"))
			st_random(&sys, seed, seconds, procs, threads, conversions);
		else
			st_check(false, "main", "no part \"%s\"", parts[p]);
	}
	st_close_nodes(&sys);
	printf("SIDECAR-STRESS: %u passed, %u failed\n", st_passed, st_failed);
	return st_failed ? 1 : 0;
}
