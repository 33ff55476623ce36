/* candle_rocm_kernels.h: the QUANTIZED kernels of candle, for AMD GPUs.
 *
 * The blob: QUANTIZED is an offload bundle holding one code object per GPU
 * arch, each with every kernel of the QUANTIZED module (see README). Pass it
 * to hipModuleLoadData yourself, or let the loader below do it. (The NVIDIA
 * build exports the same names; there QUANTIZED is a cubin or a fatbin.)
 *
 * The loader: open the blob once, then ask for kernels by name and device.
 *
 *   crk_module *m;
 *   void *fn;
 *   if (crk_module_open(QUANTIZED, QUANTIZED_LEN, &m) != CRK_OK ||
 *       crk_module_function(m, device, "quantize_q8_1", &fn) != CRK_OK)
 *     fprintf(stderr, "%s\n", crk_last_error());
 *   hipModuleLaunchKernel((hipFunction_t)fn, ...);   // launching is yours
 *   ...
 *   crk_module_close(m);
 *
 * The first lookup on a device loads the module there, exactly once even when
 * threads race for it; the handle of every kernel is cached, so a repeated
 * lookup makes no runtime call and takes no lock. All calls are thread-safe,
 * except that crk_module_close must not race with other calls on the same
 * handle. The loader finds the GPU runtime at run time (dlopen of
 * libamdhip64.so, or libcuda.so.1 in the NVIDIA build): linking the library
 * needs no GPU package, and a machine without one gets an error, not a crash.
 *
 * Every call returns a crk_status; on failure crk_last_error() tells, in one
 * line, what failed and on which device, kernel, arch or blob.
 */
#ifndef CANDLE_ROCM_KERNELS_H
#define CANDLE_ROCM_KERNELS_H

#include <stddef.h>

/* CRK_VERSION_MAJOR, _MINOR, _PATCH and CRK_VERSION_STRING ("0.1.0"): the
 * version these declarations are from. The file is generated from the
 * repository's VERSION file at build time and installed beside this one. */
#include "candle_rocm_kernels_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library linked at run time, "MAJOR.MINOR.PATCH": with a
 * shared library it may differ from the CRK_VERSION_STRING a program was
 * compiled with (same MAJOR: same ABI, as the SONAME says). */
const char *crk_version(void);

/* One code object inside the blob. */
typedef struct {
  const char *arch;          /* target ID, e.g. "gfx1100" or "gfx90a:xnack-" */
  const unsigned char *data; /* points into QUANTIZED; NULL (size 0) when the build
                                compressed it (COMPRESS=1): then pass QUANTIZED to
                                the loader, or whole to a runtime that reads
                                compressed bundles (ROCm 6.2+) */
  size_t size;
} crk_code_object;

extern const unsigned char QUANTIZED[];   /* the bundle, 4096-byte aligned */
extern const size_t QUANTIZED_LEN;
extern const crk_code_object QUANTIZED_ARCHS[];
extern const size_t QUANTIZED_ARCH_COUNT;

/* ---- Loader ------------------------------------------------------------ */

typedef enum {
  CRK_OK = 0,
  CRK_ERR_INVALID_ARG,      /* a NULL pointer, a negative or absent device, a small buffer */
  CRK_ERR_NO_RUNTIME,       /* the GPU runtime library cannot be loaded or is unusable */
  CRK_ERR_NO_DEVICE,        /* the runtime is there but sees no GPU */
  CRK_ERR_BAD_BLOB,         /* the bytes are not a code object, bundle, cubin, fatbin or PTX,
                               are truncated, or are for the other platform */
  CRK_ERR_ARCH_MISSING,     /* the blob holds no code for the device's arch */
  CRK_ERR_KERNEL_NOT_FOUND, /* no kernel of that name in the module */
  CRK_ERR_RUNTIME,          /* the runtime refused a call; the message has its error */
  CRK_ERR_NO_MEMORY         /* host or device memory ran out */
} crk_status;

