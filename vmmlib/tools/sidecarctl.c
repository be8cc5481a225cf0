// SPDX-License-Identifier: MIT
/* sidecarctl: look at and poke sidecar CPUs (docs/vmmlib.md, "sidecarctl"). */
#include "sidecarctl.h"

int main(int argc, char **argv)
{
	struct sidecarctl_env env = {.out = stdout, .err = stderr};

	return sidecarctl_main(argc, argv, &env);
}
