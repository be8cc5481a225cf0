/* SPDX-License-Identifier: MIT */
/*
 * The BSP's local APIC, as the self-test drives it in the Linux driver's
 * place: x2APIC through MSRs when the CPU offers it (the shim switches the
 * BSP into that mode before the sidecar runs, apic_enter_x2apic()), xAPIC
 * through MMIO at the IA32_APIC_BASE address otherwise (SDM Vol. 3A,
 * chapter 11).
 */
#ifndef SHIM_APIC_H
#define SHIM_APIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The BSP's APIC ID from CPUID, usable before the APIC is set up: leaf 0xB
 * (the 32-bit x2APIC ID) when present, else leaf 1 EBX[31:24]. */
uint32_t apic_id_from_cpuid(void);

/*
 * Puts the BSP's local APIC into x2APIC mode if CPUID offers it and it is
 * not there yet, as a firmware does for more than 255 CPUs; true if the
 * BSP is now in x2APIC mode. The sidecar kernel starts its APs in the
 * BSP's mode (mixing modes is not architected), and only x2APIC reaches
 * APIC IDs above 254 (OpenHCL's sidecar runs only with x2APIC).
 */
bool apic_enter_x2apic(void);

/*
 * Enables the local APIC for the shim's own use: hardware and software
 * enabled, spurious vector 0xFF, LINT0 and the error LVT masked, the
 * legacy 8259 PICs masked (their IRQ 0 would otherwise arrive as vector 8
 * through LINT0's ExtINT). Returns false with a reason in `why`.
 */
bool apic_init(char *why, size_t why_size);

bool apic_is_x2apic(void);
uint32_t apic_id(void);

/* Signals end of interrupt; does nothing before apic_init(). */
void apic_eoi(void);

/* Sends a fixed IPI with `vector` to the CPU with APIC ID `dest` (physical
 * destination). False if it cannot be sent (ID out of range for xAPIC,
 * previous IPI stuck pending). */
bool apic_send_ipi(uint32_t dest, uint8_t vector);

/* Sends an NMI to the CPU with APIC ID `dest`, as the driver escalates a
 * STOP; false as for apic_send_ipi(). */
bool apic_send_nmi(uint32_t dest);

/* A periodic timer interrupt on `vector` about every `period_us`
 * microseconds (calibrated against the TSC), to bound HLT waits. */
void apic_timer_start(uint8_t vector, uint32_t period_us);
void apic_timer_stop(void);

#define APIC_SPURIOUS_VECTOR 0xFFu

#endif /* SHIM_APIC_H */
