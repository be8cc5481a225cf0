/* SPDX-License-Identifier: MIT */
/*
 * libsidecar-vmm: the user-space interface to sidecar CPUs, for the authors
 * of virtual machine monitors. It drives the sidecar driver (sidecar.ko,
 * <sidecar/uapi.h>) the way OpenHCL's sidecar_client crate does: one device
 * per sidecar node, the node's command pages mapped into the process, and
 * each VP's commands written into its command page and run by the driver.
 *
 * The guide, with a complete example VMM, is docs/vmmlib.md.
 *
 * Errors
 *   Every function that can fail returns a negative errno value (0 or a
 *   non-negative result on success). Besides the driver's own errno values
 *   (EBUSY, ENOENT, EINVAL...), two mean that the command ran and failed:
 *     -SIDECAR_VMM_ESIDECAR  the sidecar kernel refused the command
 *                            (command_page.has_error); the reason is the
 *                            text in sidecar_vp_last_error().message.
 *     -SIDECAR_VMM_EHV       the hypervisor (or the sidecar's own register
 *                            code) returned an HV_STATUS_* other than
 *                            success; sidecar_vp_last_error().hv_status.
 *   Each VP keeps the details of the last failure of a call made on it.
 *
 * Threads
 *   - sidecar_vmm_open() and sidecar_vmm_close() must not run concurrently
 *     with any other call on the same handle. Every other sidecar_vmm_*
 *     function may be called from any thread at any time.
 *   - A VP has one owner at a time: sidecar_vp_acquire() fails with -EBUSY
 *     while another owner holds it. The owner may hand the VP to another
 *     thread (with the usual synchronization), but the sidecar_vp_*
 *     functions must never run concurrently on the same VP, with one
 *     exception: sidecar_vp_cancel() may be called by any thread, at any
 *     time, while the VP is acquired.
 *   - Different VPs are independent: one thread per VP may run, wait, and
 *     get or set registers concurrently with the others.
 *   - The memory behind sidecar_vp_cpu_context(), sidecar_vp_intercept_message()
 *     and sidecar_vp_register_page() belongs to the sidecar CPU while a
 *     command runs; touch it only while the VP is stopped (after
 *     sidecar_vp_wait() returned, before the next sidecar_vp_start()).
 *
 * Signals
 *   A synchronous call (sidecar_vp_test(), the register calls,
 *   sidecar_vp_translate_gva()) interrupted by a signal still returns its
 *   command's own result: the driver asks the CPU to stop, waits until it
 *   is idle (bounded) and returns success, as OpenHCL's driver does, and
 *   the command page holds the outcome (these commands run to their end).
 *   The call returns -EIO only if the CPU stopped answering and the driver
 *   gave it up. sidecar_vp_wait() interrupted by a signal returns -EINTR;
 *   the run goes on: call it again.
 */
#ifndef SIDECAR_VMM_H
#define SIDECAR_VMM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sidecar_defs.h>

SIDECAR_EXTERN_C_BEGIN

#if defined(__GNUC__)
#define SIDECAR_VMM_API __attribute__((visibility("default")))
#else
#define SIDECAR_VMM_API
#endif

#define SIDECAR_VMM_VERSION_MAJOR 0
#define SIDECAR_VMM_VERSION_MINOR 1

/* The sidecar kernel refused the command (command_page.has_error). */
#define SIDECAR_VMM_ESIDECAR EIO
/* The command returned an HV_STATUS_* other than HV_STATUS_SUCCESS. */
#define SIDECAR_VMM_EHV EREMOTEIO

/* The client: every sidecar node of the system. */
struct sidecar_vmm;
/* One acquired VP (a sidecar CPU). */
struct sidecar_vp;

/* ---- Opening ---------------------------------------------------------- */

