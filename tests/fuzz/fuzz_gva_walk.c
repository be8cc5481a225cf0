// SPDX-License-Identifier: MIT
/*
 * The TRANSLATE_GVA page walker (kernel/core/gva_walk.c) on guest page
 * tables from the input, in whatever paging mode the input's registers
 * select, while another "vCPU" races it: after a read it may set A or D on
 * the entry just read (as another CPU's walker would), and just before a
 * compare-exchange it may rewrite the entry being exchanged in any way (a
 * guest changing its tables).
 *
 * Input: struct fuzz_gva_header (fuzz_gva_walk_input.h), then the
 * guest's memory (MEM_SIZE bytes at GPA 0, zero past the input's end). The
 * racer's choices come from a PRNG seeded by the header.
 *
 * Invariants:
 * - the walker writes only through compare-exchange, only with
 *   SET_PAGE_TABLE_BITS, and each exchange only adds A and/or D to the
 *   value it expects; afterwards every table word differs from what the
 *   guest (input and racer) left only by added A/D bits;
 * - the status is SUCCESS, INVALID_PARAMETER, or OPERATION_DENIED (the
 *   latter only with SET_PAGE_TABLE_BITS and a racer), with the output
 *   zeroed unless SUCCESS; result codes are Hyper-V's, cache type
 *   write-back, a GPA only on success and an event only with a fault;
 * - a successful translation's page is what a reference reading of the
 *   tables (presence and page sizes only) gives, in guest memory, and with
 *   SET_PAGE_TABLE_BITS every entry on that path has A set, the leaf D for
 *   a write (unless the racer cleared them after the walk read them set:
 *   then, as on a CPU whose TLB holds them, they may stay clear).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_gva_walk_input.h"
#include "sk_gva.h"
#include "sc_x86_regs.h"

#define MEM_SIZE (64u << 10)
#define PTE_P	 (1ull << 0)
#define PTE_A	 (1ull << 5)
#define PTE_D	 (1ull << 6)
#define PTE_PS	 (1ull << 7)
#define AD	 (PTE_A | PTE_D)

static uint8_t mem[MEM_SIZE];
static uint8_t guest_view[MEM_SIZE]; /* what the guest (input, racer) wrote */
static struct fuzz_gva_header h;
static uint32_t rng;
static unsigned int exchanges, racer_changes;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static bool backed(uint64_t gpa, uint32_t size)
{
	uint64_t hole = (uint64_t)h.hole * 4096;

	if (gpa >= MEM_SIZE || size > MEM_SIZE - gpa)
		return false;
	return h.hole >= MEM_SIZE / 4096 || gpa + size <= hole || gpa >= hole + 4096;
}

static uint64_t load(const uint8_t *m, uint64_t gpa, uint32_t size)
{
	uint64_t v = 0;

	memcpy(&v, m + gpa, size);
	return v;
}

/* Words whose A or D the racer cleared: a walk that read them set may
 * rightly leave them clear (the CPU, too, does not set a D bit its TLB
 * already holds set; the guest must flush after clearing it). */
static uint8_t ad_cleared[MEM_SIZE / 4];

/* The racer stores into guest memory: both views. */
static void racer_store(uint64_t gpa, uint32_t size, uint64_t v)
{
	if (load(mem, gpa, size) & ~v & AD)
		ad_cleared[gpa / 4] = 1;
	memcpy(mem + gpa, &v, size);
	memcpy(guest_view + gpa, &v, size);
	racer_changes++;
}

static bool mem_read(void *ctx, uint64_t gpa, void *buf, uint32_t size)
{
	(void)ctx;
	if (!backed(gpa, size))
		return false;
	memcpy(buf, mem + gpa, size);
	/* Another CPU's walk sets A/D on the entry just read. */
	if ((h.race & 1) && (size == 4 || size == 8) && !(gpa & (size - 1)) && next() % 4 == 0)
		racer_store(gpa, size, load(mem, gpa, size) | (next() % 2 ? PTE_A : AD));
	return true;
}

