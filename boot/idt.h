/* SPDX-License-Identifier: MIT */
/* The shim's IDT (idt.c); what runs on each vector is trap.h's. */
#ifndef SHIM_IDT_H
#define SHIM_IDT_H

/* Loads an IDT whose every vector enters isr.asm's stub for it. */
void idt_init(void);

#endif /* SHIM_IDT_H */