struct sidecar_vmm_options {
	/*
	 * Where the device nodes are: NULL for $SIDECAR_DEV_DIR if set, else
	 * "/dev". Nodes are opened as DIR/sidecar0, DIR/sidecar1, ... until
	 * one is missing; if DIR/sidecar0 does not exist, the names of
	 * OpenHCL's driver (DIR/mshv_vtl_sidecar0, ...) are tried instead.
	 */
	const char *dev_dir;
	/* The sysfs mount: NULL for $SIDECAR_SYSFS_DIR if set, else "/sys". */
	const char *sysfs_dir;
	/* If not NULL, receives a one-line reason when sidecar_vmm_open() fails. */
	char *error;
	size_t error_size;
};

/*
 * Opens every sidecar node: opens the devices in order, asks each for its
 * CPU range (SIDECAR_IOCTL_INFO), maps its shared pages and checks that
 * the nodes cover CPUs 0..n-1 without gaps or overlap (as OpenHCL's client
 * does); maps the guest memory too if the driver offers it
 * (sidecar_vmm_guest_memory()). `options` may be NULL.
 *
 * Returns 0 and *vmm, or: -ENOENT no sidecar device (no sidecar, or the
 * driver is not loaded); -EINVAL the driver reported an inconsistent node
 * layout; -EACCES/-EPERM not allowed to open the devices; another -errno
 * from open, the INFO ioctl or mmap.
 */
SIDECAR_VMM_API int sidecar_vmm_open(const struct sidecar_vmm_options *options,
				     struct sidecar_vmm **vmm);

/*
 * Unmaps and closes everything. Every VP must have been released; closing
 * the devices makes the driver stop any command still running.
 */
SIDECAR_VMM_API void sidecar_vmm_close(struct sidecar_vmm *vmm);

/* ---- Nodes -------------------------------------------------------------- */

struct sidecar_vmm_node_info {
	uint32_t base_cpu;	/* first CPU of the node: the Linux CPU that manages it */
	uint32_t cpu_count;	/* CPUs in the node, the base CPU included */
	uint32_t per_cpu_shmem; /* bytes of shared pages per CPU */
	int fd;			/* the device: POLLIN when a started VP of the node stopped */
	char device[32];	/* the device name, e.g. "sidecar0" */
};

/* The number of nodes (at least 1). */
SIDECAR_VMM_API unsigned int sidecar_vmm_node_count(const struct sidecar_vmm *vmm);

/* One past the highest CPU of the last node. Nodes come in CPU order but
 * may leave gaps (CPUs the boot loader left to Linux, below the first node
 * or between nodes): sidecar_vmm_node_of() is -EINVAL for those. */
SIDECAR_VMM_API uint32_t sidecar_vmm_cpu_count(const struct sidecar_vmm *vmm);

/* Fills *info for node `node`; -EINVAL if there is no such node. */
SIDECAR_VMM_API int sidecar_vmm_node_info(const struct sidecar_vmm *vmm, unsigned int node,
					  struct sidecar_vmm_node_info *info);

/* The node that holds `cpu`, or -EINVAL if no node does. */
SIDECAR_VMM_API int sidecar_vmm_node_of(const struct sidecar_vmm *vmm, uint32_t cpu);

/*
 * One file descriptor for all nodes (an epoll set of the node devices):
 * readable when sidecar_vmm_collect() has something to report. Owned by
 * the library; do not close it, do not read from it.
 */
SIDECAR_VMM_API int sidecar_vmm_poll_fd(const struct sidecar_vmm *vmm);

