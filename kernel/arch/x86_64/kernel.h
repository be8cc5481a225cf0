/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 sidecar kernel's own declarations: its virtual address space,
 * the per-CPU state, and the state the BSP prepares for the APs.
 *
 * Address space (identical layout on every CPU, different pages behind it):
 *
 *   SK_IMAGE_VA            the image, 4 KiB pages: text RX, rodata R, data RW
 *                          (one page table shared by all CPUs)
 *   SK_PERCPU_VA           this CPU's window, one page table per CPU:
 *     slot 0               the window's own page table (to edit it)
 *     slot 1               globals (struct percpu, IST stack, crash record)
 *     slot 2, 3            command page, register page
 *     slot 4               the node's control page
 *     slot 5               the local APIC, in xAPIC mode (uncached)
 *     slots 6-8            the VP backend's pages
 *     slots 16-79          temporary mappings (starting other CPUs)
 *     slot 508             unmapped: stack guard
 *     slots 509-511        the stack
 * Nothing else is mapped: no identity map, no other CPU's pages.
 */
#ifndef SK_KERNEL_H
#define SK_KERNEL_H

#include <sidecar/boot_ext.h>
#include <sidecar/vp_pages.h>
#include <sidecar_defs.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "sk_vp.h"
#include "sc_x86.h"

/* SK_IMAGE_VA and the selectors come from kernel/arch/x86_64/meson.build,
 * which passes the same values to nasm. SK_IMAGE_VA is PML4[511], PDPT[0],
 * PD[0]. */
#if !defined(SK_IMAGE_VA) || !defined(SEL_CODE) || !defined(SEL_DATA) || !defined(SEL_TSS)
#error "SK_IMAGE_VA and SEL_* must be defined by the build"
#endif
#define SK_PERCPU_VA	  (SK_IMAGE_VA + 0x200000ull) /* PD[1] */
#define SK_IMAGE_MAX_SIZE 0x200000ull

enum sk_slot {
	SLOT_PT_SELF = 0,
	SLOT_GLOBALS = 1,
	SLOT_COMMAND = 2,
	SLOT_REGISTER = 3,
	SLOT_CONTROL = 4,
	SLOT_APIC = 5,
	SLOT_BACKEND = 6, /* three slots */
	SLOT_TEMP = 16,
	SLOT_TEMP_COUNT = 70,
	SLOT_STACK_GUARD = 508,
	SLOT_STACK = 509,
};

/* Who uses which temporary slots (indexes from SLOT_TEMP). */
enum temp_index {
	TEMP_OUTPUT = 0,	     /* BSP: struct sidecar_output, 2 pages */
	TEMP_CONTROL = 2,	     /* BSP: a node's control page */
	TEMP_TRAMPOLINE = 3,	     /* BSP: the trampoline page */
	TEMP_PARAMS = 4,	     /* BSP: params and extension, 6 pages */
	TEMP_OUTPUT_EXT = 10,	     /* BSP: the output extension, 52 pages */
	TEMP_BUILD = 64,	     /* any starter: another CPU's 5 pages */
	TEMP_GUEST = TEMP_BUILD - 2, /* any CPU: a page of guest memory (2 slots) */
	TEMP_FAILED_CONTROL = 69,    /* any starter: control page of a failed CPU */
};

static inline void *slot_va(unsigned int slot)
{
	return (void *)(uintptr_t)(SK_PERCPU_VA + (uint64_t)slot * SIDECAR_PAGE_SIZE);
}

#define SK_STACK_TOP (SK_PERCPU_VA + 512ull * SIDECAR_PAGE_SIZE)

/* Page-table entry bits (SDM Vol. 3A, 4.5). */
#define PTE_P	      (1ull << 0)
#define PTE_RW	      (1ull << 1)
#define PTE_US	      (1ull << 2)
#define PTE_PWT	      (1ull << 3)
#define PTE_PCD	      (1ull << 4)
#define PTE_PS	      (1ull << 7)
#define PTE_NX	      (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* The vector the driver sends to wake a sidecar CPU (OpenHCL's 0x20). */
#define SK_REQUEST_VECTOR  0x20
#define SK_SPURIOUS_VECTOR 0xFF
/*
 * Ends a start-up wait's HLT: the one-shot APIC timer that bounds the wait
 * and the IPI a CPU sends its starter when it checks in. Priority class 15,
 * so the BSP can raise its TPR to 0xE0 while it waits and keep the
 * loader's own interrupts pending instead of taking them (SDM Vol. 3A
 * 11.8.3.1).
 */
