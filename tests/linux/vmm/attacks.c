// SPDX-License-Identifier: MIT
/*
 * Guests that attack the CPU they run on (lib/testguest/attack_guest.h),
 * run through libsidecar-vmm on the first and the last sidecar CPU: a #DB
 * whose delivery raises #DB forever (CVE-2015-8104), a #DB whose delivery
 * faults, an alignment check at CPL 3, INVD, XSETBV (and XGETBV in the next
 * guest, which must see its own XCR0), WRMSR to the TSC, and
 * a guest that uses single-step and a data breakpoint with its own #DB
 * handler. Each ends as its check says; the loop ends only by STOP, which
 * must land. After each, the CPU answers NONE and is idle. Also: the VMM
 * cannot write the CPU's MTRRs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attack_guest.h"
#include "test_vmm.h"

#define PART		"attacks"
#define RUN_TIMEOUT_MS	60000
#define STOP_TIMEOUT_MS 30000
#define LOOP_MS		500

/* DR7 for the next program: 0x400, or what TA_DB_LOOP left (see
 * after_loop()). */
static uint64_t next_dr7 = 0x400;

static int start(struct tv *t, size_t i, enum ta_program p)
{
	struct hv_register_assoc regs[SIDECAR_MAX_GET_SET_VP_REGISTERS];
	struct sidecar_cpu_context_x64 *ctx = sidecar_vp_cpu_context(t->vps[i]);
	size_t n = ta_setup_registers(regs, (uint32_t)i, p);
	int r;

	ta_set_dr7(regs, n, next_dr7);
	next_dr7 = 0x400;

	memset(ctx->gps, 0, sizeof(ctx->gps));
	tg_reset_fx(&ctx->fx_state);
	r = sidecar_vp_set_registers(t->vps[i], HV_INPUT_VTL_CURRENT, regs, n);
	return r ? r : sidecar_vp_start(t->vps[i]);
}

/*
 * The stopped loop left its data breakpoint armed in DR7 and its #DB
 * pending. QEMU 7.2's TCG loads DR7 at VMRUN and #VMEXIT without re-arming
 * or disarming its watchpoints, so they stay armed for whatever runs next
 * on that vCPU; QEMU then aborts when one is hit during an exception
 * delivery, or crashes when DR7 next changes (it removes a watchpoint as an
 * instruction breakpoint). So the next program, TA_DR7_OFF, starts with the
 * DR7 the loop left, which matches what QEMU has armed, no event pending,
 * and turns the breakpoints off from inside the guest, as a VMM that resets
 * a guest's debug state would. Real CPUs switch DR7 with the VMCB; this
 * changes nothing there.
 */
static void after_loop(struct tv *t, size_t i)
{
	union hv_register_value dr7 = {0};
	int r = sidecar_vp_get_register(t->vps[i], HV_X64_REGISTER_DR7, &dr7);

	tv_check(t, r == 0, PART, "CPU %u: DR7 after the loop: %d", t->cpus[i], r);
	next_dr7 = dr7.reg64;
}

/* The loop: still running after a while, then STOP must end it. */
static void run_loop(struct tv *t, size_t i, enum ta_program p, const char **what)
{
	struct sidecar_vp *vp = t->vps[i];
	union hv_register_value rip = {0};
	char detail[256];
	int r;

	usleep(LOOP_MS * 1000);
	r = sidecar_vp_wait(vp, 0);
	tv_check(t, r == -ETIMEDOUT, PART, "CPU %u: %s ended by itself: %d (%s)", t->cpus[i],
		 ta_name(p), r, sidecar_vp_error_message(vp));
	r = sidecar_vp_cancel(vp);
	tv_check(t, r == 0, PART, "CPU %u: %s: cancel: %d", t->cpus[i], ta_name(p), r);
	r = sidecar_vp_wait(vp, STOP_TIMEOUT_MS);
	tv_check(t, r == SIDECAR_VP_STOPPED, PART,
		 "CPU %u: %s: STOP did not land: wait gave %d (%s) after %u ms", t->cpus[i],
		 ta_name(p), r, sidecar_vp_error_message(vp), STOP_TIMEOUT_MS);
	if (r != SIDECAR_VP_STOPPED)
		return;
	r = sidecar_vp_get_register(vp, HV_X64_REGISTER_RIP, &rip);
	tv_check(t,
		 r == 0 && ta_check_db_loop(rip.reg64, sidecar_vp_cpu_context(vp)->gps, what,
					    detail, sizeof(detail)),
		 PART, "CPU %u: %s: %s", t->cpus[i], ta_name(p), r ? "no RIP" : detail);
	printf("attacks: CPU %u: %s: stopped at RIP %#llx after %llu runs of its #DB handler\n",
	       t->cpus[i], ta_name(p), (unsigned long long)rip.reg64,
	       (unsigned long long)sidecar_vp_cpu_context(vp)->gps[12]);
	after_loop(t, i);
}