/*
 * Status of every CPU of node `node`, as the driver's sysfs file
 * /sys/class/misc/<device>/cpu_status reports it: status[i] for CPU
 * base_cpu + i, a SIDECAR_CPU_STATUS_* value or SIDECAR_VMM_CPU_STATUS_UNKNOWN.
 * `count` must be at least the node's cpu_count. Returns the number of
 * CPUs whose status was found, -ENOENT if the driver has no such file,
 * -EINVAL if its contents cannot be understood.
 *
 * The parser accepts one "<cpu> <status>" pair per line, where <cpu> is the
 * Linux CPU number, optionally written "cpu<N>", separated from <status> by
 * blanks, ':', '=' or ','; if the numbers do not all fall in the node but
 * all are below cpu_count, they are taken as indexes within the node.
 * Without numbers, the statuses are taken in CPU order, from the base CPU.
 * A status is a name (removed, idle, run, stop, remove; also running,
 * stopping, removing, linux, offline) or its number, "crashed" (the
 * driver's word for a CPU that left the sidecar on an exception:
 * SIDECAR_VMM_CPU_STATUS_CRASHED) or "lost" (a CPU that answered neither
 * STOP nor the NMI that followed, which the driver no longer uses:
 * SIDECAR_VMM_CPU_STATUS_LOST). Lines that are neither (headers, comments)
 * are ignored.
 */
#define SIDECAR_VMM_CPU_STATUS_LOST    0xFDu
#define SIDECAR_VMM_CPU_STATUS_CRASHED 0xFEu
#define SIDECAR_VMM_CPU_STATUS_UNKNOWN 0xFFu
SIDECAR_VMM_API int sidecar_vmm_cpu_status(struct sidecar_vmm *vmm, unsigned int node,
					   uint8_t *status, size_t count);

/*
 * The status of one CPU, read as sidecar_vmm_cpu_status() reads its node's:
 * a SIDECAR_CPU_STATUS_* value, SIDECAR_VMM_CPU_STATUS_CRASHED, _LOST or
 * _UNKNOWN (all >= 0), or -EINVAL if no node holds
 * `cpu`, or that function's errors.
 */
SIDECAR_VMM_API int sidecar_vmm_cpu_status_of(struct sidecar_vmm *vmm, uint32_t cpu);

/* ---- Conversion to Linux ------------------------------------------------ */

/*
 * Converts sidecar CPU `cpu` into a Linux CPU, one way: brings it online in
 * Linux (writes 1 to <sysfs>/devices/system/cpu/cpuN/online), which makes
 * the driver take it out of the sidecar first (a running command is
 * stopped, then REMOVE, then REMOVED), after which Linux starts it with
 * INIT-SIPI. Returns once Linux runs on the CPU. From then on every command
 * on it fails with -ENOENT; a VP handle of it stays valid until released.
 * Needs the privilege to online CPUs (root, or CAP_SYS_ADMIN).
 *
 * Returns 0 (also for a CPU converted before: Linux takes the online of a
 * CPU that is up as done); -EINVAL if no node holds `cpu`; -EALREADY if it
 * is a node's base CPU (Linux's from the start); otherwise the errno of the
 * sysfs write, e.g. -EACCES, or -ETIMEDOUT when the driver
 * could not stop the CPU's command in time (the CPU then stays in the
 * sidecar). May be called from any thread.
 */
SIDECAR_VMM_API int sidecar_vmm_convert_cpu(struct sidecar_vmm *vmm, uint32_t cpu);

/* ---- Guest memory ---------------------------------------------------------- */

/*
 * The partition's guest memory: guest-physical addresses 0 .. *size - 1,
 * mapped shared and read-write at *base (the driver's /dev/sidecar_guest,
 * mapped once by sidecar_vmm_open() and unmapped by sidecar_vmm_close()).
 * It is the RAM every VP's guest runs in (docs/vp-backend.md): load guest
 * code and data here, and emulate the accesses the guests make. Guests
 * write it concurrently while they run; synchronize with them as with any
 * other CPU. Any thread may use the mapping.
 *
 * Returns 0, -ENOENT when there is no guest memory (the boot loader gave
 * none: the sidecar has no VP backend and RUN_VP fails), -EINVAL for a NULL
 * argument.
 */
SIDECAR_VMM_API int sidecar_vmm_guest_memory(const struct sidecar_vmm *vmm, void **base,
					     uint64_t *size);

/* ---- VP ownership -------------------------------------------------------- */

