// SPDX-License-Identifier: MIT
/*
 * libsidecar-vmm's VPs: ownership, the synchronous commands (NONE, GET/SET
 * registers with chunking, TRANSLATE_GVA) and how every failure is
 * reported, run against the real sidecar core behind the emulated driver.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "vmmlib_fixture.h"

TestSuite(vmmlib_vp, .fini = vf_cleanup, .timeout = 120);

static struct sidecar_vp_error last(struct sidecar_vp *vp)
{
	struct sidecar_vp_error e;

	sidecar_vp_last_error(vp, &e);
	return e;
}

/* ---- Ownership ---- */

Test(vmmlib_vp, one_owner_at_a_time)
{
	struct sidecar_vp *a, *b = (void *)1;

	vf_open_two_nodes();
	a = vf_acquire(2);
	cr_expect_eq(sidecar_vp_cpu(a), 2);
	cr_expect_eq(sidecar_vp_acquire(vmm, 2, &b), -EBUSY);
	cr_expect_null(b);
	cr_expect_eq(sidecar_vp_acquire(vmm, 7, &b), -EINVAL, "no such CPU");
	cr_expect_eq(sidecar_vp_acquire(vmm, 2, NULL), -EINVAL);
	b = vf_acquire(5);
	cr_expect_eq(sidecar_vp_cpu(b), 5);
	sidecar_vp_release(a);
	a = vf_acquire(2);
	sidecar_vp_release(a);
	sidecar_vp_release(b);
	sidecar_vp_release(NULL);
	cr_expect_eq(sidecar_vp_cpu(NULL), UINT32_MAX);
}

#define RACERS 8
#define ROUNDS 50

static atomic_int winners;
static atomic_int busy;
static pthread_barrier_t go;
static struct sidecar_vp *_Atomic won;

static void *racer(void *arg)
{
	struct sidecar_vp *vp;

	(void)arg;
	/* All racers released at once (a barrier, not a spin: the machine
	 * may have fewer cores than racers). */
	pthread_barrier_wait(&go);
	if (sidecar_vp_acquire(vmm, 3, &vp) == 0) {
		atomic_fetch_add(&winners, 1);
		atomic_store(&won, vp);
	} else {
		atomic_fetch_add(&busy, 1);
	}
	return NULL;
}

Test(vmmlib_vp, racing_acquires_have_one_winner)
{
	vf_open_two_nodes();
	for (int round = 0; round < ROUNDS; round++) {
		pthread_t t[RACERS];
		struct sidecar_vp *vp;

		atomic_store(&winners, 0);
		atomic_store(&busy, 0);
		atomic_store(&won, NULL);
		pthread_barrier_init(&go, NULL, RACERS);
		for (int i = 0; i < RACERS; i++)
			pthread_create(&t[i], NULL, racer, NULL);
		for (int i = 0; i < RACERS; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		cr_assert_eq(atomic_load(&winners), 1, "round %d", round);
		cr_assert_eq(atomic_load(&busy), RACERS - 1);
		vp = atomic_load(&won);
		cr_assert_not_null(vp);
		/* The new owner uses it, then gives it back. */
		cr_expect_eq(sidecar_vp_test(vp), 0, "%s", sidecar_vp_error_message(vp));
		sidecar_vp_release(vp);
	}
}

/* ---- NONE and driver errors ---- */

Test(vmmlib_vp, test_runs_none)
{
	struct fake_log_entry log[4];
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	cr_expect_eq(sidecar_vp_test(vp), 0, "%s", sidecar_vp_error_message(vp));
	cr_expect_eq(sidecar_vp_test(vp), 0);
	cr_assert_eq(fake_log(fake, 1, log, 4), 2);
	cr_expect_eq(log[0].command, SIDECAR_COMMAND_NONE);
	cr_expect_not(log[0].async, "synchronous: RUN ioctl");
	cr_expect_eq(sidecar_vp_last_error(vp, NULL), 0);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "");
	cr_expect_eq(last(vp).source, SIDECAR_VMM_ERROR_NONE);
	sidecar_vp_release(vp);
	cr_expect_eq(sidecar_vp_test(NULL), -EINVAL);
}

