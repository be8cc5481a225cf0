// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>

#include "vmmlib_fixture.h"

struct fake_driver *fake;
struct sidecar_vmm *vmm;

int vf_open(const struct fake_config *config, char *error, size_t error_size)
{
	struct vmm_transport t;

	fake = fake_create(config);
	cr_assert_not_null(fake);
	t = fake_transport(fake);
	return vmm_open_transport(&t, &vmm, error, error_size);
}

void vf_open_two_nodes(void)
{
	struct fake_config config = {.node_count = 2, .cpus = {4, 3}};
	char error[256];

	cr_assert_eq(vf_open(&config, error, sizeof(error)), 0, "%s", error);
}

struct sidecar_vp *vf_acquire(uint32_t cpu)
{
	struct sidecar_vp *vp = NULL;

	cr_assert_eq(sidecar_vp_acquire(vmm, cpu, &vp), 0, "cpu %u", cpu);
	cr_assert_not_null(vp);
	return vp;
}

void vf_cleanup(void)
{
	sidecar_vmm_close(vmm);
	vmm = NULL;
	fake_destroy(fake);
	fake = NULL;
}
