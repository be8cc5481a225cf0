/* SPDX-License-Identifier: MIT */
/*
 * Guest virtual address translation for TRANSLATE_GVA: a walk of the
 * guest's own page tables, in whatever paging mode the guest is in, through
 * an accessor for guest-physical memory (the nested mapping). Pure C: the
 * unit tests run it on synthetic page tables.
 */
#ifndef SK_GVA_H
#define SK_GVA_H

#include <sidecar_defs.h>
#include <stdbool.h>
#include <stdint.h>

/* The guest state that decides how an address translates. */
struct sk_gva_regs {
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t efer;
	uint64_t rflags;
	uint8_t cpl;	    /* current privilege level, 0..3 */
	uint8_t maxphyaddr; /* physical-address width the guest sees, 32..52 */
};

/* What a compare-exchange on guest memory did. */
enum sk_cmpxchg_result {
	SK_CMPXCHG_DONE,     /* the entry held the expected value and was replaced */
	SK_CMPXCHG_CHANGED,  /* it held another value, now in *expected */
	SK_CMPXCHG_UNMAPPED, /* not backed, or not a naturally aligned 4 or 8 bytes */
};

/*
 * Guest-physical memory as the VP sees it. read returns false when the
 * guest-physical range is not backed (no nested mapping). cmpxchg replaces
 * the naturally aligned `size`-byte (4 or 8) value at `gpa` with `desired`
 * only if it still equals *expected, as one locked access; otherwise it
 * stores the value it found in *expected. There is deliberately no plain
 * write: other vCPUs of the guest change its page tables concurrently, and
 * a read-modify-write through a plain store would revert their changes.
 */
struct sk_guest_memory {
	bool (*read)(void *ctx, uint64_t gpa, void *buf, uint32_t size);
	enum sk_cmpxchg_result (*cmpxchg)(void *ctx, uint64_t gpa, uint32_t size,
					  uint64_t *expected, uint64_t desired);
	void *ctx;
};

/*
 * Translates the page of `gva` with the checks `control_flags` asks for
 * (HV_TRANSLATE_GVA_*). Returns HV_STATUS_SUCCESS with the result code in
 * out->translation_result (and the page in out->gpa_page on success, or the
 * page fault the guest would take in event_info on a translation failure),
 * or an HV_STATUS_* error for invalid flags.
 */
hv_status_t sk_translate_gva(const struct sk_gva_regs *regs, uint64_t gva, uint64_t control_flags,
			     const struct sk_guest_memory *mem,
			     struct hv_translate_virtual_address_ex_output_x64 *out);

#endif /* SK_GVA_H */
