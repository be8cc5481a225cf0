/* SPDX-License-Identifier: MIT */
/*
 * Sidecar's boot extensions (ours, not OpenHCL's; versioned). OpenHCL
 * starts APs with a Hyper-V hypercall; on bare x86-64 the sidecar kernel
 * starts them with INIT-SIPI-SIPI, which needs what sidecar_params cannot
 * carry without changing its layout: the APIC ID of every VP and a real-mode
 * trampoline page. They travel in struct sidecar_params_ext, placed in the
 * page(s) right after the sidecar_params page:
 *
 *     params_pa                      struct sidecar_params (4096 bytes, untouched)
 *     params_pa + SIDECAR_PAGE_SIZE  struct sidecar_params_ext + apic_ids[vp_count]
 *
 * The kernel reports boot figures in struct sidecar_output_ext, at the
 * physical address the loader names in params_ext.output_ext (0: none).
 *
 * Versioning: `version` is bumped for incompatible changes; fields are only
 * ever appended, and `size` tells how much of the structure the writer
 * knows. A reader rejects a version it does not know and treats fields
 * beyond `size` as absent (zero).
 */
#ifndef SIDECAR_BOOT_EXT_H
#define SIDECAR_BOOT_EXT_H

#include "abi_base.h"
#include "params.h"

SIDECAR_EXTERN_C_BEGIN

/* "SCPARMX1" as little-endian bytes. */
#define SIDECAR_PARAMS_EXT_MAGIC   0x31584D5241504353ull
#define SIDECAR_PARAMS_EXT_VERSION 1u
/* "SCOUTPX1". */
#define SIDECAR_OUTPUT_EXT_MAGIC 0x31585054554F4353ull
/* 2: struct sidecar_vp_boot_info grew phase_tsc and claim_tsc (48 bytes, was 24). */
#define SIDECAR_OUTPUT_EXT_VERSION 2u

/* The largest VP index + 1 the extension (and the kernel) supports. */
#define SIDECAR_EXT_MAX_VPS 4096u
/* Guest memory alignment and the most the kernel maps (2 MiB pages, 4 GiB). */
#define SIDECAR_EXT_GUEST_MEMORY_ALIGN 0x200000ull
#define SIDECAR_EXT_MAX_GUEST_MEMORY   0x100000000ull

/* Use the architectural delays of the MP specification / Intel SDM
 * (10 ms after INIT, 200 us after the first SIPI). */
#define SIDECAR_EXT_DELAY_DEFAULT 0xFFFFFFFFu

/* flags */
/* Test only: VP `fault_inject_vp` takes a page fault as soon as it is up,
 * to exercise crash reporting. */
#define SIDECAR_EXT_FLAG_FAULT_INJECT 0x1u

struct sidecar_params_ext {
	uint64_t magic;	  /* SIDECAR_PARAMS_EXT_MAGIC */
	uint32_t version; /* SIDECAR_PARAMS_EXT_VERSION */
	uint32_t size;	  /* bytes of this header, apic_ids not included */
	/* PA of a free, page-aligned page below 1 MiB for the AP start-up
	 * trampoline (SIPI vector = trampoline_page >> 12). The kernel owns it
	 * only while sidecar_entry() runs. */
	uint64_t trampoline_page;
	/* PA of a struct sidecar_output_ext to fill in, or 0. */
	uint64_t output_ext;
	/* TSC frequency in kHz if the loader knows it, else 0. Used only to
	 * time the AP start-up protocol. */
	uint64_t tsc_khz;
	/* Delay after INIT and after the first SIPI, in microseconds, or
	 * SIDECAR_EXT_DELAY_DEFAULT. Hypervisors and modern CPUs need neither
	 * (Linux skips them too); real old hardware needs the defaults. */
	uint32_t init_delay_us;
	uint32_t sipi_delay_us;
	/* How long a starting CPU may take to check in before it is given up
	 * (sent INIT again, marked REMOVED, counted as failed); 0: 1 second. */
	uint32_t ap_timeout_us;
	uint32_t flags;		  /* SIDECAR_EXT_FLAG_* */
	uint32_t fault_inject_vp; /* with SIDECAR_EXT_FLAG_FAULT_INJECT */
	/* Number of entries in apic_ids: at least 1 + the highest VP index of
	 * any node; at most SIDECAR_EXT_MAX_VPS. */
	uint32_t vp_count;
	/* Guest RAM for the VP backend: guest-physical [0, size) is host
	 * [base, base + size), shared by every VP (one partition). Both 2 MiB
	 * aligned, size at most SIDECAR_EXT_MAX_GUEST_MEMORY; 0 for none. The
	 * loader reserves it; the sidecar never touches it except on the
	 * guest's behalf. */
	uint64_t guest_memory_base;
	uint64_t guest_memory_size;
	/* APIC ID of each VP, indexed by VP index. */
	SIDECAR_FLEX_ARRAY(uint32_t, apic_ids);
};
SIDECAR_ASSERT_SIZE(struct sidecar_params_ext, 80);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, magic, 0);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, version, 8);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, size, 12);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, trampoline_page, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, output_ext, 24);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, tsc_khz, 32);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, init_delay_us, 40);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, sipi_delay_us, 44);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, ap_timeout_us, 48);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, flags, 52);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, fault_inject_vp, 56);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, vp_count, 60);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, guest_memory_base, 64);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, guest_memory_size, 72);
SIDECAR_ASSERT_OFFSET(struct sidecar_params_ext, apic_ids, 80);