/*
 * Takes ownership of the VP on CPU `cpu`. Returns 0 and *vp, -EINVAL if no
 * node holds that CPU, -EBUSY if the VP is already owned (in this process;
 * the driver answers -EBUSY to commands on a VP another process is using).
 * Acquiring does not talk to the sidecar: a converted CPU can be acquired,
 * and its commands fail with -ENOENT.
 */
SIDECAR_VMM_API int sidecar_vp_acquire(struct sidecar_vmm *vmm, uint32_t cpu,
				       struct sidecar_vp **vp);

/*
 * Gives the VP back. If a run is still in progress it is cancelled and
 * waited for first. `vp` must not be used afterwards.
 */
SIDECAR_VMM_API void sidecar_vp_release(struct sidecar_vp *vp);

/* The VP's CPU (= VP index). */
SIDECAR_VMM_API uint32_t sidecar_vp_cpu(const struct sidecar_vp *vp);

/* ---- Synchronous commands ------------------------------------------------
 *
 * Each writes the command into the VP's command page and runs it with
 * SIDECAR_IOCTL_RUN, blocking until the sidecar CPU answers. They fail with
 * -EBUSY while a run started with sidecar_vp_start() has not been waited for.
 */

/* Runs the empty command: succeeds if the CPU is in the sidecar and idle. */
SIDECAR_VMM_API int sidecar_vp_test(struct sidecar_vp *vp);

/*
 * Reads `count` registers: regs[i].name in, regs[i].value out. Any count:
 * the registers go in commands of at most SIDECAR_MAX_GET_SET_VP_REGISTERS
 * (31), in order, and the first failing command ends the call. On failure
 * the values of the failing command's registers and of those after it are
 * unspecified; last_error says which registers the failing command carried.
 * `target_vtl` is an HvInputVtl (HV_INPUT_VTL_CURRENT for the current VTL).
 */
SIDECAR_VMM_API int sidecar_vp_get_registers(struct sidecar_vp *vp, hv_input_vtl_t target_vtl,
					     struct hv_register_assoc *regs, size_t count);

/* Writes `count` registers, chunked as sidecar_vp_get_registers(). On
 * failure the registers of the commands before the failing one are set. */
SIDECAR_VMM_API int sidecar_vp_set_registers(struct sidecar_vp *vp, hv_input_vtl_t target_vtl,
					     const struct hv_register_assoc *regs, size_t count);

/* One register, current VTL. */
SIDECAR_VMM_API int sidecar_vp_get_register(struct sidecar_vp *vp, hv_register_name_t name,
					    union hv_register_value *value);
SIDECAR_VMM_API int sidecar_vp_set_register(struct sidecar_vp *vp, hv_register_name_t name,
					    const union hv_register_value *value);

/*
 * Translates guest virtual page `gvn` (address >> 12) with
 * HV_TRANSLATE_GVA_* `control_flags` (input VTL in bits 56-63). On success
 * *out holds the result; check out->translation_result.result's code
 * (HV_TRANSLATE_GVA_RESULT_CODE_MASK): the hypercall can succeed and still
 * report, e.g., HV_TRANSLATE_GVA_PAGE_NOT_PRESENT.
 */
SIDECAR_VMM_API int
sidecar_vp_translate_gva(struct sidecar_vp *vp, uint64_t gvn, uint64_t control_flags,
			 struct hv_translate_virtual_address_ex_output_x64 *out);

/* ---- Running the VP ----------------------------------------------------- */

/*
 * Starts the VP running the guest (RUN_VP, SIDECAR_IOCTL_START) from the
 * state in its cpu_context, and returns at once. The VP then runs until an
 * intercept, a failure, or sidecar_vp_cancel(); in every case call
 * sidecar_vp_wait() afterwards. -EBUSY if a run is already in progress.
 */
SIDECAR_VMM_API int sidecar_vp_start(struct sidecar_vp *vp);