static enum sk_cmpxchg_result mem_cmpxchg(void *ctx, uint64_t gpa, uint32_t size,
					  uint64_t *expected, uint64_t desired)
{
	uint64_t now;

	(void)ctx;
	exchanges++;
	FUZZ_CHECK(h.flags & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS,
		   "a write to guest memory without SET_PAGE_TABLE_BITS");
	FUZZ_CHECK(size == 4 || size == 8, "an exchange of %u bytes", size);
	FUZZ_CHECK(size == 8 || (*expected >> 32 == 0 && desired >> 32 == 0),
		   "4-byte exchange of %#llx -> %#llx", (unsigned long long)*expected,
		   (unsigned long long)desired);
	FUZZ_CHECK((desired & *expected) == *expected && ((desired ^ *expected) & ~AD) == 0,
		   "exchange %#llx -> %#llx at %#llx adds more than A/D",
		   (unsigned long long)*expected, (unsigned long long)desired,
		   (unsigned long long)gpa);
	if ((gpa & (size - 1)) || !backed(gpa, size))
		return SK_CMPXCHG_UNMAPPED;
	/* The guest rewrites the entry between the walk's read and here. */
	if ((h.race & 2) && ((h.race & 4) || next() % 3 == 0)) {
		uint64_t v = load(mem, gpa, size);

		/* A guest that never stops rewriting: an ignored bit (9-11),
		 * which changes no translation, so only the bound ends it. */
		switch ((h.race & 4) ? 4 : next() % 4) {
		case 0:
			v ^= PTE_P;
			break;
		case 1:
			v &= ~PTE_A;
			break;
		case 2:
			v ^= (uint64_t)(next() % 16) << 12; /* another page */
			break;
		case 3:
			v ^= 1ull << (next() % (size * 8));
			break;
		default:
			v ^= 1ull << (9 + next() % 3);
			break;
		}
		racer_store(gpa, size, v);
	}
	now = load(mem, gpa, size);
	if (now != *expected) {
		*expected = now;
		return SK_CMPXCHG_CHANGED;
	}
	memcpy(mem + gpa, &desired, size);
	return SK_CMPXCHG_DONE;
}

static const struct sk_guest_memory guest = {mem_read, mem_cmpxchg, NULL};

static uint64_t bits(unsigned int high, unsigned int low)
{
	return (high >= 63 ? ~0ull : (1ull << (high + 1)) - 1) & ~((1ull << low) - 1);
}

/* The path of a reference walk: entries (GPA, size, A applies). */
struct path {
	uint64_t gpa[5];
	uint8_t size[5];
	bool has_a[5];
	unsigned int n;
};

static bool ref_entry(struct path *p, uint64_t gpa, uint8_t size, bool has_a, uint64_t *e)
{
	if (!backed(gpa, size))
		return false;
	*e = load(mem, gpa, size);
	p->gpa[p->n] = gpa;
	p->size[p->n] = size;
	p->has_a[p->n] = has_a;
	p->n++;
	return (*e & PTE_P) != 0;
}

/* 8-byte levels from `level` down: false if there is no mapping. */
static bool ref_walk64(struct path *p, uint64_t table, int level, uint64_t gva, uint64_t addr_mask,
		       uint64_t *gpa)
{
	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)(level - 1);
		uint64_t e;

		if (!ref_entry(p, table + ((gva >> shift) & 511) * 8, 8, true, &e))
			return false;
		if (level > 1 && (e & PTE_PS)) {
			if (level > 3)
				return false; /* reserved: no mapping */
			*gpa = (e & addr_mask & ~bits(shift - 1, 0)) | (gva & bits(shift - 1, 0));
			return true;
		}
		if (level == 1) {
			*gpa = (e & addr_mask) | (gva & 0xFFF);
			return true;
		}
		table = e & addr_mask;
	}
	return false;
}

