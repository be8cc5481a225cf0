// SPDX-License-Identifier: MIT
/*
 * A hosted sidecar CPU's life as a thread (sk_hosted.h): the core's
 * announce and dispatch loop on the hosted platform (platform_hosted.c).
 * Apart from the platform so that the core calls the platform and this
 * file calls the core, never back.
 */
#include <pthread.h>

#include "sk_dispatch.h"
#include "sk_hosted.h"
#include "sk_platform.h"

static void *cpu_thread(void *arg)
{
	struct sk_hosted_cpu *cpu = arg;

	sk_dispatch_announce(&cpu->vp, NULL);
	sk_dispatch_loop(&cpu->vp);
	sk_plat_park(&cpu->vp);
	return NULL;
}

void sk_hosted_cpu_start(struct sk_hosted_cpu *cpu)
{
	pthread_create(&cpu->thread, NULL, cpu_thread, cpu);
}

void sk_hosted_cpu_join(struct sk_hosted_cpu *cpu)
{
	pthread_join(cpu->thread, NULL);
}