/*
 * Asks a started VP to stop (SIDECAR_IOCTL_STOP) and returns at once; the
 * run still has to be waited for. Harmless when the VP has already stopped
 * or is not running. Callable from any thread while the VP is acquired.
 *
 * A cancel only reaches a run that has started. To make another thread's
 * request reach the VP reliably, the other thread sets a flag and then
 * cancels; the owner starts and then checks the flag (cancelling itself if
 * it is set). See docs/vmmlib.md.
 */
SIDECAR_VMM_API int sidecar_vp_cancel(struct sidecar_vp *vp);

/* sidecar_vp_wait() results. */
#define SIDECAR_VP_STOPPED   0 /* stopped without an intercept (cancelled) */
#define SIDECAR_VP_INTERCEPT 1 /* stopped on an intercept: see intercept_message */

/*
 * Waits until the started VP stops: up to `timeout_ms` milliseconds (0:
 * only check, negative: no limit). Returns SIDECAR_VP_INTERCEPT,
 * SIDECAR_VP_STOPPED, -ETIMEDOUT (still running), -EINVAL (not started),
 * -SIDECAR_VMM_ESIDECAR (the run failed: last_error has the reason), -EINTR,
 * or another -errno from the driver (reading or polling its device). After
 * SIDECAR_VP_INTERCEPT, SIDECAR_VP_STOPPED and -SIDECAR_VMM_ESIDECAR the VP
 * is stopped and may be started again; after -ETIMEDOUT, -EINTR and driver
 * errors the run is still in progress (sidecar_vp_running()): wait again.
 */
SIDECAR_VMM_API int sidecar_vp_wait(struct sidecar_vp *vp, int timeout_ms);

/* True from sidecar_vp_start() until sidecar_vp_wait() reported the stop. */
SIDECAR_VMM_API bool sidecar_vp_running(const struct sidecar_vp *vp);

/*
 * The non-blocking way to learn which VPs stopped: reads every stop the
 * driver has queued (on node `node`, or on all nodes with
 * SIDECAR_VMM_ALL_NODES) and stores in cpus[] up to `max` CPUs whose run
 * stopped and has not been reported before (by this function or by
 * sidecar_vp_wait()). Returns how many it stored. Call sidecar_vp_wait()
 * for each of them (it returns at once) to get the result. With max 0
 * (cpus may then be NULL) it only reads the driver's queue. -EINVAL for a
 * bad node; a read error of the driver is returned when nothing was stored.
 *
 * Use it with sidecar_vmm_poll_fd() or the node fds in an event loop.
 */
#define SIDECAR_VMM_ALL_NODES (~0u)
SIDECAR_VMM_API int sidecar_vmm_collect(struct sidecar_vmm *vmm, unsigned int node, uint32_t *cpus,
					size_t max);

/* ---- The VP's shared pages ----------------------------------------------
 *
 * Valid only while the VP is stopped (see "Threads" above), and only until
 * the VP is released.
 */

/* The guest GPRs and FX state RUN_VP loads and saves (note CR2 in the RSP
 * slot: SIDECAR_CPU_CONTEXT_*). */
SIDECAR_VMM_API struct sidecar_cpu_context_x64 *sidecar_vp_cpu_context(struct sidecar_vp *vp);

/* The message of the last intercept (after SIDECAR_VP_INTERCEPT). */
SIDECAR_VMM_API const struct hv_message *sidecar_vp_intercept_message(const struct sidecar_vp *vp);

/* The page after the command page (the hypervisor register page, if the
 * backend uses one), or NULL if the driver maps only one page per CPU. */
SIDECAR_VMM_API void *sidecar_vp_register_page(struct sidecar_vp *vp);

/* ---- Errors ------------------------------------------------------------- */

enum sidecar_vmm_error_source {
	SIDECAR_VMM_ERROR_NONE = 0,
	SIDECAR_VMM_ERROR_ARGUMENT, /* the library refused the call: argument or state */
	SIDECAR_VMM_ERROR_DRIVER,   /* a call into the driver failed: `err` */
	SIDECAR_VMM_ERROR_SIDECAR,  /* has_error: `message` is the sidecar's text */
	SIDECAR_VMM_ERROR_HV,	    /* `hv_status` */
};

