/* SPDX-License-Identifier: MIT */
/*
 * Portability layer for the Sidecar ABI headers.
 *
 * The ABI headers are included unchanged by four kinds of translation unit:
 *   - freestanding C11 (the sidecar kernel, the boot shim: no libc),
 *   - the Linux kernel (sidecar.ko: no <stdint.h>, types from <linux/types.h>),
 *   - hosted C11 (libsidecar-vmm, tests, tools),
 *   - C++ (VMMs written in C++).
 * Everything that differs between those worlds is decided here, once.
 */
#ifndef SIDECAR_ABI_BASE_H
#define SIDECAR_ABI_BASE_H

#if defined(__KERNEL__)
#include <linux/types.h>  /* uint8_t .. uint64_t, bool */
#include <linux/stddef.h> /* offsetof */
#elif defined(__cplusplus)
#include <cstddef>
#include <cstdint>
#else
/* <stdint.h>, <stddef.h> and <stdbool.h> are freestanding headers (C11 4p6). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#if !defined(__x86_64__) && !defined(SIDECAR_ABI_ALLOW_FOREIGN_ARCH)
/*
 * The layouts below are those of OpenHCL's x86-64 build (little endian,
 * LP64). Other targets could compile them but would not be binary
 * compatible with the sidecar kernel.
 */
#error "the Sidecar ABI is defined for x86-64 only"
#endif

#ifdef __cplusplus
#define SIDECAR_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#define SIDECAR_ALIGNAS(n)		 alignas(n)
#define SIDECAR_ALIGNOF(t)		 alignof(t)
#define SIDECAR_CONSTEXPR		 constexpr
#define SIDECAR_EXTERN_C_BEGIN		 extern "C" {
#define SIDECAR_EXTERN_C_END		 }
#else
#define SIDECAR_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#define SIDECAR_ALIGNAS(n)		 _Alignas(n)
#define SIDECAR_ALIGNOF(t)		 _Alignof(t)
#define SIDECAR_CONSTEXPR
#define SIDECAR_EXTERN_C_BEGIN
#define SIDECAR_EXTERN_C_END
#endif

/* Size and offset assertions, stated next to every structure. */
#define SIDECAR_ASSERT_SIZE(type, size)                                                            \
	SIDECAR_STATIC_ASSERT(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define SIDECAR_ASSERT_ALIGN(type, align)                                                          \
	SIDECAR_STATIC_ASSERT(SIDECAR_ALIGNOF(type) == (align), "alignof(" #type ") != " #align)
#define SIDECAR_ASSERT_OFFSET(type, field, off)                                                    \
	SIDECAR_STATIC_ASSERT(offsetof(type, field) == (off),                                      \
			      "offsetof(" #type ", " #field ") != " #off)

/*
 * A 128-bit little-endian value with Rust's u128 alignment (16 bytes since
 * Rust 1.77 on x86-64), which is also the alignment of hvdef's AlignedU128.
 */
struct hv_u128 {
	SIDECAR_ALIGNAS(16) uint64_t low;
	uint64_t high;
};
SIDECAR_ASSERT_SIZE(struct hv_u128, 16);
SIDECAR_ASSERT_ALIGN(struct hv_u128, 16);

/*
 * Fields that OpenHCL declares as AtomicU8/AtomicU32 live in memory shared
 * between CPUs that run different kernels. Their type depends on who
 * includes the header; the representation is the same plain integer in all
 * cases (checked below for C11):
 *
 *  - C11 (sidecar kernel, user space): the fields are _Atomic, so every
 *    access is an atomic operation and there is no data race by
 *    construction. Use atomic_load_explicit()/atomic_store_explicit()/
 *    atomic_compare_exchange_strong_explicit() with the orderings documented
 *    in control_page.h; a plain assignment is a seq_cst store, also valid.
 *  - Linux kernel: the fields are plain integers and must only be touched
 *    with READ_ONCE()/WRITE_ONCE(), smp_load_acquire()/smp_store_release()
 *    and cmpxchg(), which is the kernel memory model's way to access
 *    shared variables without a data race.
 *  - C++: the fields are plain integers; access them through
 *    std::atomic_ref (C++20), never with ordinary loads and stores.
 */
#if defined(__KERNEL__) || defined(__cplusplus)
#define SIDECAR_ATOMIC(type) type
#else
#ifdef __STDC_NO_ATOMICS__
#error "the Sidecar ABI needs C11 atomics"
#endif
#define SIDECAR_ATOMIC(type) _Atomic type
SIDECAR_STATIC_ASSERT(sizeof(_Atomic uint8_t) == 1 && SIDECAR_ALIGNOF(_Atomic uint8_t) == 1,
		      "_Atomic uint8_t must be a plain byte");
SIDECAR_STATIC_ASSERT(sizeof(_Atomic uint32_t) == 4 && SIDECAR_ALIGNOF(_Atomic uint32_t) == 4,
		      "_Atomic uint32_t must be a plain 32-bit word");
#endif

/*
 * A trailing variable-length array. C99 flexible array members; GCC and
 * Clang accept the same syntax in C++ as an extension.
 */
#define SIDECAR_FLEX_ARRAY(type, name) type name[]

#endif /* SIDECAR_ABI_BASE_H */