#define SK_WAKE_VECTOR 0xF0

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* Room for a VP backend's per-VP state in each CPU's globals page
 * (sk_vp_backend.state_size at most). */
#define SK_BACKEND_STATE_SIZE 256u

/* State of one CPU, at the start of its globals page. */
struct percpu {
	struct sk_vp vp;
	uint32_t vp_index;
	uint32_t node;
	uint32_t index_in_node;
	uint32_t apic_id;
	uint32_t ap; /* index into sk_boot.aps */
	bool is_bsp;
	bool x2apic;
	/* Start-up waits may sleep in HLT on the APIC timer (apic_timer_*). */
	bool can_sleep;
	bool timer_ready; /* apic_timer_prepare() done */
	/* Longest such sleep in TSC ticks; 0: no limit, a check-in IPI ends it. */
	uint64_t sleep_max_tsc;
	struct sk_vp_backend_pages backend_pages; /* mapped at SLOT_BACKEND */
	uint64_t gdt[5];			  /* null, code, data, TSS (two entries) */
	struct tss64 tss;
	/* The VP backend's per-VP state, opaque here (vp.backend_state). */
	_Alignas(16) unsigned char backend_state[SK_BACKEND_STATE_SIZE];
};

#define PERCPU_IST_BOTTOM 0x400u
#define PERCPU_IST_TOP	  SIDECAR_CRASH_RECORD_OFFSET
_Static_assert(sizeof(struct percpu) <= PERCPU_IST_BOTTOM, "struct percpu fits below the IST");

static inline struct percpu *this_cpu(void)
{
	return slot_va(SLOT_GLOBALS);
}

/* States of an AP's start-up record. */
enum ap_state {
	AP_SKIP,     /* not started by the sidecar (REMOVED at boot) */
	AP_PENDING,  /* to be started */
	AP_STARTING, /* INIT-SIPI sent */
	AP_ALIVE,    /* running its own code */
	AP_READY,    /* announced IDLE */
	AP_FAILED,   /* did not check in */
	AP_CRASHED,  /* took an exception */
};

struct node_state {
	uint64_t memory_base;
	uint32_t base_vp;
	uint32_t vp_count;
	uint32_t first_ap;
	_Atomic uint32_t next_vp;
};

struct ap_record {
	_Atomic uint32_t state;
	uint32_t node;
	uint32_t cpu;
	uint32_t depth;
	uint32_t started_by;
	/* Where the CPU sends its check-in IPI (SK_WAKE_VECTOR): its starter's
	 * APIC ID, or UINT32_MAX for none (the BSP polls). */
	uint32_t waker_apic_id;
	/* TSC stamps relative to entry: claimed, then the end of each
	 * SIDECAR_VP_PHASE_* (output_ext.vps[].phase_tsc), then IDLE. */
	uint64_t claim_tsc;
	uint64_t phase_end_tsc[SIDECAR_VP_PHASE_COUNT];
	uint64_t idle_tsc;
};

/*
 * Everything the BSP prepares during sidecar_entry() and the APs read.
 * The start-up record of a CPU is node.first_ap + its index in the node.
 */
struct sk_boot {
	uint64_t image_pa;
	uint64_t image_pt_pa;
	uint64_t boot_pml4_pa;
	uint64_t apic_base_pa;
	uint64_t tsc_khz;
	uint64_t entry_tsc;
	uint32_t init_delay_us;
	uint32_t sipi_delay_us;
	uint32_t ap_timeout_us;
	/* APIC timer ticks per millisecond at divide-by-1, measured against
	 * the TSC by the first CPU that needed it; 0: not measured yet. */
	_Atomic uint64_t apic_timer_khz;
	/* The deepest a starter may be and still start CPUs: every CPU then
	 * has fan-out depth at most this + 1, sidecar_fanout_depth_bound(). */
	uint32_t max_starter_depth;
	uint32_t trampoline_page;
	uint32_t flags;
	uint32_t fault_inject_vp;
	bool x2apic; /* APs use x2APIC */
	bool log_enabled;
	/* The VP backend every sidecar CPU tries, or NULL and why not. */
	const struct sk_vp_backend *backend;
	const char *no_backend_reason;
	uint32_t backend_output_flags; /* SIDECAR_OUTPUT_EXT_* it sets */
	uint32_t node_count;
	struct node_state nodes[SIDECAR_MAX_NODES];
	struct ap_record aps[SIDECAR_EXT_MAX_VPS];
	/* Copies of the loader's input, read once. ext ends in a flexible
	 * array (apic_ids, copied into apic_ids here instead), so it is last:
	 * a struct with one is not allowed in the middle of another (C11
	 * 6.7.2.1p3; clang refuses it, GCC accepts it as an extension). */
	struct sidecar_params params;
	uint32_t apic_ids[SIDECAR_EXT_MAX_VPS];
	struct sidecar_params_ext ext;
};

