/* SPDX-License-Identifier: MIT */
/*
 * The parts of the x86 Linux boot protocol the shim writes: the setup
 * header (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header"),
 * struct boot_params, the "zero page" (Documentation/arch/x86/zero-page.rst),
 * the e820 entry and setup_data (arch/x86/include/uapi/asm/bootparam.h).
 * Offsets are the documents' and asserted below; fields the shim never
 * touches are padding.
 */
#ifndef SHIM_LINUX_BOOTPARAMS_H
#define SHIM_LINUX_BOOTPARAMS_H

#include <stddef.h>
#include <stdint.h>

/* boot.rst: the setup header starts at 0x1F1 of the file and of the zero
 * page; it ends at 0x202 + the byte at 0x201 (the jump's displacement). */
#define LINUX_SETUP_HEADER_OFFSET 0x1F1u
#define LINUX_SETUP_JUMP_OFFSET	  0x201u
#define LINUX_BOOT_FLAG		  0xAA55u
#define LINUX_HEADER_MAGIC	  0x53726448u /* "HdrS" */
/* 2.12: xloadflags and the 64-bit entry point (boot.rst, protocol history). */
#define LINUX_MIN_PROTOCOL 0x020Cu

/* loadflags */
#define LINUX_LOADED_HIGH (1u << 0)
#define LINUX_QUIET_FLAG  (1u << 5)
/* xloadflags */
#define LINUX_XLF_KERNEL_64		 (1u << 0)
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

/* boot.rst: "type_of_loader: 0xFF if the loader has no assigned ID". */
#define LINUX_LOADER_UNDEFINED 0xFFu
/* boot.rst, 64-bit boot protocol: startup_64 is the load address + 0x200. */
#define LINUX_STARTUP_64_OFFSET 0x200u

/* zero-page.rst: 128 entries fit in the zero page; the rest go in
 * SETUP_E820_EXT setup_data. */
#define LINUX_E820_MAX_ZEROPAGE 128u
#define LINUX_SETUP_E820_EXT	1u

/* e820 types (ACPI "address range types", as Linux numbers them). */
#define E820_TYPE_RAM	   1u
#define E820_TYPE_RESERVED 2u
#define E820_TYPE_ACPI	   3u
#define E820_TYPE_NVS	   4u
#define E820_TYPE_UNUSABLE 5u

struct __attribute__((packed)) linux_setup_header {
	uint8_t setup_sects; /* 0x1F1 */
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag; /* 0x1FE */
	uint16_t jump;	    /* 0x200 */
	uint32_t header;    /* 0x202 */
	uint16_t version;   /* 0x206 */
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version; /* 0x20E */
	uint8_t type_of_loader;	 /* 0x210 */
	uint8_t loadflags;	 /* 0x211 */
	uint16_t setup_move_size;
	uint32_t code32_start;	/* 0x214 */
	uint32_t ramdisk_image; /* 0x218 */
	uint32_t ramdisk_size;	/* 0x21C */
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr; /* 0x224 */
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;	    /* 0x228 */
	uint32_t initrd_addr_max;   /* 0x22C */
	uint32_t kernel_alignment;  /* 0x230 */
	uint8_t relocatable_kernel; /* 0x234 */
	uint8_t min_alignment;	    /* 0x235 */
	uint16_t xloadflags;	    /* 0x236 */
	uint32_t cmdline_size;	    /* 0x238 */
	uint32_t hardware_subarch;  /* 0x23C */
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;   /* 0x250 */
	uint64_t pref_address; /* 0x258 */
	uint32_t init_size;    /* 0x260 */
	uint32_t handover_offset;
	uint32_t kernel_info_offset; /* 0x268 */
};

#define LINUX_HDR_OFFSET(field)                                                                    \
	(LINUX_SETUP_HEADER_OFFSET + offsetof(struct linux_setup_header, field))
_Static_assert(LINUX_HDR_OFFSET(boot_flag) == 0x1FE, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(header) == 0x202, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(type_of_loader) == 0x210, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(ramdisk_image) == 0x218, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(cmd_line_ptr) == 0x228, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(kernel_alignment) == 0x230, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(xloadflags) == 0x236, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(setup_data) == 0x250, "boot.rst");
_Static_assert(LINUX_HDR_OFFSET(init_size) == 0x260, "boot.rst");
_Static_assert(sizeof(struct linux_setup_header) == 0x26C - 0x1F1, "boot.rst");

struct __attribute__((packed)) linux_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};
_Static_assert(sizeof(struct linux_e820_entry) == 20, "bootparam.h");

struct __attribute__((packed)) linux_boot_params {
	uint8_t pad_0[0x070];
	uint64_t acpi_rsdp_addr; /* 0x070 */
	uint8_t pad_1[0x0C0 - 0x078];
	uint32_t ext_ramdisk_image; /* 0x0C0 */
	uint32_t ext_ramdisk_size;  /* 0x0C4 */
	uint32_t ext_cmd_line_ptr;  /* 0x0C8 */
	uint8_t pad_2[0x1E8 - 0x0CC];
	uint8_t e820_entries; /* 0x1E8 */
	uint8_t pad_3[0x1EF - 0x1E9];
	uint8_t sentinel; /* 0x1EF */
	uint8_t pad_4;
	struct linux_setup_header hdr; /* 0x1F1 */
	uint8_t pad_5[0x2D0 - 0x26C];
	struct linux_e820_entry e820_table[LINUX_E820_MAX_ZEROPAGE]; /* 0x2D0 */
	uint8_t pad_6[0x1000 - 0xCD0];
};
_Static_assert(offsetof(struct linux_boot_params, acpi_rsdp_addr) == 0x070, "zero-page.rst");
_Static_assert(offsetof(struct linux_boot_params, ext_ramdisk_image) == 0x0C0, "zero-page.rst");
_Static_assert(offsetof(struct linux_boot_params, ext_cmd_line_ptr) == 0x0C8, "zero-page.rst");
_Static_assert(offsetof(struct linux_boot_params, e820_entries) == 0x1E8, "zero-page.rst");
_Static_assert(offsetof(struct linux_boot_params, sentinel) == 0x1EF, "zero-page.rst");
_Static_assert(offsetof(struct linux_boot_params, hdr) == 0x1F1, "zero-page.rst");
_Static_assert(offsetof(struct linux_boot_params, e820_table) == 0x2D0, "zero-page.rst");
_Static_assert(sizeof(struct linux_boot_params) == 4096, "zero-page.rst");

/* bootparam.h: setup_data nodes form a list through `next` (0 ends it). */
struct __attribute__((packed)) linux_setup_data {
	uint64_t next;
	uint32_t type;
	uint32_t len; /* bytes of data */
	uint8_t data[];
};
_Static_assert(sizeof(struct linux_setup_data) == 16, "bootparam.h");

#endif /* SHIM_LINUX_BOOTPARAMS_H */