/* Per-node boot figures. */
struct sidecar_node_boot_stats {
	/* TSC ticks from sidecar_entry() to the last of the node's CPUs
	 * reaching IDLE (0 if the node starts no CPU). */
	uint64_t bringup_tsc;
	/* Longest chain of CPUs starting CPUs that ends in this node
	 * (the BSP is depth 0, a CPU the BSP starts is depth 1). */
	uint32_t fanout_depth;
	uint32_t started; /* CPUs that reached IDLE */
	uint32_t skipped; /* CPUs left REMOVED (base VP, initial_state) */
	uint32_t failed;  /* CPUs that failed to start or crashed */
};
SIDECAR_ASSERT_SIZE(struct sidecar_node_boot_stats, 24);

/* Per-VP boot record, indexed by VP index. */
#define SIDECAR_VP_BOOT_NOT_SIDECAR 0u /* in no node */
#define SIDECAR_VP_BOOT_STARTED	    1u /* reached IDLE */
#define SIDECAR_VP_BOOT_SKIPPED	    2u /* left REMOVED for Linux: base VP, initial_state */
#define SIDECAR_VP_BOOT_FAILED	    3u /* did not check in; sent INIT, left REMOVED */
#define SIDECAR_VP_BOOT_CRASHED	    4u /* took an exception; see its crash record */

/*
 * The phases of one CPU's start-up, each in TSC ticks from the end of the
 * previous one (the first from the moment its starter claimed it),
 * saturated at UINT32_MAX (1.6 s at 2.6 GHz). What is left of idle_tsc after the claim and
 * these is the time the CPU spent starting others before it went IDLE.
 */
#define SIDECAR_VP_PHASE_TABLES	 0u /* claimed -> its page tables and globals built */
#define SIDECAR_VP_PHASE_SIPI	 1u /* -> INIT, init delay, first SIPI sent */
#define SIDECAR_VP_PHASE_ENTRY	 2u /* -> the CPU runs C code (trampoline, host scheduling) */
#define SIDECAR_VP_PHASE_CHECKIN 3u /* -> checked in, its APIC and VP backend ready */
#define SIDECAR_VP_PHASE_COUNT	 4u

struct sidecar_vp_boot_info {
	uint32_t apic_id;
	uint16_t node;	     /* node index */
	uint8_t result;	     /* SIDECAR_VP_BOOT_* */
	uint8_t depth;	     /* fan-out depth (1 = started by the BSP) */
	uint32_t started_by; /* VP index of the CPU that started it */
	uint32_t reserved;
	/* TSC when it reached IDLE, relative to entry. */
	uint64_t idle_tsc;
	/* Version 2: by SIDECAR_VP_PHASE_*. */
	uint32_t phase_tsc[SIDECAR_VP_PHASE_COUNT];
	/* Version 2: TSC when its starter claimed it, relative to entry; 64
	 * bits, since at 1024 CPUs claims come later than 2^32 ticks. */
	uint64_t claim_tsc;
};
SIDECAR_ASSERT_SIZE(struct sidecar_vp_boot_info, 48);
SIDECAR_ASSERT_OFFSET(struct sidecar_vp_boot_info, idle_tsc, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_vp_boot_info, phase_tsc, 24);
SIDECAR_ASSERT_OFFSET(struct sidecar_vp_boot_info, claim_tsc, 40);

#define SIDECAR_OUTPUT_EXT_X2APIC 0x1u /* APs used x2APIC */
#define SIDECAR_OUTPUT_EXT_SVM	  0x2u /* RUN_VP has the SVM VP backend */

struct sidecar_output_ext {
	uint64_t magic;	     /* SIDECAR_OUTPUT_EXT_MAGIC */
	uint32_t version;    /* SIDECAR_OUTPUT_EXT_VERSION */
	uint32_t size;	     /* bytes written, vps included */
	uint64_t entry_tsc;  /* TSC at sidecar_entry() */
	uint64_t return_tsc; /* TSC just before it returned */
	uint32_t flags;	     /* SIDECAR_OUTPUT_EXT_* */
	uint32_t node_count;
	uint32_t vp_count; /* entries in vps (= params_ext.vp_count) */
	uint32_t max_fanout_depth;
	struct sidecar_node_boot_stats nodes[SIDECAR_MAX_NODES];
	SIDECAR_FLEX_ARRAY(struct sidecar_vp_boot_info, vps);
};
SIDECAR_ASSERT_OFFSET(struct sidecar_output_ext, entry_tsc, 16);
SIDECAR_ASSERT_OFFSET(struct sidecar_output_ext, nodes, 48);
SIDECAR_ASSERT_SIZE(struct sidecar_output_ext, 48 + 24 * SIDECAR_MAX_NODES);

/*
 * The deepest fan-out the kernel builds when it starts `cpus` CPUs:
 * floor(log2(cpus)) + 3 (3 for none or one). Every CPU once up helps start
 * others, so the starters double each round and log2 rounds would do;
 * the slack covers CPUs that start late. The kernel enforces it (a CPU
 * that deep starts none) and max_fanout_depth never exceeds it.
 */
static inline uint32_t sidecar_fanout_depth_bound(uint32_t cpus)
{
	uint32_t floor_log2 = 0;

	while (cpus >> floor_log2 > 1)
		floor_log2++;
	return floor_log2 + 3;
}

/* Bytes the loader must provide at output_ext for `vp_count` VPs. */
static inline SIDECAR_CONSTEXPR uint64_t sidecar_output_ext_size(uint32_t vp_count)
{
	return sizeof(struct sidecar_output_ext) +
	       (uint64_t)vp_count * sizeof(struct sidecar_vp_boot_info);
}

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_BOOT_EXT_H */
