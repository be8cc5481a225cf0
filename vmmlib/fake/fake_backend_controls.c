// SPDX-License-Identifier: MIT
/*
 * The tests' controls of the fake VP backend (fake_driver.h): how each
 * CPU's guest behaves, whether it has a backend, how often it ran. Apart
 * from fake_backend.c, which the fake driver calls, because these find
 * the CPU through the driver.
 */
#include <stdatomic.h>

#include "fake_driver.h"
#include "fake_internal.h"

void fake_set_run_mode(struct fake_driver *fake, uint32_t cpu, enum fake_run_mode mode,
		       unsigned int after)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);

	if (!c)
		return;
	atomic_store(&c->after, after ? after : 1);
	atomic_store(&c->mode, (int)mode);
}

void fake_set_backend(struct fake_driver *fake, uint32_t cpu, bool present)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);

	/* The next command's IDLE->RUN (release) publishes the change. */
	if (c)
		c->hc.vp.backend = present ? &fake_vp_backend : NULL;
}

uint64_t fake_runs(struct fake_driver *fake, uint32_t cpu)
{
	struct fake_vp *c = fake_find_cpu(fake, cpu);

	return c ? atomic_load(&c->runs) : 0;
}
