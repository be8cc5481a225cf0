/* SPDX-License-Identifier: MIT */
/*
 * Where each VP's pages sit inside its node's memory, and the crash record
 * a sidecar CPU leaves there when it takes an exception (ours; versioned).
 *
 * Node memory, as sidecar_required_memory() counts it and OpenHCL lays it
 * out:
 *   page 0                               control page
 *   pages 1 + 2i, 2 + 2i                 command page, register page of CPU i
 *   pages 1 + 2n + 11i ... + 10          private pages of CPU i (n = vp_count)
 * Private pages, in OpenHCL's order:
 *   0-3  PML4, PDPT, PD, PT      4-6  stack      7  globals
 *   8-10 the VP backend's pages (Hyper-V: VP assist, hypercall input and
 *        output; other backends use them as they document)
 */
#ifndef SIDECAR_VP_PAGES_H
#define SIDECAR_VP_PAGES_H

#include "abi_base.h"
#include "params.h"

SIDECAR_EXTERN_C_BEGIN

#define SIDECAR_VP_PAGE_PML4	0u
#define SIDECAR_VP_PAGE_PDPT	1u
#define SIDECAR_VP_PAGE_PD	2u
#define SIDECAR_VP_PAGE_PT	3u
#define SIDECAR_VP_PAGE_STACK	4u /* SIDECAR_STACK_PAGES pages */
#define SIDECAR_VP_PAGE_GLOBALS 7u
#define SIDECAR_VP_PAGE_BACKEND 8u /* three pages */
SIDECAR_STATIC_ASSERT(SIDECAR_VP_PAGE_STACK + SIDECAR_STACK_PAGES == SIDECAR_VP_PAGE_GLOBALS,
		      "stack pages precede the globals page");
SIDECAR_STATIC_ASSERT(SIDECAR_VP_PAGE_BACKEND + 3 == SIDECAR_PER_VP_PAGES,
		      "the backend pages are the last private pages");

/* Offset of CPU `cpu`'s command page from the node's memory_base. */
static inline SIDECAR_CONSTEXPR uint64_t sidecar_command_page_offset(uint32_t cpu)
{
	return (uint64_t)SIDECAR_PAGE_SIZE * (1 + (uint64_t)SIDECAR_PER_VP_SHMEM_PAGES * cpu);
}

/* Offset of private page `page` of CPU `cpu` in a node of `vp_count` CPUs. */
static inline SIDECAR_CONSTEXPR uint64_t sidecar_vp_page_offset(uint32_t vp_count, uint32_t cpu,
								uint32_t page)
{
	return (uint64_t)SIDECAR_PAGE_SIZE * (1 + (uint64_t)SIDECAR_PER_VP_SHMEM_PAGES * vp_count +
					      (uint64_t)SIDECAR_PER_VP_PAGES * cpu + page);
}

/* "SCCRASH1" as little-endian bytes. */
#define SIDECAR_CRASH_RECORD_MAGIC   0x3148534152434353ull
#define SIDECAR_CRASH_RECORD_VERSION 1u
/* The crash record's offset inside the CPU's globals page. */
#define SIDECAR_CRASH_RECORD_OFFSET 0xC00u

/*
 * Written by a sidecar CPU that took an unexpected exception, before it
 * marks itself REMOVED and parks. magic is written last, so a reader that
 * sees it sees the rest.
 */
struct sidecar_crash_record {
	uint64_t magic;
	uint32_t version;
	uint32_t vp_index;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
	uint64_t cr2;
	uint64_t cr3;
	uint64_t gps[16]; /* RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
	uint8_t message_len;
	uint8_t message[127]; /* UTF-8, not NUL-terminated */
};
SIDECAR_ASSERT_SIZE(struct sidecar_crash_record, 344);
SIDECAR_STATIC_ASSERT(SIDECAR_CRASH_RECORD_OFFSET + sizeof(struct sidecar_crash_record) <=
			      SIDECAR_PAGE_SIZE,
		      "the crash record fits in the globals page");

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_VP_PAGES_H */