Test(vmmlib_vp, base_and_converted_cpus_are_enoent)
{
	struct sidecar_vp *base, *vp;
	struct sidecar_vp_error e;

	vf_open_two_nodes();
	base = vf_acquire(4);
	cr_expect_eq(sidecar_vp_test(base), -ENOENT);
	e = last(base);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_DRIVER);
	cr_expect_eq(e.err, -ENOENT);
	cr_expect_eq(e.command, SIDECAR_COMMAND_NONE);
	cr_expect_str_eq(e.message,
			 "NONE: cpu 4 is not in the sidecar (converted to Linux, or removed)");

	vp = vf_acquire(6);
	cr_expect_eq(sidecar_vp_test(vp), 0);
	cr_assert_eq(fake_remove_cpu(fake, 6), 0);
	cr_expect_eq(fake_vp_status(fake, 6), SIDECAR_CPU_STATUS_REMOVED);
	cr_expect_eq(sidecar_vp_test(vp), -ENOENT);
	cr_expect_eq(
		sidecar_vp_get_register(vp, HV_X64_REGISTER_RAX, &(union hv_register_value){0}),
		-ENOENT);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "GET_VP_REGISTERS: cpu 6 is not in the sidecar (converted to Linux, or "
			 "removed)");
	cr_expect_eq(sidecar_vp_start(vp), -ENOENT);
	cr_expect_not(sidecar_vp_running(vp), "a failed start leaves the VP stopped");
	sidecar_vp_release(vp);
	sidecar_vp_release(base);
}

Test(vmmlib_vp, busy_elsewhere_is_ebusy)
{
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(2);
	fake_set_busy(fake, 2, true);
	cr_expect_eq(sidecar_vp_test(vp), -EBUSY);
	cr_expect_eq(last(vp).source, SIDECAR_VMM_ERROR_DRIVER);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "NONE: cpu 2 is busy with another command (another process?)");
	fake_set_busy(fake, 2, false);
	cr_expect_eq(sidecar_vp_test(vp), 0);
	cr_expect_eq(last(vp).err, 0, "a success clears the last error");
	sidecar_vp_release(vp);
}

Test(vmmlib_vp, other_driver_errors)
{
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	fake_inject(fake, FAKE_OP_RUN, EINTR, 0);
	cr_expect_eq(sidecar_vp_test(vp), -EINTR);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "NONE: cpu 1: interrupted by a signal");
	fake_inject(fake, FAKE_OP_RUN, EFAULT, 0);
	cr_expect_eq(sidecar_vp_test(vp), -EFAULT);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "NONE: cpu 1: Bad address");
	cr_expect_eq(sidecar_vp_test(vp), 0, "one-shot");
	sidecar_vp_release(vp);
}

/*
 * A signal to the thread in a synchronous command: the driver stops the
 * command, waits for the CPU and returns 0, as OpenHCL's does; the call
 * returns the command's own result, never EINTR.
 */
Test(vmmlib_vp, signal_during_sync_command)
{
	struct hv_register_assoc bad = {.name = 0x7FFF0000};
	union hv_register_value v = {.reg64 = 0x5151};
	struct fake_log_entry log[4];
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(2);
	fake_signal_next_run(fake, 2);
	cr_expect_eq(sidecar_vp_set_register(vp, HV_X64_REGISTER_R12, &v), 0, "%s",
		     sidecar_vp_error_message(vp));
	memset(&v, 0, sizeof(v));
	fake_signal_next_run(fake, 2);
	cr_expect_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_R12, &v), 0, "%s",
		     sidecar_vp_error_message(vp));
	cr_expect_eq(v.reg64, 0x5151, "the command ran to its end");
	/* A failing command still reports its own failure. */
	fake_signal_next_run(fake, 2);
	cr_expect_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, &bad, 1), -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_UNKNOWN_REGISTER_NAME);
	fake_signal_next_run(fake, 2);
	cr_expect_eq(sidecar_vp_test(vp), 0);
	cr_expect_eq(fake_log(fake, 2, log, 4), 4u, "one command each, not run again");
	cr_expect_eq(fake_vp_status(fake, 2), SIDECAR_CPU_STATUS_IDLE);
	sidecar_vp_release(vp);
}