struct sidecar_vp_error {
	enum sidecar_vmm_error_source source;
	int err;	       /* the negative errno the call returned; 0 if it succeeded */
	uint32_t command;      /* the SIDECAR_COMMAND_* involved */
	hv_status_t hv_status; /* SIDECAR_VMM_ERROR_HV: the status */
	/* GET/SET_VP_REGISTERS: the registers of the failing command,
	 * regs[first_register .. first_register + register_count - 1]. */
	size_t first_register;
	size_t register_count;
	char message[288]; /* one line, NUL-terminated */
};

/*
 * The outcome of the last call made on `vp` (every sidecar_vp_* call but
 * the accessors resets it): copies it to *error if not NULL and returns its
 * `err` (0 after a success). Owner only.
 */
SIDECAR_VMM_API int sidecar_vp_last_error(const struct sidecar_vp *vp,
					  struct sidecar_vp_error *error);

/* The last error's message ("" after a success); valid until the next call
 * on the VP. */
SIDECAR_VMM_API const char *sidecar_vp_error_message(const struct sidecar_vp *vp);

/* The last error's HV status (HV_STATUS_SUCCESS unless source is _HV). */
SIDECAR_VMM_API hv_status_t sidecar_vp_hv_status(const struct sidecar_vp *vp);

/* ---- Names -------------------------------------------------------------- */

/* "HV_STATUS_INVALID_PARAMETER" for HV_STATUS_INVALID_PARAMETER; NULL for a
 * code the library does not know. */
SIDECAR_VMM_API const char *sidecar_hv_status_name(hv_status_t status);

/* "idle" for SIDECAR_CPU_STATUS_IDLE, ..., "crashed" for
 * SIDECAR_VMM_CPU_STATUS_CRASHED, "lost" for SIDECAR_VMM_CPU_STATUS_LOST,
 * "unknown" for anything else. */
SIDECAR_VMM_API const char *sidecar_cpu_status_name(unsigned int status);

/* "RUN_VP" for SIDECAR_COMMAND_RUN_VP, ... "unknown" for anything else. */
SIDECAR_VMM_API const char *sidecar_command_name(uint32_t command);

/* How a register's 16-byte value is laid out. */
enum sidecar_register_kind {
	SIDECAR_REGISTER_U64,	  /* reg64 (high 64 bits zero) */
	SIDECAR_REGISTER_U128,	  /* reg128: XMM, FP/MMX, pending events */
	SIDECAR_REGISTER_SEGMENT, /* segment: ES..GS, LDTR, TR */
	SIDECAR_REGISTER_TABLE,	  /* table: IDTR, GDTR */
};

/*
 * Register names: the lower-case x64 names ("rax", "rip", "cr0", "dr7",
 * "efer", "mtrr_def_type", "mtrr_phys_base3", "xmm12", "gdtr", ...; see
 * sidecar_vmm_register_at() for the full list). Lookup ignores case and
 * also takes a number ("0x2000e" or bare hex "2000e"). Returns 0 and
 * *name, or -EINVAL.
 */
SIDECAR_VMM_API int sidecar_vmm_register_by_name(const char *text, hv_register_name_t *name);

/* The name of a register, or NULL if the table does not have it. */
SIDECAR_VMM_API const char *sidecar_vmm_register_name(hv_register_name_t name);

/* The layout of a register's value (SIDECAR_REGISTER_U64 if unknown). */
SIDECAR_VMM_API enum sidecar_register_kind sidecar_vmm_register_kind(hv_register_name_t name);

/* The table, for listing: entry `index` (0 .. count-1); NULL past the end. */
SIDECAR_VMM_API size_t sidecar_vmm_register_count(void);
SIDECAR_VMM_API const char *sidecar_vmm_register_at(size_t index, hv_register_name_t *name);

SIDECAR_EXTERN_C_END

#endif /* SIDECAR_VMM_H */
