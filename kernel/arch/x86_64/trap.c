// SPDX-License-Identifier: MIT
/*
 * Interrupts and exceptions. The request vector and the start-up wake
 * vector (timer, check-in IPI) only wake the CPU from HLT; a #GP in one of
 * the safe MSR accessors resumes at its fixup; any other exception on a
 * sidecar CPU is a crash: the CPU writes a crash record into its globals
 * page (vp_pages.h), reports on the serial port,
 * marks itself REMOVED (so nothing waits for it, and Linux may restart it
 * with INIT-SIPI) and parks. The other CPUs are unaffected.
 */
#include <sidecar/control_ops.h>

#include "cpu.h"
#include "kernel.h"
#include "sk_dispatch.h"
#include "sc_format.h"

struct ex_entry {
	uint64_t insn;
	uint64_t fixup;
};

extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static bool fixup(struct sc_trap_frame *f)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return true;
		}
	}
	return false;
}

struct record_writer {
	struct sidecar_crash_record *rec;
};

static void emit_record(void *ctx, const char *text, size_t len)
{
	struct sidecar_crash_record *r = ((struct record_writer *)ctx)->rec;

	for (size_t i = 0; i < len && r->message_len < sizeof(r->message); i++)
		r->message[r->message_len++] = (uint8_t)text[i];
}

static void __attribute__((noreturn)) crash(struct sc_trap_frame *f)
{
	struct percpu *cpu = this_cpu();
	struct sidecar_crash_record *rec =
		(struct sidecar_crash_record *)((char *)cpu + SIDECAR_CRASH_RECORD_OFFSET);
	struct sidecar_control_page *control = slot_va(SLOT_CONTROL);
	struct record_writer w = {rec};
	uint64_t cr2 = read_cr2();
	const char *name = sc_x86_exception_name(f->vector);

	if (cpu->is_bsp) {
		/* A kernel bug while sidecar_entry() runs: nothing is started
		 * yet that could be handed back safely. */
		log_force_line("BSP: %s (error %#llx) at %#llx, cr2 %#llx; halting", name,
			       (unsigned long long)f->error_code, (unsigned long long)f->rip,
			       (unsigned long long)cr2);
		halt_forever();
	}

	*rec = (struct sidecar_crash_record){
		.version = SIDECAR_CRASH_RECORD_VERSION,
		.vp_index = cpu->vp_index,
		.vector = f->vector,
		.error_code = f->error_code,
		.rip = f->rip,
		.cs = f->cs,
		.rflags = f->rflags,
		.rsp = f->rsp,
		.ss = f->ss,
		.cr2 = cr2,
		.cr3 = read_cr3(),
		.gps = {f->rax, f->rcx, f->rdx, f->rbx, f->rsp, f->rbp, f->rsi, f->rdi, f->r8,
			f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15},
	};
	sc_format(emit_record, &w, "%s at %#llx (error %#llx, cr2 %#llx)", name,
		  (unsigned long long)f->rip, (unsigned long long)f->error_code,
		  (unsigned long long)cr2);
	/* The magic last: a reader that sees it sees the whole record. */
	__atomic_store_n(&rec->magic, SIDECAR_CRASH_RECORD_MAGIC, __ATOMIC_RELEASE);

	log_force_line("crashed: %.*s; parking", rec->message_len, (const char *)rec->message);
	atomic_store_explicit(&sk_boot.aps[cpu->ap].state, AP_CRASHED, memory_order_release);

	sidecar_cpu_status_publish(control, cpu->index_in_node, SIDECAR_CPU_STATUS_REMOVED);
	if (cpu->vp.control)
		sk_raise_attention(&cpu->vp);
	else
		sidecar_raise_attention(control);
	apic_disable_this_cpu();
	halt_forever();
}

void sk_trap(struct sc_trap_frame *f)
{
	if (f->vector == SK_REQUEST_VECTOR || f->vector == SK_WAKE_VECTOR) {
		apic_eoi();
		return;
	}
	/* Spurious interrupts take no EOI (SDM Vol. 3A 11.9). */
	if (f->vector == SK_SPURIOUS_VECTOR)
		return;
	if (f->vector >= 32) {
		apic_eoi();
		log_line("ignoring unexpected interrupt vector %llu",
			 (unsigned long long)f->vector);
		return;
	}
	/*
	 * An NMI is not an error: the driver sends one to escalate a STOP
	 * that the request IPI did not deliver, and one that arrives while a
	 * guest runs is taken here once sk_svm_run sets GIF again (APM Vol. 2
	 * 15.13.1). Returning is all it takes: HLT in the dispatch loop ends
	 * and the loop reads cpu_status again; RUN_VP's loop checks for STOP
	 * after every exit. Nothing is logged: the NMI may have interrupted
	 * this CPU inside a log line, and the log lock is re-entrant for its
	 * owner, so a line here would release it under the interrupted one.
	 */
	if (f->vector == 2)
		return;
	if (f->vector == 13 && fixup(f))
		return;
	crash(f);
}