/* ---- Registers ---- */

static uint64_t value_for(hv_register_name_t name)
{
	return 0x1000000ull * name + 0x5A;
}

Test(vmmlib_vp, registers_round_trip)
{
	struct hv_register_assoc set[] = {
		{.name = HV_X64_REGISTER_RAX, .value.reg64 = 0x1234},
		{.name = HV_X64_REGISTER_RIP, .value.reg64 = 0xFFFFFFFF81000000ull},
		{.name = HV_X64_REGISTER_CR0, .value.reg64 = 0x80050033},
		{.name = HV_X64_REGISTER_CS,
		 .value.segment =
			 {.base = 0, .limit = 0xFFFFFFFF, .selector = 8, .attributes = 0xA09B}},
		{.name = HV_X64_REGISTER_XMM0 + 5,
		 .value.reg128 = {.low = 0x0123456789ABCDEFull, .high = 0xFEDCBA9876543210ull}},
		/* Handled by the sidecar core on its own CPU, not the backend. */
		{.name = HV_X64_REGISTER_DR0, .value.reg64 = 0xFFFF800000001000ull},
		{.name = HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, .value.reg64 = 0xC06},
	};
	struct hv_register_assoc get[sizeof(set) / sizeof(set[0])];
	union hv_register_value v;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(3);
	cr_assert_eq(sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, set, 7), 0, "%s",
		     sidecar_vp_error_message(vp));
	memset(get, 0xCC, sizeof(get));
	for (size_t i = 0; i < 7; i++)
		get[i].name = set[i].name;
	cr_assert_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, get, 7), 0, "%s",
		     sidecar_vp_error_message(vp));
	for (size_t i = 0; i < 7; i++) {
		cr_expect_eq(get[i].name, set[i].name, "names kept");
		cr_expect_eq(memcmp(&get[i].value, &set[i].value, 16), 0, "register %zu", i);
	}
	cr_assert_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, &v), 0);
	cr_expect_eq(v.reg64, 0xC06);
	v.reg64 = 42;
	cr_assert_eq(sidecar_vp_set_register(vp, HV_X64_REGISTER_R9, &v), 0);
	memset(&v, 0, sizeof(v));
	cr_assert_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_R9, &v), 0);
	cr_expect_eq(v.reg64, 42);
	/* Another VP has its own registers. */
	sidecar_vp_release(vp);
	vp = vf_acquire(2);
	cr_assert_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_R9, &v), 0);
	cr_expect_eq(v.reg64, 0);
	sidecar_vp_release(vp);
}

/* 100 registers the fake backend holds (names repeat: values depend only
 * on the name). */
static void hundred(struct hv_register_assoc *regs)
{
	static const hv_register_name_t pool[] = {
		HV_X64_REGISTER_RAX,
		HV_X64_REGISTER_RCX,
		HV_X64_REGISTER_RDX,
		HV_X64_REGISTER_RBX,
		HV_X64_REGISTER_RSP,
		HV_X64_REGISTER_RBP,
		HV_X64_REGISTER_RSI,
		HV_X64_REGISTER_RDI,
		HV_X64_REGISTER_R8,
		HV_X64_REGISTER_R9,
		HV_X64_REGISTER_R10,
		HV_X64_REGISTER_R11,
		HV_X64_REGISTER_R12,
		HV_X64_REGISTER_R13,
		HV_X64_REGISTER_R14,
		HV_X64_REGISTER_R15,
		HV_X64_REGISTER_RIP,
		HV_X64_REGISTER_RFLAGS,
		HV_X64_REGISTER_CR0,
		HV_X64_REGISTER_CR3,
		HV_X64_REGISTER_CR4,
		HV_X64_REGISTER_EFER,
		HV_X64_REGISTER_PAT,
		HV_X64_REGISTER_LSTAR,
		HV_X64_REGISTER_STAR,
		HV_X64_REGISTER_CSTAR,
		HV_X64_REGISTER_SFMASK,
		HV_X64_REGISTER_TSC_AUX,
		HV_X64_REGISTER_DR7,
		HV_X64_REGISTER_CR8,
		HV_X64_REGISTER_KERNEL_GS_BASE,
		HV_X64_REGISTER_SYSENTER_EIP,
		HV_X64_REGISTER_SYSENTER_ESP,
	};

	for (size_t i = 0; i < 100; i++) {
		memset(&regs[i], 0, sizeof(regs[i]));
		regs[i].name = pool[i % (sizeof(pool) / sizeof(pool[0]))];
		regs[i].value.reg64 = value_for(regs[i].name);
	}
}

