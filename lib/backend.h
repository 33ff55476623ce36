/* backend.h: what the loader needs of a GPU runtime, as a table of calls.
 *
 * The loader (loader.c) holds the cache and the locks; a backend only makes
 * runtime calls. Two are built in: backend_hip.c (HIP runtime, AMD) and
 * backend_cuda.c (CUDA driver API, NVIDIA); each finds its runtime with
 * dlopen, so a missing runtime is a clean CRK_ERR_NO_RUNTIME. Tests put a
 * fake backend in place with crk_backend_set to count calls.
 *
 * Every call returns a crk_status and, on failure, writes one line to err
 * saying which runtime call failed and with what error; the loader adds the
 * module, device and kernel. Calls other than init are made only after init
 * succeeded, each may be made from many threads at once, and each leaves the
 * calling thread's current device/context as it found it.
 */
#ifndef CRK_BACKEND_H
#define CRK_BACKEND_H

#include "candle_rocm_kernels.h"
#include "hidden.h"

#include <stddef.h>

/* Which blobs a backend loads. */
typedef enum { CRK_PLATFORM_AMD, CRK_PLATFORM_NVIDIA } crk_platform;

typedef struct crk_backend {
  const char *name;      /* "HIP", "CUDA": used in messages */
  crk_platform platform;
  /* Finds and starts the runtime. Called until it succeeds, under a lock. */
  crk_status (*init)(char *err, size_t errlen);
  /* Number of devices; 0 with CRK_ERR_NO_DEVICE when there is none. */
  crk_status (*device_count)(int *count, char *err, size_t errlen);
  /* The device's arch: AMD target ID (gcnArchName) or "sm_NN". */
  crk_status (*device_arch)(int device, char *arch, size_t archlen, char *err,
                            size_t errlen);
  /* Loads a code object (AMD) or cubin/fatbin/PTX (NVIDIA) on a device. */
  crk_status (*module_load)(int device, const void *image, size_t size, void **module,
                            char *err, size_t errlen);
  /* Resolves a kernel of a module that module_load returned for device. */
  crk_status (*module_function)(int device, void *module, const char *name,
                                void **function, char *err, size_t errlen);
  /* Unloads what module_load returned; errors are not reported (there is
   * nothing a caller could do), but the backend frees what it holds. */
  void (*module_unload)(int device, void *module);
} crk_backend;

extern const crk_backend crk_backend_hip CRK_HIDDEN;
extern const crk_backend crk_backend_cuda CRK_HIDDEN;

/* The backend the library was built with (lib/builtin_{amd,nvidia}.c). */
const crk_backend *crk_backend_builtin(void) CRK_HIDDEN;

/* Tests only: replaces the backend (NULL: back to the built-in one) and
 * forgets that init succeeded. Call it while no other loader call runs and
 * no module is open. */
void crk_backend_set(const crk_backend *b) CRK_HIDDEN;

/* The backend in use (needs no init). */
const crk_backend *crk_backend_current(void) CRK_HIDDEN;

/* Runs the backend's init once it succeeds; fails with its message until
 * then. Thread-safe. */
crk_status crk_backend_ready(const crk_backend **b, char *err, size_t errlen) CRK_HIDDEN;

#endif
