/* SPDX-License-Identifier: MIT */
/*
 * The Multiboot (v1) information the loader hands over, copied out and
 * validated: command line, memory map, modules, and the ranges the
 * information itself occupies (Multiboot spec 0.6.96, section 3.3).
 */
#ifndef SHIM_MULTIBOOT_H
#define SHIM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

#define MB_MAX_MODULES 16
#define MB_MAX_MMAP    128
/* Room for the shim's words and a Linux command line (x86 COMMAND_LINE_SIZE is 2048). */
#define MB_CMDLINE_SIZE	      4096
#define MB_MODULE_STRING_SIZE 512
/* The information block, its strings, module list, memory map, modules. */
#define MB_MAX_USED   (8 + 2 * MB_MAX_MODULES)
#define MB_ERROR_SIZE 200

/* Memory map types (Multiboot spec 3.3, mmap_*). */
#define MB_MEMORY_AVAILABLE 1u

struct mb_module {
	uint64_t start;
	uint64_t end; /* exclusive */
	char string[MB_MODULE_STRING_SIZE];
};

struct mb_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

struct mb_range {
	uint64_t start;
	uint64_t end;
	const char *what;
};

struct boot_info {
	char cmdline[MB_CMDLINE_SIZE];
	struct mb_module modules[MB_MAX_MODULES];
	uint32_t module_count;
	struct mb_mmap_entry mmap[MB_MAX_MMAP];
	uint32_t mmap_count;
	/* Memory the multiboot information and the modules occupy. */
	struct mb_range used[MB_MAX_USED];
	uint32_t used_count;
	char error[MB_ERROR_SIZE];
};

/* Reads and checks the loader's information. Returns false with a reason
 * in bi->error. */
bool multiboot_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi);

/*
 * The module whose string has the whitespace-separated word `word` (QEMU
 * passes "PATH ARGS" for -initrd "PATH ARGS"). NULL with a reason in
 * bi->error if none or more than one has it.
 */
const struct mb_module *multiboot_find_module(struct boot_info *bi, const char *word);

/* How many modules have the word `word` in their string. */
uint32_t multiboot_count_modules(const struct boot_info *bi, const char *word);

#endif /* SHIM_MULTIBOOT_H */
