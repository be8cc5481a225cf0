#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the linked sidecar kernel (a static PIE at 0) into the flat image
loaders take, after checking what early.c and loaders rely on:
- every dynamic relocation is R_X86_64_RELATIVE (the only kind early.c applies);
- none of them fills a GOT entry: early.c reads symbols' addresses before it
  has relocated, so it must reach them RIP-relative (hidden_visibility.h);
- the image header the linker script wrote is consistent with the file.
Usage: mkimage.py OBJCOPY SIDECAR.ELF SIDECAR.BIN"""
import struct
import subprocess
import sys

R_X86_64_RELATIVE = 8
SHT_RELA = 4
SHT_REL = 9
IMAGE_MAGIC = 0x4B52414345444953


def fail(msg):
    sys.exit(f"mkimage: {msg}")


def section_range(elf, shoff, shentsize, shnum, wanted):
    shstrndx, = struct.unpack_from("<H", elf, 0x3E)
    strtab, = struct.unpack_from("<Q", elf, shoff + shstrndx * shentsize + 0x18)
    for i in range(shnum):
        sh = shoff + i * shentsize
        name, = struct.unpack_from("<I", elf, sh)
        end = elf.index(b"\0", strtab + name)
        if elf[strtab + name:end] == wanted:
            addr, = struct.unpack_from("<Q", elf, sh + 0x10)
            size, = struct.unpack_from("<Q", elf, sh + 0x20)
            return addr, addr + size
    return 0, 0


def check_relocations(elf):
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        fail("not an ELF64 file")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    got_start, got_end = section_range(elf, shoff, shentsize, shnum, b".got")
    count = 0
    for i in range(shnum):
        sh = shoff + i * shentsize
        sh_type, = struct.unpack_from("<I", elf, sh + 4)
        offset, size = struct.unpack_from("<QQ", elf, sh + 0x18)
        entsize, = struct.unpack_from("<Q", elf, sh + 0x38)
        if sh_type == SHT_REL:
            fail("REL relocations are not supported")
        if sh_type != SHT_RELA:
            continue
        flags, = struct.unpack_from("<Q", elf, sh + 8)
        if not flags & 2:  # SHF_ALLOC: only dynamic relocations are applied at run time
            continue
        for off in range(offset, offset + size, entsize):
            where, info, _ = struct.unpack_from("<QQq", elf, off)
            if info & 0xFFFFFFFF != R_X86_64_RELATIVE:
                fail(f"relocation type {info & 0xFFFFFFFF} at {off:#x}: early.c applies only R_X86_64_RELATIVE")
            if got_start <= where < got_end:
                fail(f"GOT entry at {where:#x}: a symbol is reached through the GOT, "
                     "which early.c reads unrelocated (hidden_visibility.h)")
            count += 1
    return count


def main():
    objcopy, elf_path, out_path = sys.argv[1:4]
    with open(elf_path, "rb") as f:
        elf = f.read()
    relocs = check_relocations(elf)
    subprocess.run([objcopy, "-O", "binary", elf_path, out_path], check=True)
    with open(out_path, "rb") as f:
        image = f.read()
    magic, version, header_size, entry, file_size, memory_size, va, align, max_end = \
        struct.unpack_from("<QIIQQQQQQ", image, 0)
    if magic != IMAGE_MAGIC or version != 1 or header_size != 64:
        fail("bad image header")
    if file_size != len(image):
        fail(f"header says {file_size} bytes, objcopy wrote {len(image)}")
    if not (entry < file_size <= memory_size) or memory_size % 4096:
        fail("inconsistent image sizes in the header")
    print(f"sidecar.bin: {len(image)} bytes, {memory_size} in memory, {relocs} relocations")


main()
