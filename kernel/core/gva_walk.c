// SPDX-License-Identifier: MIT
/*
 * The guest page-table walk behind TRANSLATE_GVA (Intel SDM Vol. 3A
 * chapter 4, AMD APM Vol. 2 chapter 5): paging off, 32-bit paging (with
 * PSE and PSE-36), PAE, 4-level and 5-level paging, large pages at every
 * level the mode allows. The walk checks presence and reserved bits level
 * by level, then the access the VMM asked about (read, write, execute;
 * user or supervisor; SMEP, SMAP), and answers with Hyper-V's result codes
 * (TranslateGvaResultCode). On a translation failure event_info holds the
 * page fault the guest itself would take, ready to be injected.
 */
#include "sk_gva.h"
#include "sc_x86_regs.h"

#define RFLAGS_AC (1ull << 18)

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A  (1ull << 5)
#define PTE_D  (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_U	(1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I	(1u << 4)

#define SUPPORTED_FLAGS                                                                            \
	(HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_WRITE |                        \
	 HV_TRANSLATE_GVA_VALIDATE_EXECUTE | HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT |                   \
	 HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS | HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT |               \
	 HV_TRANSLATE_GVA_SUPERVISOR_ACCESS | HV_TRANSLATE_GVA_USER_ACCESS |                       \
	 HV_TRANSLATE_GVA_ENFORCE_SMAP | HV_TRANSLATE_GVA_OVERRIDE_SMAP)

enum mode { MODE_OFF, MODE_32, MODE_PAE, MODE_LONG4, MODE_LONG5 };

/* One level of the walk, as remembered for setting accessed/dirty bits. */
struct level {
	uint64_t gpa; /* where the entry is */
	uint64_t entry;
	uint8_t size;	   /* 4 or 8 bytes */
	bool has_accessed; /* PAE PDPTEs have no A bit */
};

struct walk {
	const struct sk_gva_regs *regs;
	const struct sk_guest_memory *mem;
	uint64_t gva;
	uint64_t flags;
	bool user; /* the access is a user-mode one */
	bool nxe;
	uint64_t addr_mask; /* physical-address bits below MAXPHYADDR, from bit 12 */
	struct level levels[5];
	unsigned int depth;
	/* Rights accumulated over the levels. */
	bool writable, user_page, executable;
	uint64_t page_base; /* the final page's (or large page's) base */
	uint64_t page_size;
};

static uint64_t bits(unsigned int high, unsigned int low)
{
	return (high >= 63 ? ~0ull : (1ull << (high + 1)) - 1) & ~((1ull << low) - 1);
}

/* Reads the entry at `gpa`; false when the page-table page is not backed. */
static bool read_entry(struct walk *w, uint64_t gpa, uint8_t size, bool has_accessed,
		       uint64_t *entry)
{
	struct level *l = &w->levels[w->depth++];

	*entry = 0;
	if (!w->mem->read(w->mem->ctx, gpa, entry, size))
		return false;
	*l = (struct level){gpa, *entry, size, has_accessed};
	return true;
}

/* Reserved bits of a 64-bit-format entry: address bits above MAXPHYADDR,
 * XD without EFER.NXE, plus `extra` (level-specific). */
static bool reserved64(const struct walk *w, uint64_t entry, uint64_t extra)
{
	uint64_t rsvd = bits(51, w->regs->maxphyaddr) | extra;

	if (!w->nxe)
		rsvd |= PTE_XD;
	return (entry & rsvd) != 0;
}

static void accumulate(struct walk *w, uint64_t entry, bool has_xd)
{
	w->writable = w->writable && (entry & PTE_RW);
	w->user_page = w->user_page && (entry & PTE_US);
	if (has_xd && w->nxe && (entry & PTE_XD))
		w->executable = false;
}

