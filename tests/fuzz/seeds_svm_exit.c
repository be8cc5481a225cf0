// SPDX-License-Identifier: MIT
/*
 * Seeds for fuzz_svm_exit: every exit the handler knows, from a 64-bit
 * guest at CPL 0 whose page tables (identity, one 2 MiB page) map the
 * intercepted instruction, plus the cases the reflection and emulation
 * rules distinguish (general-detect #DB, #AC during another delivery,
 * INVD while single-stepping, XSETBV of allowed and refused values) and
 * some register writes.
 */
#include <stdio.h>
#include <string.h>

#include <sidecar_defs.h>

#include "fuzz_svm_exit_input.h"
#include "seed_writer.h"

#define GUEST_BYTES 0x6000
#define CODE	    0x5000

/* State-save offsets from VMCB 0x400 (APM Vol. 2 Appendix B). */
#define S_CS	 0x010
#define S_CPL	 0x0CB
#define S_EFER	 0x0D0
#define S_CR4	 0x148
#define S_CR3	 0x150
#define S_CR0	 0x158
#define S_DR7	 0x160
#define S_DR6	 0x168
#define S_RFLAGS 0x170
#define S_RIP	 0x178

static const uint64_t known[] = {FUZZ_SVM_KNOWN_EXITS};

struct seed {
	struct fuzz_svm_input in;
	uint8_t guest[GUEST_BYTES];
};

static void put(uint8_t *base, unsigned int off, uint64_t v, unsigned int size)
{
	memcpy(base + off, &v, size);
}

static void base_state(struct seed *s, uint8_t sel, const uint8_t *insn, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->in.exit_sel = sel;
	s->in.next_rip = CODE + len;
	put(s->in.save, S_CS, 0x08, 2);
	put(s->in.save, S_CS + 2, 0xA9B, 2); /* 64-bit code, SVM's packed attributes */
	put(s->in.save, S_CS + 4, 0xFFFFFFFF, 4);
	put(s->in.save, S_EFER, 0x1D00, 8); /* SVME NXE LMA LME */
	put(s->in.save, S_CR4, 0x40620, 8); /* OSXSAVE OSXMMEXCPT OSFXSR PAE */
	put(s->in.save, S_CR3, 0x1000, 8);
	put(s->in.save, S_CR0, 0x80010033, 8);
	put(s->in.save, S_DR6, 0xFFFF0FF0, 8);
	put(s->in.save, S_DR7, 0x400, 8);
	put(s->in.save, S_RFLAGS, 0x2, 8);
	put(s->in.save, S_RIP, CODE, 8);
	put(s->guest, 0x1000, 0x2003, 8);
	put(s->guest, 0x2000, 0x3003, 8);
	put(s->guest, 0x3000, 0x83, 8);
	memcpy(s->guest + CODE, insn, len);
}

static void reg(struct fuzz_svm_reg *r, hv_register_name_t name, union hv_register_value v)
{
	*r = (struct fuzz_svm_reg){
		.name = name, .set = 1, .low = v.reg128.low, .high = v.reg128.high};
}

static void write(const char *dir, const char *name, const struct seed *s)
{
	seed_write(dir, name, s, sizeof(*s));
}

static uint8_t sel_of(uint64_t code)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == code)
			return (uint8_t)i;
	return 0xFF;
}

int main(int argc, char **argv)
{
	static const uint8_t out[] = {0xE6, 0xE9}, cpuid[] = {0x0F, 0xA2}, rdmsr[] = {0x0F, 0x32},
			     hlt[] = {0xF4}, load[] = {0x8B, 0x07}, invd[] = {0x0F, 0x08},
			     xsetbv[] = {0x0F, 0x01, 0xD1}, nop[] = {0x90};
	struct seed s;
	char name[64];

	seed_args(argc, argv);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		base_state(&s, (uint8_t)i, nop, sizeof(nop));
		snprintf(name, sizeof(name), "exit-%llx", (unsigned long long)known[i]);
		write(argv[1], name, &s);
	}

	base_state(&s, sel_of(0x7B), out, sizeof(out));
	s.in.info1 = 0xE9u << 16 | 1u << 4; /* port 0xE9, 8-bit OUT */
	s.in.info2 = CODE + 2;
	write(argv[1], "io-out", &s);
	s.in.info1 = 0x71u << 16 | 1u << 6 | 1u << 3 | 1u << 2 | 1; /* rep insd */
	write(argv[1], "io-rep-ins", &s);

	base_state(&s, sel_of(0x72), cpuid, sizeof(cpuid));
	s.in.gps[0] = 0x80000001;
	write(argv[1], "cpuid", &s);
	base_state(&s, sel_of(0x7C), rdmsr, sizeof(rdmsr));
	s.in.gps[1] = 0x40000100;
	write(argv[1], "rdmsr", &s);
	s.in.info1 = 1;
	write(argv[1], "wrmsr", &s);
	base_state(&s, sel_of(0x78), hlt, sizeof(hlt));
	write(argv[1], "hlt", &s);

	base_state(&s, sel_of(0x400), load, sizeof(load));
	s.in.info1 = 0x4; /* user read */
	s.in.info2 = 0x40000000;
	write(argv[1], "npf-walk", &s);
	s.in.insn_len = 2;
	memcpy(s.in.insn_bytes, load, sizeof(load));
	write(argv[1], "npf-decode-assist", &s);

	base_state(&s, sel_of(0x41), nop, sizeof(nop));
	put(s.in.save, S_DR6, 0xFFFF6FF0, 8); /* BD BS */
	put(s.in.save, S_DR7, 0x2401, 8);     /* GD L0 */
	write(argv[1], "db-general-detect", &s);
	s.in.event_inj = 0x80000301; /* #DB in delivery */
	write(argv[1], "db-during-db", &s);

	base_state(&s, sel_of(0x51), nop, sizeof(nop));
	s.in.event_inj = 0x80000B0E | 2ull << 32; /* #PF(2) in delivery */
	write(argv[1], "ac-during-pf", &s);
	s.in.event_inj = 0x80000030; /* the VMM's interrupt 0x30 */
	write(argv[1], "ac-during-interrupt", &s);

	base_state(&s, sel_of(0x76), invd, sizeof(invd));
	put(s.in.save, S_RFLAGS, 0x102, 8); /* TF */
	s.in.int_state = 1;
	write(argv[1], "invd-single-step", &s);

	base_state(&s, sel_of(0x8D), xsetbv, sizeof(xsetbv));
	s.in.gps[0] = 3;
	write(argv[1], "xsetbv-sse", &s);
	s.in.gps[0] = 7;
	write(argv[1], "xsetbv-avx", &s);
	put(s.in.save, S_CPL, 3, 1);
	write(argv[1], "xsetbv-cpl3", &s);

	base_state(&s, sel_of(0x78), hlt, sizeof(hlt));
	s.in.reg_count = 4;
	reg(&s.in.regs[0], HV_X64_REGISTER_RIP, (union hv_register_value){.reg64 = 0x401000});
	reg(&s.in.regs[1], HV_X64_REGISTER_PENDING_INTERRUPTION,
	    (union hv_register_value){.reg64 = 0xE31}); /* #PF pending, with error code */
	reg(&s.in.regs[2], HV_X64_REGISTER_XFEM, (union hv_register_value){.reg64 = 3});
	reg(&s.in.regs[3], HV_X64_REGISTER_CS,
	    (union hv_register_value){.segment = {0, 0xFFFFFFFF, 0x10, 0xA09B}});
	write(argv[1], "registers", &s);
	return 0;
}