static void expect_chunks(uint32_t cpu, uint32_t command, const uint16_t *counts, unsigned int n)
{
	struct fake_log_entry log[FAKE_LOG_SIZE];
	unsigned int got = fake_log(fake, cpu, log, FAKE_LOG_SIZE);

	cr_expect_eq(got, n, "%u commands, not %u", got, n);
	for (unsigned int i = 0; i < n && i < got; i++) {
		cr_expect_eq(log[i].command, command, "command %u", i);
		cr_expect_eq(log[i].count, counts[i], "command %u: %u registers, not %u", i,
			     log[i].count, counts[i]);
	}
	fake_clear_log(fake, cpu);
}

Test(vmmlib_vp, hundred_registers_go_in_four_commands)
{
	static const uint16_t counts[] = {31, 31, 31, 7};
	struct hv_register_assoc regs[100], back[100];
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	hundred(regs);
	cr_assert_eq(sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, 100), 0, "%s",
		     sidecar_vp_error_message(vp));
	expect_chunks(1, SIDECAR_COMMAND_SET_VP_REGISTERS, counts, 4);

	memcpy(back, regs, sizeof(back));
	for (size_t i = 0; i < 100; i++)
		back[i].value.reg64 = 0;
	cr_assert_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, back, 100), 0, "%s",
		     sidecar_vp_error_message(vp));
	expect_chunks(1, SIDECAR_COMMAND_GET_VP_REGISTERS, counts, 4);
	for (size_t i = 0; i < 100; i++)
		cr_expect_eq(back[i].value.reg64, value_for(back[i].name), "register %zu", i);

	/* Exactly 31 and 62: no empty trailing command. */
	cr_assert_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, back, 31), 0);
	expect_chunks(1, SIDECAR_COMMAND_GET_VP_REGISTERS, counts, 1);
	cr_assert_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, back, 62), 0);
	expect_chunks(1, SIDECAR_COMMAND_GET_VP_REGISTERS, counts, 2);
	/* Nothing to do: no command at all. */
	cr_assert_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, back, 0), 0);
	cr_assert_eq(sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, NULL, 0), 0);
	expect_chunks(1, SIDECAR_COMMAND_GET_VP_REGISTERS, counts, 0);
	sidecar_vp_release(vp);
}