/* 4- and 5-level paging, and PAE below its PDPT: entries of 8 bytes. */
static uint32_t walk_64(struct walk *w, uint64_t table, int level)
{
	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)(level - 1);
		uint64_t gpa = table + ((w->gva >> shift) & 511) * 8;
		uint64_t entry, extra = 0;
		bool large;

		if (!read_entry(w, gpa, 8, true, &entry))
			return HV_TRANSLATE_GVA_GPA_UNMAPPED;
		if (!(entry & PTE_P))
			return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
		large = level > 1 && (entry & PTE_PS);
		if (level >= 4)
			extra = PTE_PS; /* PML5E, PML4E: PS is reserved */
		else if (large)
			extra = bits(shift - 1, 13); /* above bit 12 (PAT) of a large page */
		if (reserved64(w, entry, extra))
			return HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS;
		accumulate(w, entry, true);
		if (level == 1 || large) {
			w->page_size = 1ull << shift;
			w->page_base = entry & w->addr_mask & ~(w->page_size - 1);
			return HV_TRANSLATE_GVA_SUCCESS;
		}
		table = entry & w->addr_mask;
	}
	return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT; /* not reached */
}

/* PAE: a 4-entry PDPT at CR3[31:5]; PDPTEs carry no rights (SDM 4.4.1). */
static uint32_t walk_pae(struct walk *w)
{
	uint64_t gpa = (w->regs->cr3 & bits(31, 5)) + ((w->gva >> 30) & 3) * 8;
	uint64_t entry;

	if (!read_entry(w, gpa, 8, false, &entry))
		return HV_TRANSLATE_GVA_GPA_UNMAPPED;
	if (!(entry & PTE_P))
		return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
	if (entry & (bits(2, 1) | bits(8, 5) | bits(63, w->regs->maxphyaddr)))
		return HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS;
	return walk_64(w, entry & w->addr_mask, 2);
}

/* 32-bit paging: 4-byte entries, 4 MiB pages with CR4.PSE (and PSE-36
 * address bits 39:32 in PDE bits 20:13), no XD (SDM 4.3). */
static uint32_t walk_32(struct walk *w)
{
	uint64_t pde_gpa = (w->regs->cr3 & bits(31, 12)) + ((w->gva >> 22) & 1023) * 4;
	uint64_t pde, pte;

	if (!read_entry(w, pde_gpa, 4, true, &pde))
		return HV_TRANSLATE_GVA_GPA_UNMAPPED;
	if (!(pde & PTE_P))
		return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
	accumulate(w, pde, false);
	if ((pde & PTE_PS) && (w->regs->cr4 & CR4_PSE)) {
		/* PDE bits 20:13 hold address bits 39:32 (PSE-36); those at or
		 * above MAXPHYADDR are reserved, and so is bit 21. */
		uint64_t rsvd = 1ull << 21;

		if (w->regs->maxphyaddr < 40)
			rsvd |= bits(20, 13 + (w->regs->maxphyaddr - 32));
		if (pde & rsvd)
			return HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS;
		w->page_size = 4ull << 20;
		w->page_base = (pde & bits(31, 22)) | ((pde >> 13) & 0xFF) << 32;
		return HV_TRANSLATE_GVA_SUCCESS;
	}
	if (!read_entry(w, (pde & bits(31, 12)) + ((w->gva >> 12) & 1023) * 4, 4, true, &pte))
		return HV_TRANSLATE_GVA_GPA_UNMAPPED;
	if (!(pte & PTE_P))
		return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
	accumulate(w, pte, false);
	w->page_size = 4096;
	w->page_base = pte & bits(31, 12);
	return HV_TRANSLATE_GVA_SUCCESS;
}

/* The access checks of SDM Vol. 3A 4.6, as the flags select them. */
static bool access_allowed(const struct walk *w)
{
	const struct sk_gva_regs *r = w->regs;
	bool exempt = w->flags & HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT;
	bool data = w->flags & (HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_WRITE);

	if ((w->flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE) && !w->executable)
		return false;
	if (w->flags & HV_TRANSLATE_GVA_VALIDATE_WRITE) {
		/* Supervisor writes ignore R/W only with CR0.WP clear. */
		bool supervisor = exempt || !w->user;

		if (!w->writable && !(supervisor && !(r->cr0 & CR0_WP)))
			return false;
	}
	if (exempt)
		return true;
	if (w->user)
		return w->user_page;
	/* Supervisor: SMEP forbids executing user pages; SMAP forbids data
	 * access to them unless RFLAGS.AC allows it (and the VMM did not ask to
	 * enforce it), or the VMM overrides it. */
	if ((w->flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE) && w->user_page && (r->cr4 & CR4_SMEP))
		return false;
	if (data && w->user_page && (r->cr4 & CR4_SMAP)) {
		bool enforce = w->flags & HV_TRANSLATE_GVA_ENFORCE_SMAP;
		bool override = w->flags & HV_TRANSLATE_GVA_OVERRIDE_SMAP;

		if (enforce || (!override && !(r->rflags & RFLAGS_AC)))
			return false;
	}
	return true;
}