/* Where the tables map `gva` (presence and page sizes only). */
static bool ref_translate(struct path *p, uint64_t *gpa)
{
	uint64_t gva = h.gva & ~0xFFFull;
	uint64_t addr_mask = bits(h.maxphyaddr - 1, 12);
	uint64_t e;

	p->n = 0;
	if (!(h.cr0 & CR0_PG)) {
		*gpa = gva;
		return true;
	}
	if (!(h.cr4 & CR4_PAE)) {
		if (!ref_entry(p, (h.cr3 & bits(31, 12)) + ((gva >> 22) & 1023) * 4, 4, true, &e))
			return false;
		if ((e & PTE_PS) && (h.cr4 & CR4_PSE)) {
			*gpa = (e & bits(31, 22)) | ((e >> 13) & 0xFF) << 32 | (gva & bits(21, 0));
			return true;
		}
		if (!ref_entry(p, (e & bits(31, 12)) + ((gva >> 12) & 1023) * 4, 4, true, &e))
			return false;
		*gpa = (e & bits(31, 12)) | (gva & 0xFFF);
		return true;
	}
	if (!(h.efer & EFER_LMA)) {
		if (!ref_entry(p, (h.cr3 & bits(31, 5)) + ((gva >> 30) & 3) * 8, 8, false, &e))
			return false;
		return ref_walk64(p, e & addr_mask, 2, gva, addr_mask, gpa);
	}
	return ref_walk64(p, h.cr3 & addr_mask, (h.cr4 & CR4_LA57) ? 5 : 4, gva, addr_mask, gpa);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sk_gva_regs regs;
	hv_status_t status;
	uint32_t result;
	bool entries32;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + sizeof(h), size - sizeof(h) < MEM_SIZE ? size - sizeof(h) : MEM_SIZE);
	memcpy(guest_view, mem, sizeof(mem));
	memset(ad_cleared, 0, sizeof(ad_cleared));
	rng = h.seed | 1;
	exchanges = racer_changes = 0;
	regs = (struct sk_gva_regs){h.cr0, h.cr3, h.cr4, h.efer, h.rflags, h.cpl, h.maxphyaddr};
	entries32 = (h.cr0 & CR0_PG) && !(h.cr4 & CR4_PAE);

	memset(&out, 0xEE, sizeof(out));
	status = sk_translate_gva(&regs, h.gva, h.flags, &guest, &out);

	/* Guest memory: only A/D added, and only when asked (word by word
	 * only where the exchanges left a difference). */
	if (memcmp(mem, guest_view, MEM_SIZE) != 0) {
		uint64_t allowed = entries32 ? AD | AD << 32 : AD;

		if (!(h.flags & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS))
			allowed = 0;
		for (uint32_t off = 0; off < MEM_SIZE; off += 8) {
			uint64_t now = load(mem, off, 8), was = load(guest_view, off, 8);

			FUZZ_CHECK((now & was) == was && ((now ^ was) & ~allowed) == 0,
				   "guest word at %#x: %#llx became %#llx", off,
				   (unsigned long long)was, (unsigned long long)now);
		}
	}

	if (status != HV_STATUS_SUCCESS) {
		FUZZ_CHECK(status == HV_STATUS_INVALID_PARAMETER ||
				   (status == HV_STATUS_OPERATION_DENIED && racer_changes &&
				    (h.flags & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS)),
			   "status %#x (%u racer changes)", status, racer_changes);
		FUZZ_CHECK(all_zero(&out, sizeof(out)), "output left after status %#x", status);
		return 0;
	}
	result = (uint32_t)out.translation_result.result;
	FUZZ_CHECK(out.translation_result.result >> 32 == HV_CACHE_TYPE_WRITE_BACK,
		   "result word %#llx", (unsigned long long)out.translation_result.result);
	FUZZ_CHECK(result <= HV_TRANSLATE_GVA_GPA_UNMAPPED, "result code %u", result);
	FUZZ_CHECK(result == HV_TRANSLATE_GVA_SUCCESS || out.gpa_page == 0, "a GPA with result %u",
		   result);
	FUZZ_CHECK(out.reserved == 0, "reserved output %#llx", (unsigned long long)out.reserved);
	if (result == HV_TRANSLATE_GVA_SUCCESS || result == HV_TRANSLATE_GVA_GPA_UNMAPPED)
		FUZZ_CHECK(out.translation_result.event_info.reg_0.low == 0 &&
				   out.translation_result.event_info.reg_0.high == 0,
			   "an event with result %u", result);
	else
		FUZZ_CHECK(
			(uint32_t)out.translation_result.event_info.reg_0.low == 0x000E0101 &&
				(out.translation_result.event_info.reg_0.low >> 32) < 0x20 &&
				out.translation_result.event_info.reg_0.high == (h.gva & ~0xFFFull),
			"event %#llx/%#llx for result %u",
			(unsigned long long)out.translation_result.event_info.reg_0.low,
			(unsigned long long)out.translation_result.event_info.reg_0.high, result);

	if (result == HV_TRANSLATE_GVA_SUCCESS) {
		struct path p;
		uint64_t gpa;

		FUZZ_CHECK(ref_translate(&p, &gpa), "translated %#llx, the tables map nothing",
			   (unsigned long long)h.gva);
		FUZZ_CHECK(gpa >> 12 == out.gpa_page, "gva page %#llx -> %#llx, tables say %#llx",
			   (unsigned long long)h.gva, (unsigned long long)out.gpa_page,
			   (unsigned long long)(gpa >> 12));
		FUZZ_CHECK(backed(gpa, 1), "translated to unbacked %#llx", (unsigned long long)gpa);
		if (h.flags & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS) {
			for (unsigned int i = 0; i < p.n; i++) {
				uint64_t e = load(mem, p.gpa[i], p.size[i]);

				if (ad_cleared[p.gpa[i] / 4])
					continue;
				FUZZ_CHECK(!p.has_a[i] || (e & PTE_A), "level %u at %#llx: no A", i,
					   (unsigned long long)p.gpa[i]);
				if (i == p.n - 1 && (h.flags & HV_TRANSLATE_GVA_VALIDATE_WRITE))
					FUZZ_CHECK(e & PTE_D, "leaf at %#llx: no D",
						   (unsigned long long)p.gpa[i]);
			}
		}
	}
	return 0;
}