/* An open blob, loaded lazily on each device it is used on. A handle: it
 * points to nothing the caller may read. */
typedef struct crk_module crk_module;

/* Opens a blob: the QUANTIZED bundle, or any caller-supplied AMD code object
 * or offload bundle, compressed or not (a compressed one, CCOB with zlib or
 * zstd, is decompressed once here, its hash checked) (AMD build), cubin, fatbin or NUL-terminated
 * PTX (NVIDIA build). The bytes are validated here (headers, every bundle or
 * fatbin entry, ELF header and section bounds) and must stay alive and
 * unchanged until the module is closed; nothing is loaded and no GPU or
 * runtime is needed. Each open returns a handle of its own, to be closed
 * once; opens of the same blob (same address and length) share one module
 * behind their handles, so a blob is loaded at most once per device per
 * process, and it stays loaded until the last of them is closed.
 * Errors: CRK_ERR_INVALID_ARG, CRK_ERR_BAD_BLOB, CRK_ERR_NO_MEMORY. */
crk_status crk_module_open(const void *blob, size_t len, crk_module **out);

/* Like crk_module_open, naming the module in error messages (crk_module_open
 * calls QUANTIZED "QUANTIZED" and any other blob "blob@ADDRESS"). The name is
 * copied. A second open of the same blob keeps the first name. */
crk_status crk_module_open_named(const void *blob, size_t len, const char *name,
                                 crk_module **out);

/* Looks up a kernel by name on a device (a runtime device ordinal) and stores
 * its handle in *function: a hipFunction_t in the AMD build, a CUfunction in
 * the NVIDIA build, valid until the module is closed. The first lookup on a
 * device loads the module there: on AMD the loader picks the code object
 * (crk_module_pick's rules: the device's exact target ID, features such as
 * :xnack- included, else its family's generic target, else, only when
 * allowed by crk_set_isa_fallback or CRK_ISA_FALLBACK=1, an ISA-compatible
 * processor of its family) and hands that one code object to the runtime;
 * on NVIDIA the whole cubin/fatbin/PTX goes to cuModuleLoadData
 * inside the device's primary context, which must be current when you launch.
 * The runtime's current device of the calling thread is left as it was.
 * A failed load caches nothing: a later call tries again.
 * Errors: CRK_ERR_INVALID_ARG, CRK_ERR_NO_RUNTIME, CRK_ERR_NO_DEVICE,
 * CRK_ERR_ARCH_MISSING, CRK_ERR_KERNEL_NOT_FOUND, CRK_ERR_RUNTIME,
 * CRK_ERR_NO_MEMORY. */
crk_status crk_module_function(crk_module *m, int device, const char *kernel,
                               void **function);

/* How the code object for a device was chosen (see crk_module_pick). */
typedef enum {
  CRK_MATCH_NONE = 0,
  CRK_MATCH_ISA_COMPATIBLE = 1, /* another processor of the device's family with the
                                   same instructions: gfx1030 code on a gfx1031 (opt-in) */
  CRK_MATCH_GENERIC = 2,        /* the family's generic target: gfx11-generic on a gfx1103 */
  CRK_MATCH_EXACT = 3           /* the device's own processor */
} crk_match;