/*
 * How many times a translation with SET_PAGE_TABLE_BITS walks again after
 * another vCPU changed an entry between the walk's read and its
 * accessed/dirty update. Each lost race means the guest rewrote one of the
 * few entries of this walk in that window; a guest that keeps doing so is
 * hostile (or its own page tables are in flux), and the call fails with
 * HV_STATUS_OPERATION_DENIED rather than spinning.
 */
#define AD_ATTEMPTS 16

enum ad_result { AD_DONE, AD_CHANGED, AD_UNMAPPED };

/*
 * Sets A on every entry and D on the leaf for a write, as the CPU would
 * (SDM Vol. 3A 4.8, APM Vol. 2 5.4.2), and only those bits: each update is a
 * locked compare-exchange against the value the walk read, so an entry
 * another vCPU changed meanwhile is never overwritten. A change of A/D
 * alone (another CPU setting or the guest clearing them) leaves the walk
 * valid and the update is retried on the new value; any other change means
 * the walk may be stale and is redone by the caller. Entries above a
 * changed one may keep the A bit already set, which the CPU may do as well
 * for a walk that does not complete (SDM 4.8).
 */
static enum ad_result set_page_table_bits(struct walk *w, unsigned int *attempts)
{
	for (unsigned int i = 0; i < w->depth; i++) {
		struct level *l = &w->levels[i];
		uint64_t set = 0, expected = l->entry;

		if (l->has_accessed)
			set |= PTE_A;
		if (i == w->depth - 1 && (w->flags & HV_TRANSLATE_GVA_VALIDATE_WRITE))
			set |= PTE_D;
		while ((expected | set) != expected) {
			switch (w->mem->cmpxchg(w->mem->ctx, l->gpa, l->size, &expected,
						expected | set)) {
			case SK_CMPXCHG_DONE:
				expected |= set;
				break;
			case SK_CMPXCHG_UNMAPPED:
				return AD_UNMAPPED;
			case SK_CMPXCHG_CHANGED:
				if ((expected ^ l->entry) & ~(PTE_A | PTE_D))
					return AD_CHANGED;
				if (++*attempts >= AD_ATTEMPTS)
					return AD_CHANGED;
				break;
			}
		}
	}
	return AD_DONE;
}

static void fault_event(const struct walk *w, uint32_t result,
			struct hv_translate_virtual_address_ex_output_x64 *out)
{
	uint32_t error = 0;
	uint64_t low;

	if (result == HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION)
		error |= PF_P;
	if (result == HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS)
		error |= PF_P | PF_RSVD;
	if (w->flags & HV_TRANSLATE_GVA_VALIDATE_WRITE)
		error |= PF_W;
	if (w->user)
		error |= PF_U;
	if ((w->flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE) && (w->nxe || (w->regs->cr4 & CR4_SMEP)))
		error |= PF_I;
	/* HvX64PendingExceptionEvent: pending, type exception (0), deliver
	 * the error code, vector 14, the error code; CR2 in the upper half. */
	low = 1ull | 1ull << 8 | 14ull << 16 | (uint64_t)error << 32;
	out->translation_result.event_info.reg_0.low = low;
	out->translation_result.event_info.reg_0.high = w->gva;
}

/* One walk of the guest's tables for w->gva in `mode`; the result code. */
static uint32_t walk_once(struct walk *w, enum mode mode)
{
	const struct sk_gva_regs *regs = w->regs;

	switch (mode) {
	case MODE_OFF:
		/* No translation and no protection: the address is physical. */
		w->page_base = w->gva;
		w->page_size = 4096;
		return HV_TRANSLATE_GVA_SUCCESS;
	case MODE_32:
		return walk_32(w);
	case MODE_PAE:
		return walk_pae(w);
	case MODE_LONG4:
		return walk_64(w, regs->cr3 & w->addr_mask, 4);
	default:
		return walk_64(w, regs->cr3 & w->addr_mask, 5);
	}
}

