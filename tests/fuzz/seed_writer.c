// SPDX-License-Identifier: MIT
/* The file side of the seed generators (seed_writer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "seed_writer.h"

const char *seed_args(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argc > 0 ? argv[0] : "seeds");
		exit(2);
	}
	seed_dir(argv[1]);
	return argv[1];
}

void seed_dir(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		fprintf(stderr, "seed directory name '%s' is empty or too long\n", dir);
		exit(1);
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "mkdir %s: %s\n", path, strerror(errno));
			exit(1);
		}
		path[i] = i == len ? '\0' : '/';
	}
}

void seed_write(const char *dir, const char *name, const void *data, size_t size)
{
	char path[4096];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		fprintf(stderr, "seed path %s/%s too long\n", dir, name);
		exit(1);
	}
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		fprintf(stderr, "writing %s: %s\n", path, strerror(errno));
		exit(1);
	}
}