Test(vmmlib_vp, failure_in_second_chunk_stops_there)
{
	static const uint16_t counts[] = {31, 31};
	struct hv_register_assoc regs[100], back[100];
	struct sidecar_vp_error e;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(2);
	hundred(regs);
	regs[40].name = 0xDEAD;
	cr_expect_eq(sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, 100),
		     -SIDECAR_VMM_EHV);
	expect_chunks(2, SIDECAR_COMMAND_SET_VP_REGISTERS, counts, 2);
	e = last(vp);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_HV);
	cr_expect_eq(e.err, -EREMOTEIO);
	cr_expect_eq(e.command, SIDECAR_COMMAND_SET_VP_REGISTERS);
	cr_expect_eq(e.hv_status, HV_STATUS_UNKNOWN_REGISTER_NAME);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_UNKNOWN_REGISTER_NAME);
	cr_expect_eq(e.first_register, 31);
	cr_expect_eq(e.register_count, 31);
	cr_expect_str_eq(e.message, "SET_VP_REGISTERS: HV_STATUS_UNKNOWN_REGISTER_NAME (0x0087) "
				    "in registers 31-61");

	/* The first chunk was set; the registers after the failing one were
	 * not (chunk 2 stopped at register 40, chunks 3-4 never ran). */
	memcpy(back, regs, sizeof(back));
	for (size_t i = 0; i < 100; i++)
		back[i].value.reg64 = 0x77;
	cr_expect_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, back, 100),
		     -SIDECAR_VMM_EHV);
	expect_chunks(2, SIDECAR_COMMAND_GET_VP_REGISTERS, counts, 2);
	for (size_t i = 0; i < 31; i++)
		cr_expect_eq(back[i].value.reg64, value_for(back[i].name), "register %zu", i);
	for (size_t i = 31; i < 100; i++)
		cr_expect_eq(back[i].value.reg64, 0x77, "register %zu of a failed chunk", i);
	cr_expect_eq(last(vp).first_register, 31);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "GET_VP_REGISTERS: HV_STATUS_UNKNOWN_REGISTER_NAME (0x0087) "
			 "in registers 31-61");
	sidecar_vp_release(vp);
}

Test(vmmlib_vp, driver_failure_in_third_chunk)
{
	static const uint16_t counts[] = {31, 31};
	struct hv_register_assoc regs[100];
	struct sidecar_vp_error e;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	hundred(regs);
	fake_inject(fake, FAKE_OP_RUN, EIO, 2);
	cr_expect_eq(sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, regs, 100), -EIO);
	expect_chunks(1, SIDECAR_COMMAND_SET_VP_REGISTERS, counts, 2);
	e = last(vp);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_DRIVER);
	cr_expect_eq(e.first_register, 62);
	cr_expect_eq(e.register_count, 31);
	cr_expect_str_eq(e.message, "SET_VP_REGISTERS: cpu 1: Input/output error");
	sidecar_vp_release(vp);
}

Test(vmmlib_vp, register_statuses)
{
	union hv_register_value v = {.reg64 = 0x2};
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	/* Memory type 2 is reserved: WRMSR would #GP (checked by the core). */
	cr_expect_eq(sidecar_vp_set_register(vp, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, &v),
		     -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_INVALID_REGISTER_VALUE);
	cr_expect_eq(sidecar_vp_set_register(vp, HV_X64_REGISTER_MSR_MTRR_CAP, &v),
		     -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_ACCESS_DENIED);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "SET_VP_REGISTERS: HV_STATUS_ACCESS_DENIED (0x0006) in registers 0-0");
	v.reg128.high = 1;
	cr_expect_eq(sidecar_vp_set_register(vp, HV_X64_REGISTER_RAX, &v), -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_INVALID_REGISTER_VALUE);
	cr_expect_eq(sidecar_vp_get_register(vp, 0x12345, &v), -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_UNKNOWN_REGISTER_NAME);
	/* Only the current VTL exists. */
	{
		struct hv_register_assoc a = {.name = HV_X64_REGISTER_RAX};

		cr_expect_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_USE_TARGET_VTL | 1, &a, 1),
			     -SIDECAR_VMM_EHV);
		cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_INVALID_PARAMETER);
		cr_expect_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_USE_TARGET_VTL | 0, &a, 1),
			     0);
	}
	sidecar_vp_release(vp);
}