static void run_to_exit(struct tv *t, size_t i, enum ta_program p, const char **what)
{
	struct sidecar_vp *vp = t->vps[i];
	char detail[256] = "";
	int r = sidecar_vp_wait(vp, RUN_TIMEOUT_MS);

	if (r != SIDECAR_VP_INTERCEPT) {
		tv_check(t, false, PART, "CPU %u: %s: the run ended with %d (%s), not an intercept",
			 t->cpus[i], ta_name(p), r, sidecar_vp_error_message(vp));
		if (sidecar_vp_running(vp)) {
			sidecar_vp_cancel(vp);
			r = sidecar_vp_wait(vp, STOP_TIMEOUT_MS);
			tv_check(t, r == SIDECAR_VP_STOPPED, PART,
				 "CPU %u: %s: STOP did not land either: %d", t->cpus[i], ta_name(p),
				 r);
		}
		return;
	}
	tv_check(t,
		 ta_check(p, sidecar_vp_intercept_message(vp), sidecar_vp_cpu_context(vp)->gps,
			  what, detail, sizeof(detail)),
		 PART, "CPU %u: %s: %s", t->cpus[i], ta_name(p), detail);
	if (p == TA_XSETBV && !**what) {
		union hv_register_value xfem = {0};

		r = sidecar_vp_get_register(vp, HV_X64_REGISTER_XFEM, &xfem);
		tv_check(t, r == 0 && xfem.reg64 == 3, PART,
			 "CPU %u: XFEM after the XSETBV guest is %#llx (%d), expected 3",
			 t->cpus[i], (unsigned long long)xfem.reg64, r);
	}
}

static void attack(struct tv *t, size_t i, enum ta_program p)
{
	unsigned int failed = t->failed;
	const char *what = "";
	int r = start(t, i, p);

	tv_check(t, r == 0, PART, "CPU %u: %s: set up and start: %s", t->cpus[i], ta_name(p),
		 sidecar_vp_error_message(t->vps[i]));
	if (r)
		return;
	if (ta_runs_until_stopped(p))
		run_loop(t, i, p, &what);
	else
		run_to_exit(t, i, p, &what);
	r = sidecar_vp_test(t->vps[i]);
	tv_check(t, r == 0, PART, "CPU %u: NONE after %s: %d (%s)", t->cpus[i], ta_name(p), r,
		 sidecar_vp_error_message(t->vps[i]));
	tv_check(t, tv_cpu_status(t, t->cpus[i]) == SIDECAR_CPU_STATUS_IDLE, PART,
		 "CPU %u is %s after %s, not idle", t->cpus[i],
		 sidecar_cpu_status_name(tv_cpu_status(t, t->cpus[i])), ta_name(p));
	if (t->failed == failed)
		printf("attacks: CPU %u: %s: ok%s%s\n", t->cpus[i], ta_name(p), *what ? ": " : "",
		       what);
}

/* The VMM may read the CPU's MTRRs but not write them: under nested paging
 * they type the host's memory too (docs/vp-backend.md, "Host safety"). */
static void mtrr_write(struct tv *t, size_t i)
{
	union hv_register_value v = {0};
	int r = sidecar_vp_get_register(t->vps[i], HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, &v);

	tv_check(t, r == 0, PART, "CPU %u: GET MTRR_DEF_TYPE: %d (%s)", t->cpus[i], r,
		 sidecar_vp_error_message(t->vps[i]));
	r = sidecar_vp_set_register(t->vps[i], HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, &v);
	tv_check(t,
		 r == -SIDECAR_VMM_EHV &&
			 sidecar_vp_hv_status(t->vps[i]) == HV_STATUS_ACCESS_DENIED,
		 PART, "CPU %u: SET MTRR_DEF_TYPE gave %d (%s), expected HV_STATUS_ACCESS_DENIED",
		 t->cpus[i], r, sidecar_vp_error_message(t->vps[i]));
}

void part_attacks(struct tv *t)
{
	unsigned int failed = t->failed;
	size_t which[2] = {0, t->count - 1};
	/* TA_DR7_OFF right after the loop (after_loop()); TA_XGETBV right
	 * after TA_XSETBV, whose XCR0 it must not see. */
	static const enum ta_program order[] = {
		TA_DEBUG, TA_DB_LOOP, TA_DR7_OFF, TA_TF_FAULT,	TA_AC,
		TA_INVD,  TA_XSETBV,  TA_XGETBV,  TA_TSC_WRITE,
	};

	if (!t->guest || !ta_build(t->guest, t->guest_size)) {
		tv_check(t, false, PART, "cannot build the attack guests in guest memory");
		return;
	}
	for (size_t k = 0; k < (t->count > 1 ? 2u : 1u); k++)
		mtrr_write(t, which[k]);
	for (size_t k = 0; k < (t->count > 1 ? 2u : 1u); k++)
		for (size_t p = 0; p < sizeof(order) / sizeof(order[0]); p++)
			attack(t, which[k], order[p]);
	tv_part_done(t, PART, failed,
		     "%zu attack guests on CPUs %u and %u; STOP and NONE after each; MTRR writes "
		     "refused",
		     sizeof(order) / sizeof(order[0]), t->cpus[which[0]],
		     t->cpus[which[t->count > 1]]);
}