extern struct sk_boot sk_boot;

/* What an AP needs before it has a stack (entry.asm): it finds its
 * start-up record by APIC ID in sk_ap_apic_ids and switches to
 * sk_ap_cr3[ap]. */
extern uint32_t sk_ap_apic_ids[SIDECAR_EXT_MAX_VPS];
extern uint64_t sk_ap_cr3[SIDECAR_EXT_MAX_VPS];
extern uint32_t sk_ap_count;
extern const uint64_t sk_stack_top;

/*
 * The VP backends this kernel can offer (vp_backends.c), in the order the
 * BSP tries them; the first whose init_partition accepts the CPU and the
 * loader's guest memory serves every sidecar CPU. Adding a backend adds
 * one entry there; nothing here or in the core changes.
 */
struct sk_backend_choice {
	const struct sk_vp_backend *backend;
	/* Checks the BSP's CPU and builds what all VPs share; NULL on
	 * success, else why the backend cannot be used. */
	const char *(*init_partition)(uint64_t guest_base, uint64_t guest_size);
	/* What the output extension's flags say when it is chosen. */
	uint32_t output_ext_flags;
};
extern const struct sk_backend_choice sk_backend_choices[];
extern const uint32_t sk_backend_choice_count;

/* addr_space.c */
void *temp_map(unsigned int index, uint64_t pa, uint64_t size);
void temp_unmap(unsigned int index, uint64_t pa, uint64_t size);
void map_slot(unsigned int slot, uint64_t pa, uint64_t flags);
bool build_cpu_tables(uint32_t node, uint32_t cpu, uint64_t *cr3);

/* apic.c */
void apic_init_this_cpu(void);
/* The one-shot APIC timer on SK_WAKE_VECTOR, for start-up waits. */
void apic_timer_prepare(void);
/* Measures the timer's rate against the TSC into sk_boot.apic_timer_khz,
 * for every CPU, unless a CPU already has; returns what this call
 * measured, 0 if it measured nothing. */
uint64_t apic_timer_calibrate(void);
void apic_timer_arm(uint32_t count);
void apic_timer_disarm(void);
/* The BSP's APIC as the loader left it, while sidecar_entry() borrows its
 * timer (bsp_main.c). */
struct apic_saved {
	uint32_t lvt_timer, divide, initial, tpr, lint0;
};
bool apic_bsp_borrow_timer(struct apic_saved *saved);
void apic_bsp_return_timer(const struct apic_saved *saved);
void apic_disable_this_cpu(void);
void apic_send_fixed(uint32_t apic_id, uint8_t vector);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint32_t page);
void apic_eoi(void);

/* descriptors.c */
void descriptors_init_idt(void);
void descriptors_load(struct percpu *cpu);
void descriptors_load_bsp(void);

/* tsc.c */
/* The TSC frequency from CPUID 15H/16H, or a 4 GHz guess (never 0). */
uint64_t tsc_khz_from_cpuid(void);
/* The TSC frequency the delays use: the loader's or CPUID's, else 4 GHz. */
uint64_t tsc_khz(void);
uint64_t tsc_from_us(uint64_t us);
/* TSC ticks since sidecar_entry() (sk_boot.entry_tsc): the output
 * extension's time stamps. */
uint64_t tsc_since_entry(void);
void udelay(uint64_t us);

/* wait.c */
/* One wait step until rdtsc() reaches `deadline`: HLT until the APIC
 * timer or a wake IPI ends it if this CPU can sleep, else PAUSE. The
 * caller checks its condition with interrupts off before each step, so a
 * wake IPI sent after that check is not lost (it ends the HLT). */
void wait_step(uint64_t deadline);

/* serial.c */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vline(const char *fmt, va_list ap);
void log_force_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ap_start.c */
void start_aps(uint32_t my_vp, uint32_t my_depth);

/* ap_main.c */
void ap_main(uint32_t ap) __attribute__((noreturn));

/* trap.c: the handler of lib/x86/isr_stubs.inc */
void sk_trap(struct sc_trap_frame *frame);

/* bsp_main.c */
bool bsp_main(uint64_t params_pa, uint64_t output_pa);

#endif /* SK_KERNEL_H */
