// SPDX-License-Identifier: MIT
/*
 * The attack guests (attack_guest.h): their memory, their start-up
 * registers and the checks of how each ends. Plain C like test_guest.c, so
 * it compiles freestanding and hosted alike.
 */
#include "attack_guest.h"

#include <string.h>

#include "sc_format.h"
#include "test_guest.h"

#define ULL(x) ((unsigned long long)(x))

extern const char ta_code_start[], ta_code_end[], ta_debug[], ta_debug_stepped[], ta_debug_stored[],
	ta_debug_hlt[], ta_db_loop[], ta_db_loop_spin[], ta_tf_fault[], ta_ac[], ta_ac_user[],
	ta_ac_ud[], ta_ac_hlt[], ta_ud_hlt[], ta_invd[], ta_invd_hlt[], ta_xsetbv[],
	ta_xsetbv_avx[], ta_xsetbv_hlt[], ta_xgetbv[], ta_xgetbv_hlt[], ta_tsc[], ta_tsc_wrmsr[],
	ta_dr7_off[], ta_dr7_off_hlt[], ta_db_handler[], ta_gp_handler[], ta_ac_handler[],
	ta_ud_handler[];
extern const char tg_code_start[], tg_code_end[];

static uint64_t gva(const char *label)
{
	return TA_CODE + (uint64_t)(label - ta_code_start);
}

const char *ta_name(enum ta_program p)
{
	static const char *const names[TA_PROGRAMS] = {
		[TA_DEBUG] = "single-step and data breakpoint",
		[TA_DB_LOOP] = "#DB delivery loop",
		[TA_TF_FAULT] = "#DB whose delivery faults",
		[TA_AC] = "alignment check",
		[TA_INVD] = "INVD",
		[TA_XSETBV] = "XSETBV",
		[TA_XGETBV] = "XGETBV after XSETBV",
		[TA_TSC_WRITE] = "WRMSR to the TSC",
		[TA_DR7_OFF] = "breakpoints off",
	};

	return (unsigned int)p < TA_PROGRAMS ? names[p] : "?";
}

static void put64(uint8_t *m, uint64_t gpa, uint64_t v)
{
	memcpy(m + gpa, &v, 8);
}

/* A 64-bit interrupt gate to `handler`, DPL 0, on IST `ist` (SDM Vol. 3A
 * 6.14.1). */
static void gate(uint8_t *m, unsigned int vector, uint64_t handler, unsigned int ist)
{
	uint64_t low = (handler & 0xFFFF) | 0x08ull << 16 | (uint64_t)ist << 32 | 0x8Eull << 40 |
		       ((handler >> 16) & 0xFFFF) << 48;

	put64(m, TA_IDT + 16ull * vector, low);
	put64(m, TA_IDT + 16ull * vector + 8, handler >> 32);
}

bool ta_build(void *mem, uint64_t size)
{
	uint8_t *m = mem;

	if (size < TA_END || TG_CODE + (uint64_t)(tg_code_end - tg_code_start) > TA_CODE ||
	    TA_CODE + (uint64_t)(ta_code_end - ta_code_start) > TA_IDT)
		return false;
	memcpy(m + TA_CODE, ta_code_start, (size_t)(ta_code_end - ta_code_start));
	memset(m + TA_IDT, 0, TA_END - TA_IDT);
	gate(m, 1, gva(ta_db_handler), 1);
	gate(m, 6, gva(ta_ud_handler), 0);
	gate(m, 13, gva(ta_gp_handler), 0);
	gate(m, 17, gva(ta_ac_handler), 0);
	/* TSS: RSP0 at 4, IST1 at 0x24, no I/O map (SDM Vol. 3A 8.7). */
	put64(m, TA_TSS + 4, TA_RSP0_TOP);
	put64(m, TA_TSS + 0x24, TA_IST_TOP);
	m[TA_TSS + 0x66] = 104;
	/* The first GiB, 2 MiB pages, user-accessible at every level. */
	put64(m, TA_PML4, TA_PDPT | 0x7);
	put64(m, TA_PDPT, TA_PD | 0x7);
	for (uint64_t i = 0; i < 512; i++)
		put64(m, TA_PD + 8 * i, i << 21 | 0x87);
	put64(m, TA_GDT + 0x08, 0x00AF9A000000FFFFull); /* 64-bit code, DPL 0 */
	put64(m, TA_GDT + 0x10, 0x00CF92000000FFFFull); /* data, DPL 0 */
	put64(m, TA_GDT + 0x18, 0x00CFF2000000FFFFull); /* data, DPL 3 */
	put64(m, TA_GDT + 0x20, 0x00AFFA000000FFFFull); /* 64-bit code, DPL 3 */
	return true;
}

static const char *const entries[TA_PROGRAMS] = {
	[TA_DEBUG] = ta_debug,	 [TA_DB_LOOP] = ta_db_loop, [TA_TF_FAULT] = ta_tf_fault,
	[TA_AC] = ta_ac,	 [TA_INVD] = ta_invd,	    [TA_XSETBV] = ta_xsetbv,
	[TA_XGETBV] = ta_xgetbv, [TA_TSC_WRITE] = ta_tsc,   [TA_DR7_OFF] = ta_dr7_off,
};