/* AMD: which code object of the blob a device of target ID device_arch (a
 * gcnArchName such as "gfx1031" or "gfx90a:sramecc+:xnack-") gets, without
 * a GPU: its target ID goes to buf, how it was chosen to *how (may be NULL).
 * In order: the exact target ID (the code object pinning the most features
 * first); else the generic target of the device's family (gfx9-generic,
 * gfx10-1-generic, gfx10-3-generic, gfx11-generic, gfx12-generic), which
 * needs a runtime that loads generic code objects (README); else, only when
 * the ISA fallback is allowed, the nearest processor of the family whose
 * instructions the device has (gfx1031 -> gfx1030, gfx1103 -> gfx1100,
 * never gfx115x code on a gfx110x). A fallback code object is handed to the
 * runtime marked as the device's processor, what HSA_OVERRIDE_GFX_VERSION
 * does for a whole process.
 * Errors: CRK_ERR_INVALID_ARG (NULL, an unparsable arch: not "gfx" and a
 * processor name of lowercase letters, digits and '-' with at most the
 * features :sramecc+/- and :xnack+/-, as "bogus", "sm_90" or "gfx1100\n";
 * buf too small),
 * CRK_ERR_ARCH_MISSING (nothing fits: the message names the device, the
 * blob's archs and the nearest compatible one with how to allow it),
 * CRK_ERR_BAD_BLOB (an NVIDIA blob). */
crk_status crk_module_pick(const crk_module *m, const char *device_arch, char *buf, size_t len,
                           crk_match *how);

/* Allows (on != 0) or forbids the ISA-compatible fallback above for every
 * load that has not happened yet; a device already loaded keeps its code
 * object. Without this call the environment decides: CRK_ISA_FALLBACK=1
 * allows it. Off by default: such code runs the family's common
 * instructions but was not built or tested for the device. */
void crk_set_isa_fallback(int on);

/* Writes the targets the blob holds, space-separated and NUL-terminated, to
 * buf: "gfx906 gfx90a:xnack- gfx1100" (AMD target IDs), "sm_90" or
 * "sm_80 sm_90 compute_90" (NVIDIA: compute_NN is PTX). Needs no GPU.
 * Errors: CRK_ERR_INVALID_ARG (buf too small: it then holds as much as fits,
 * and the message says how many bytes are needed). */
crk_status crk_module_archs(const crk_module *m, char *buf, size_t len);

/* Checks, without loading anything, that the blob holds code for a device.
 * CRK_OK, or CRK_ERR_ARCH_MISSING naming the device's arch and the blob's
 * archs (AMD: by crk_module_pick's rules). In the NVIDIA build the driver
 * decides at load time (binary and PTX compatibility), so this only checks
 * that the device exists. Other errors as crk_device_arch. */
crk_status crk_module_check_device(const crk_module *m, int device);

/* Writes the device's arch to buf: its full AMD target ID as the runtime's
 * gcnArchName gives it ("gfx90a:sramecc+:xnack-"), or "sm_90" on NVIDIA.
 * Errors: CRK_ERR_INVALID_ARG, CRK_ERR_NO_RUNTIME, CRK_ERR_NO_DEVICE,
 * CRK_ERR_RUNTIME (also when the runtime's name holds a byte that is not
 * printable ASCII, such as ESC or a newline: the message shows it as \xNN). */
crk_status crk_device_arch(int device, char *buf, size_t len);

/* Stores the number of GPUs the runtime sees. With none, *count is 0 and the
 * result is CRK_ERR_NO_DEVICE; without a runtime, CRK_ERR_NO_RUNTIME. */
crk_status crk_device_count(int *count);

/* Closes a handle of crk_module_open. Closing the last handle of a blob
 * unloads every per-device module the loader loaded for it, once each: its
 * function handles are invalid from then on. A handle that is not open
 * (closed already, or made up) is refused with CRK_ERR_INVALID_ARG, here and
 * by every call that takes a module, and changes nothing: the other
 * handles of the blob keep working. NULL is a no-op (CRK_OK). Must not race
 * with other calls on the same handle. */
crk_status crk_module_close(crk_module *m);

/* A constant name of a status: "CRK_ERR_ARCH_MISSING". */
const char *crk_status_string(crk_status s);

/* The one-line message of the calling thread's last failed call ("" when
 * none failed yet). Valid until this thread's next failing call. Only
 * printable ASCII: other bytes it quotes (of a bundle entry id, a module
 * name) read \xNN. */
const char *crk_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
