/* SPDX-License-Identifier: MIT */
/*
 * The control-page accesses, each with the ordering control_page.h
 * prescribes, written once for every build: the Linux kernel's primitives
 * in sidecar.ko, C11 <stdatomic.h> on the _Atomic fields of C builds, and
 * GCC/Clang __atomic builtins on the plain fields of C++ builds.
 */
#ifndef SIDECAR_CONTROL_OPS_H
#define SIDECAR_CONTROL_OPS_H

#include "abi_base.h"
#include "control_page.h"

#ifdef __KERNEL__
#include <linux/atomic.h>
#endif

SIDECAR_EXTERN_C_BEGIN

#ifdef __KERNEL__
#define SIDECAR_LOAD_ACQUIRE(p)		     smp_load_acquire(p)
#define SIDECAR_LOAD_RELAXED(p)		     READ_ONCE(*(p))
#define SIDECAR_STORE_RELEASE(p, v)	     smp_store_release(p, v)
#define SIDECAR_STORE_RELAXED(p, v)	     WRITE_ONCE(*(p), v)
#define SIDECAR_XCHG_ACQUIRE(p, v)	     xchg_acquire(p, v)
#define SIDECAR_CMPXCHG_RELEASE(p, old, new) (cmpxchg_release(p, old, new) == (old))
#elif defined(__cplusplus)
/* C++: plain fields, GCC/Clang builtins (std::atomic_ref would need C++20). */
#define SIDECAR_LOAD_ACQUIRE(p)	    __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define SIDECAR_LOAD_RELAXED(p)	    __atomic_load_n(p, __ATOMIC_RELAXED)
#define SIDECAR_STORE_RELEASE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define SIDECAR_STORE_RELAXED(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define SIDECAR_XCHG_ACQUIRE(p, v)  __atomic_exchange_n(p, v, __ATOMIC_ACQUIRE)
#define SIDECAR_CMPXCHG_RELEASE(p, old, new)                                                       \
	__extension__({                                                                            \
		__typeof__(old) sidecar_expected_ = (old);                                         \
		__atomic_compare_exchange_n(p, &sidecar_expected_, new, 0, __ATOMIC_RELEASE,       \
					    __ATOMIC_RELAXED);                                     \
	})
#else
/* C11: the fields are _Atomic; the standard generic functions. */
#include <stdatomic.h>
#define SIDECAR_LOAD_ACQUIRE(p)	    atomic_load_explicit(p, memory_order_acquire)
#define SIDECAR_LOAD_RELAXED(p)	    atomic_load_explicit(p, memory_order_relaxed)
#define SIDECAR_STORE_RELEASE(p, v) atomic_store_explicit(p, v, memory_order_release)
#define SIDECAR_STORE_RELAXED(p, v) atomic_store_explicit(p, v, memory_order_relaxed)
#define SIDECAR_XCHG_ACQUIRE(p, v)  atomic_exchange_explicit(p, v, memory_order_acquire)
#define SIDECAR_CMPXCHG_RELEASE(p, old, new)                                                       \
	__extension__({                                                                            \
		__typeof__(old) sidecar_expected_ = (old);                                         \
		atomic_compare_exchange_strong_explicit(                                           \
			p, &sidecar_expected_, new, memory_order_release, memory_order_relaxed);   \
	})
#endif

/* Status of CPU `i` of the node, seen with acquire ordering: what the other
 * side wrote before changing it is visible. */
static inline uint8_t sidecar_cpu_status(struct sidecar_control_page *cp, uint32_t i)
{
	return SIDECAR_LOAD_ACQUIRE(&cp->cpu_status[i]);
}

/* Host side: moves CPU `i` from `from` to `to` if it is in `from`
 * (IDLE->RUN, RUN->STOP, IDLE->REMOVE). Release ordering publishes the
 * command page before the CPU can see the request. */
static inline bool sidecar_cpu_status_transition(struct sidecar_control_page *cp, uint32_t i,
						 uint8_t from, uint8_t to)
{
	return SIDECAR_CMPXCHG_RELEASE(&cp->cpu_status[i], from, to);
}

/* Sidecar side: publishes a new status (IDLE, REMOVED) after the response. */
static inline void sidecar_cpu_status_publish(struct sidecar_control_page *cp, uint32_t i,
					      uint8_t status)
{
	SIDECAR_STORE_RELEASE(&cp->cpu_status[i], status);
}

/* Sidecar side: flags that some CPU of the node changed its status. */
static inline void sidecar_raise_attention(struct sidecar_control_page *cp)
{
	SIDECAR_STORE_RELEASE(&cp->needs_attention, 1u);
}

/* Host side: takes the attention flag; returns its old value. Acquire
 * pairs with sidecar_raise_attention(). */
static inline uint32_t sidecar_take_attention(struct sidecar_control_page *cp)
{
	return SIDECAR_XCHG_ACQUIRE(&cp->needs_attention, 0u);
}

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_CONTROL_OPS_H */