static struct hv_register_assoc *add(struct hv_register_assoc *regs, size_t *n,
				     hv_register_name_t name)
{
	memset(&regs[*n], 0, sizeof(regs[*n]));
	regs[*n].name = name;
	return &regs[(*n)++];
}

size_t ta_setup_registers(struct hv_register_assoc *regs, uint32_t slot, enum ta_program p)
{
	size_t n = tg_setup_registers(regs, slot);

	for (size_t i = 0; i < n; i++) {
		union hv_register_value *v = &regs[i].value;

		switch (regs[i].name) {
		case HV_X64_REGISTER_CR3:
			v->reg64 = TA_PML4;
			break;
		case HV_X64_REGISTER_CR4:
			/* OSXSAVE for the XSETBV and XGETBV programs only. */
			if (p == TA_XSETBV || p == TA_XGETBV)
				v->reg64 |= 1ull << 18;
			break;
		case HV_X64_REGISTER_GDTR:
			v->table.base = TA_GDT;
			v->table.limit = 0x27;
			break;
		case HV_X64_REGISTER_IDTR:
			v->table.base = TA_IDT;
			/* For TA_TF_FAULT the IDT ends before vector 1. */
			v->table.limit = p == TA_TF_FAULT ? 15 : 0xFFF;
			break;
		case HV_X64_REGISTER_TR:
			v->segment = (struct hv_x64_segment_register){TA_TSS, 0x67, 0, 0x8B};
			break;
		case HV_X64_REGISTER_RIP:
			v->reg64 = (unsigned int)p < TA_PROGRAMS ? gva(entries[p]) : 0;
			break;
		default:
			break;
		}
	}
	/* No event left pending by the previous program (the loop's #DB). */
	add(regs, &n, HV_X64_REGISTER_PENDING_INTERRUPTION);
	add(regs, &n, HV_X64_REGISTER_DR7)->value.reg64 = 0x400;
	add(regs, &n, HV_X64_REGISTER_DR6)->value.reg64 = 0xFFFF0FF0;
	if (p == TA_XSETBV || p == TA_XGETBV)
		add(regs, &n, HV_X64_REGISTER_XFEM)->value.reg64 = 1;
	return n;
}

void ta_set_dr7(struct hv_register_assoc *regs, size_t n, uint64_t dr7)
{
	for (size_t i = 0; i < n; i++)
		if (regs[i].name == HV_X64_REGISTER_DR7)
			regs[i].value.reg64 = dr7;
}

bool ta_runs_until_stopped(enum ta_program p)
{
	return p == TA_DB_LOOP;
}

static const struct hv_x64_intercept_message_header *header(const struct hv_message *msg)
{
	return (const struct hv_x64_intercept_message_header *)msg->payload_buffer;
}

static bool exit_is(const struct hv_message *msg, uint32_t type, uint64_t rip, char *detail,
		    size_t size)
{
	if (msg->header.typ == type && (!rip || header(msg)->rip == rip))
		return true;
	sc_snprintf(detail, size, "message type %#x at RIP %#llx, expected %#x at %#llx",
		    msg->header.typ, ULL(header(msg)->rip), type, ULL(rip));
	return false;
}

static bool check_debug(const struct hv_message *msg, const uint64_t *gps, char *detail,
			size_t size)
{
	const uint64_t bs_b0 = 1ull << 14 | 1;

	if (!exit_is(msg, HV_MESSAGE_TYPE_X64_HALT, gva(ta_debug_hlt), detail, size))
		return false;
	if (gps[12] != 2 || (gps[13] & bs_b0) != bs_b0 || gps[15] != gva(ta_debug_stepped) ||
	    gps[14] != gva(ta_debug_stored)) {
		sc_snprintf(detail, size,
			    "the guest's #DB handler ran %llu times, saw DR6 bits %#llx, at RIPs "
			    "%#llx and %#llx; expected 2 times, BS and B0 (%#llx), at %#llx and "
			    "%#llx",
			    ULL(gps[12]), ULL(gps[13]), ULL(gps[15]), ULL(gps[14]), ULL(bs_b0),
			    ULL(gva(ta_debug_stepped)), ULL(gva(ta_debug_stored)));
		return false;
	}
	return true;
}