Test(vmmlib_vp, argument_checks)
{
	union hv_register_value v;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(1);
	cr_expect_eq(sidecar_vp_get_registers(vp, HV_INPUT_VTL_CURRENT, NULL, 3), -EINVAL);
	cr_expect_eq(last(vp).source, SIDECAR_VMM_ERROR_ARGUMENT);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "GET_VP_REGISTERS: NULL register array");
	cr_expect_eq(sidecar_vp_set_registers(vp, HV_INPUT_VTL_CURRENT, NULL, 1), -EINVAL);
	cr_expect_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_RAX, NULL), -EINVAL);
	cr_expect_eq(sidecar_vp_set_register(vp, HV_X64_REGISTER_RAX, NULL), -EINVAL);
	cr_expect_eq(sidecar_vp_translate_gva(vp, 1, 0, NULL), -EINVAL);
	cr_expect_eq(last(vp).source, SIDECAR_VMM_ERROR_ARGUMENT);
	cr_expect_eq(sidecar_vp_get_registers(NULL, HV_INPUT_VTL_CURRENT, NULL, 0), -EINVAL);
	cr_expect_eq(sidecar_vp_get_register(NULL, HV_X64_REGISTER_RAX, &v), -EINVAL);
	cr_expect_eq(sidecar_vp_translate_gva(NULL, 1, 0, NULL), -EINVAL);
	cr_expect_eq(sidecar_vp_last_error(NULL, NULL), -EINVAL);
	cr_expect_eq(fake_log(fake, 1, NULL, 0), 0, "nothing reached the driver");
	sidecar_vp_release(vp);
}

/* ---- Translation and sidecar errors ---- */

Test(vmmlib_vp, translate_gva)
{
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(3);
	memset(&out, 0xAB, sizeof(out));
	cr_assert_eq(sidecar_vp_translate_gva(vp, 0x1234, HV_TRANSLATE_GVA_VALIDATE_READ, &out), 0,
		     "%s", sidecar_vp_error_message(vp));
	cr_expect_eq(out.translation_result.result & HV_TRANSLATE_GVA_RESULT_CODE_MASK,
		     HV_TRANSLATE_GVA_SUCCESS);
	cr_expect_eq(out.gpa_page, 0x1334);
	/* A translation can succeed as a hypercall and still fail as a walk. */
	cr_assert_eq(sidecar_vp_translate_gva(vp, 1, HV_TRANSLATE_GVA_VALIDATE_EXECUTE, &out), 0);
	cr_expect_eq(out.translation_result.result & HV_TRANSLATE_GVA_RESULT_CODE_MASK,
		     HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	/* Failing statuses. */
	cr_expect_eq(sidecar_vp_translate_gva(vp, 1ull << 40, 0, &out), -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_INVALID_PARAMETER);
	cr_expect_str_eq(sidecar_vp_error_message(vp),
			 "TRANSLATE_GVA: HV_STATUS_INVALID_PARAMETER (0x0005)");
	cr_expect_eq(sidecar_vp_translate_gva(vp, 1,
					      2ull << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT |
						      (uint64_t)HV_INPUT_VTL_USE_TARGET_VTL
							      << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT,
					      &out),
		     -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_INVALID_PARAMETER);
	sidecar_vp_release(vp);
}

Test(vmmlib_vp, sidecar_error_strings)
{
	struct hv_translate_virtual_address_ex_output_x64 out;
	union hv_register_value v;
	struct sidecar_vp_error e;
	struct sidecar_vp *vp;

	vf_open_two_nodes();
	vp = vf_acquire(2);
	fake_set_backend(fake, 2, false);
	cr_expect_eq(sidecar_vp_translate_gva(vp, 1, 0, &out), -SIDECAR_VMM_ESIDECAR);
	e = last(vp);
	cr_expect_eq(e.source, SIDECAR_VMM_ERROR_SIDECAR);
	cr_expect_eq(e.err, -EIO);
	cr_expect_eq(e.command, SIDECAR_COMMAND_TRANSLATE_GVA);
	cr_expect_eq(strncmp(e.message, "no VP backend: TRANSLATE_GVA needs a guest backend", 50),
		     0, "%s", e.message);
	/* Without a backend, guest registers are unknown; the core's own are
	 * still there. */
	cr_expect_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_RAX, &v), -SIDECAR_VMM_EHV);
	cr_expect_eq(sidecar_vp_hv_status(vp), HV_STATUS_UNKNOWN_REGISTER_NAME);
	cr_expect_eq(sidecar_vp_get_register(vp, HV_X64_REGISTER_DR1, &v), 0);
	fake_set_backend(fake, 2, true);
	cr_expect_eq(sidecar_vp_translate_gva(vp, 1, 0, &out), 0);
	cr_expect_str_eq(sidecar_vp_error_message(vp), "");
	sidecar_vp_release(vp);
}