hv_status_t sk_translate_gva(const struct sk_gva_regs *regs, uint64_t gva, uint64_t control_flags,
			     const struct sk_guest_memory *mem,
			     struct hv_translate_virtual_address_ex_output_x64 *out)
{
	struct walk w = {
		.regs = regs,
		.mem = mem,
		.gva = gva & ~0xFFFull,
		.flags = control_flags,
	};
	uint64_t flags = control_flags & HV_TRANSLATE_GVA_FLAGS_MASK;
	unsigned int attempts = 0;
	enum mode mode;
	uint32_t result;

	*out = (struct hv_translate_virtual_address_ex_output_x64){0};
	if ((flags & ~SUPPORTED_FLAGS) ||
	    (control_flags & ~(HV_TRANSLATE_GVA_FLAGS_MASK | HV_TRANSLATE_GVA_INPUT_VTL_MASK)))
		return HV_STATUS_INVALID_PARAMETER; /* shadow stacks, reserved bits */
	if ((flags & HV_TRANSLATE_GVA_SUPERVISOR_ACCESS) && (flags & HV_TRANSLATE_GVA_USER_ACCESS))
		return HV_STATUS_INVALID_PARAMETER;
	if (regs->maxphyaddr < 32 || regs->maxphyaddr > 52)
		return HV_STATUS_INVALID_PARAMETER;

	w.user = regs->cpl == 3;
	if (flags & HV_TRANSLATE_GVA_SUPERVISOR_ACCESS)
		w.user = false;
	if (flags & HV_TRANSLATE_GVA_USER_ACCESS)
		w.user = true;
	w.nxe = regs->efer & EFER_NXE;
	w.addr_mask = bits(regs->maxphyaddr - 1, 12);

	if (!(regs->cr0 & CR0_PG))
		mode = MODE_OFF;
	else if (!(regs->cr4 & CR4_PAE))
		mode = MODE_32;
	else if (!(regs->efer & EFER_LMA))
		mode = MODE_PAE;
	else
		mode = (regs->cr4 & CR4_LA57) ? MODE_LONG5 : MODE_LONG4;

	/* The address must exist in the mode: 32 bits without long mode,
	 * canonical with it (bits above 47 or 56 copies of that bit). */
	if (mode == MODE_OFF || mode == MODE_32 || mode == MODE_PAE) {
		if (w.gva >> 32)
			return HV_STATUS_INVALID_PARAMETER;
	} else {
		unsigned int top = mode == MODE_LONG5 ? 56 : 47;
		uint64_t high = w.gva >> top;

		if (high != 0 && high != (~0ull >> top))
			return HV_STATUS_INVALID_PARAMETER;
	}

	for (;;) {
		enum ad_result ad = AD_DONE;

		w.depth = 0;
		w.writable = true;
		w.user_page = true;
		w.executable = true;
		result = walk_once(&w, mode);
		if (result == HV_TRANSLATE_GVA_SUCCESS && mode != MODE_OFF && !access_allowed(&w))
			result = HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
		if (result == HV_TRANSLATE_GVA_SUCCESS) {
			uint64_t gpa = w.page_base | (w.gva & (w.page_size - 1));
			uint8_t probe;

			/* The page itself must be guest RAM too. */
			if (!mem->read(mem->ctx, gpa, &probe, 1))
				result = HV_TRANSLATE_GVA_GPA_UNMAPPED;
			else if (flags & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS)
				ad = set_page_table_bits(&w, &attempts);
			if (ad == AD_UNMAPPED)
				result = HV_TRANSLATE_GVA_GPA_UNMAPPED;
			else if (ad == AD_DONE && result == HV_TRANSLATE_GVA_SUCCESS)
				out->gpa_page = gpa >> 12;
		}
		if (ad != AD_CHANGED)
			break;
		/* The guest changed an entry of this walk: the result may be
		 * stale, so walk again; A/D bits set so far stay set. */
		if (++attempts >= AD_ATTEMPTS)
			return HV_STATUS_OPERATION_DENIED;
	}

	out->translation_result.result =
		result | (uint64_t)HV_CACHE_TYPE_WRITE_BACK
				 << HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT;
	if (result == HV_TRANSLATE_GVA_PAGE_NOT_PRESENT ||
	    result == HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION ||
	    result == HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS)
		fault_event(&w, result, out);
	return HV_STATUS_SUCCESS;
}