static bool check_ac(const struct hv_message *msg, const uint64_t *gps, const char **what,
		     char *detail, size_t size)
{
	uint64_t rip = header(msg)->rip;

	if (msg->header.typ == HV_MESSAGE_TYPE_X64_HALT && rip == gva(ta_ac_hlt) && gps[13] == 0 &&
	    gps[14] == gva(ta_ac_user)) {
		*what = "#AC delivered to the guest's handler";
		return true;
	}
	if (msg->header.typ == HV_MESSAGE_TYPE_X64_HALT && rip == gva(ta_ud_hlt) &&
	    gps[14] == gva(ta_ac_ud)) {
		*what = "no #AC: this CPU does not check alignment";
		return true;
	}
	sc_snprintf(detail, size,
		    "message type %#x at RIP %#llx (R13 %#llx R14 %#llx); expected HLT at %#llx "
		    "after #AC at %#llx, or at %#llx after UD2 at %#llx",
		    msg->header.typ, ULL(rip), ULL(gps[13]), ULL(gps[14]), ULL(gva(ta_ac_hlt)),
		    ULL(gva(ta_ac_user)), ULL(gva(ta_ud_hlt)), ULL(gva(ta_ac_ud)));
	return false;
}

static bool check_xsetbv(const struct hv_message *msg, const uint64_t *gps, const char **what,
			 char *detail, size_t size)
{
	if (!exit_is(msg, HV_MESSAGE_TYPE_X64_HALT, gva(ta_xsetbv_hlt), detail, size))
		return false;
	if (gps[12] == 3 && gps[13] == 13 && gps[15] == gva(ta_xsetbv_avx) && gps[14] == 3)
		return true;
	/* A CPU without the XSETBV intercept: both writes reached it. */
	if (gps[12] == 3 && gps[13] == 0 && gps[14] == 7) {
		*what = "this CPU does not intercept XSETBV: the guest's XCR0 reached it";
		return true;
	}
	sc_snprintf(detail, size,
		    "XGETBV after XSETBV(3) gave %#llx, XSETBV(7) %s at %#llx, then XCR0 %#llx; "
		    "expected 3, #GP at %#llx, 3",
		    ULL(gps[12]), gps[13] == 13 ? "raised #GP" : "did not fault", ULL(gps[15]),
		    ULL(gps[14]), ULL(gva(ta_xsetbv_avx)));
	return false;
}

static bool check_xgetbv(const struct hv_message *msg, const uint64_t *gps, char *detail,
			 size_t size)
{
	if (!exit_is(msg, HV_MESSAGE_TYPE_X64_HALT, gva(ta_xgetbv_hlt), detail, size))
		return false;
	if (gps[12] != 1) {
		sc_snprintf(detail, size, "the guest's XCR0 is %#llx, expected its XFEM 0x1",
			    ULL(gps[12]));
		return false;
	}
	return true;
}

static bool check_tsc(const struct hv_message *msg, char *detail, size_t size)
{
	const struct hv_x64_msr_intercept_message *m = (const void *)msg->payload_buffer;

	if (!exit_is(msg, HV_MESSAGE_TYPE_MSR_INTERCEPT, gva(ta_tsc_wrmsr), detail, size))
		return false;
	if (m->msr_number != 0x10 || m->header.intercept_access_type != HV_INTERCEPT_ACCESS_WRITE) {
		sc_snprintf(detail, size, "MSR %#x access %u, expected a write of 0x10",
			    m->msr_number, m->header.intercept_access_type);
		return false;
	}
	return true;
}

bool ta_check(enum ta_program p, const struct hv_message *msg, const uint64_t gps[16],
	      const char **what, char *detail, size_t size)
{
	const char *note = "";
	bool ok;

	switch (p) {
	case TA_DEBUG:
		ok = check_debug(msg, gps, detail, size);
		break;
	case TA_TF_FAULT:
		ok = exit_is(msg, HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION, 0, detail, size);
		break;
	case TA_AC:
		ok = check_ac(msg, gps, &note, detail, size);
		break;
	case TA_INVD:
		ok = exit_is(msg, HV_MESSAGE_TYPE_X64_HALT, gva(ta_invd_hlt), detail, size);
		break;
	case TA_XSETBV:
		ok = check_xsetbv(msg, gps, &note, detail, size);
		break;
	case TA_XGETBV:
		ok = check_xgetbv(msg, gps, detail, size);
		break;
	case TA_TSC_WRITE:
		ok = check_tsc(msg, detail, size);
		break;
	case TA_DR7_OFF:
		ok = exit_is(msg, HV_MESSAGE_TYPE_X64_HALT, gva(ta_dr7_off_hlt), detail, size);
		break;
	default:
		sc_snprintf(detail, size, "program %d ends only by STOP", (int)p);
		ok = false;
		break;
	}
	if (what)
		*what = note;
	return ok;
}

bool ta_check_db_loop(uint64_t rip, const uint64_t gps[16], const char **what, char *detail,
		      size_t size)
{
	const char *note = "stopped elsewhere in the program";

	if (rip < TA_CODE || rip >= gva(ta_code_end)) {
		sc_snprintf(detail, size, "RIP %#llx after STOP is outside the attack code",
			    ULL(rip));
		return false;
	}
	if (rip == gva(ta_db_handler) && gps[12] == 0)
		note = "every delivery raised #DB again; each one was an exit";
	else if (rip == gva(ta_db_loop_spin) && gps[12] == 1)
		note = "the delivery's write raised no #DB: the handler ran once";
	if (what)
		*what = note;
	return true;
}
