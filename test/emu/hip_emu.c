/* hip_emu.c: a stand-in HIP runtime (libamdhip64.so) whose one device is an
 * AMD processor run by tinygrad's ISA emulator.
 *
 * It exports the HIP calls that the loader's HIP backend (lib/backend_hip.c)
 * and the GPU harness (test/gpu/gpu_hip.c) make, with HIP 5's ABI (the
 * Debian headers they are built against), so both run unchanged against it
 * when the dynamic linker finds it first (LD_LIBRARY_PATH). Device memory is
 * host memory: the emulator executes global loads and stores at host
 * addresses. Every launch runs to completion inside hipModuleLaunchKernel,
 * so synchronisation is immediate and events time the host.
 *
 * Environment:
 *   CRK_EMU_ARCH      the emulated device's target ID ("gfx1100", or
 *                     "gfx90a:sramecc+:xnack-"); a bare gfx9 processor that
 *                     has the features gets the values its boards report
 *   TINYGRAD          the emulator checkout (see test/emu/README.md)
 *   CRK_EMU_GLUE_DIR  the folder of emu_glue.py
 * Without CRK_EMU_ARCH there is no device (hipErrorNoDevice).
 */
#include <hip/hip_runtime_api.h>

#include "emu_dispatch.h"
#include "emu_module.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* lib/backend_hip.c reads gcnArchName at this offset of the ROCm 5 layout. */
_Static_assert(offsetof(hipDeviceProp_t, gcnArchName) == 396, "HIP 5 hipDeviceProp_t layout");

struct ihipModule_t {
  emu_module m;
  struct ihipModuleSymbol_t *fns; /* one per kernel, handed out by GetFunction */
};
struct ihipModuleSymbol_t {
  const emu_kernel *k;
};
struct ihipEvent_t {
  double ms;
};

static char target[64];          /* the device's target ID */
static crk_target_id dev;
static int have_device = -1;     /* not yet looked at */
static hipError_t last_error;
static char last_detail[512];

static hipError_t fail(hipError_t e, const char *fmt, const char *a, const char *b) {
  snprintf(last_detail, sizeof last_detail, fmt, a, b);
  fprintf(stderr, "hip-emu: %s\n", last_detail);
  return last_error = e;
}

/* Features as the boards report them, for a bare processor name. */
static const char *board_features(const char *p) {
  if (strcmp(p, "gfx906") == 0) return ":sramecc-:xnack-";
  if (strcmp(p, "gfx908") == 0 || strcmp(p, "gfx90a") == 0 || strcmp(p, "gfx942") == 0 ||
      strcmp(p, "gfx950") == 0)
    return ":sramecc+:xnack-";
  return "";
}

static int device_present(void) {
  if (have_device >= 0) return have_device;
  const char *a = getenv("CRK_EMU_ARCH");
  have_device = 0;
  if (!a || !*a) return 0;
  snprintf(target, sizeof target, "%s%s", a, strchr(a, ':') ? "" : board_features(a));
  if (crk_target_id_parse(target, strlen(target), &dev) != 0 || !emu_isa_of(dev.processor)) {
    fprintf(stderr, "hip-emu: CRK_EMU_ARCH=%s is no processor the emulator runs (gfx9, gfx11, gfx12)\n", a);
    return 0;
  }
  return have_device = 1;
}

hipError_t hipInit(unsigned int flags) {
  (void)flags;
  return device_present() ? hipSuccess : (last_error = hipErrorNoDevice);
}
hipError_t hipGetDeviceCount(int *count) {
  *count = device_present();
  return *count ? hipSuccess : (last_error = hipErrorNoDevice);
}
hipError_t hipGetDevice(int *d) {
  *d = 0;
  return hipSuccess;
}
hipError_t hipSetDevice(int d) {
  return d == 0 && device_present() ? hipSuccess : (last_error = hipErrorInvalidDevice);
}
hipError_t hipGetDeviceProperties(hipDeviceProp_t *p, int d) {
  if (d != 0 || !device_present()) return last_error = hipErrorInvalidDevice;
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "tinygrad AMD ISA emulator (%s)", dev.processor);
  snprintf(p->gcnArchName, sizeof p->gcnArchName, "%s", target);
  p->totalGlobalMem = (size_t)4 << 30;
  p->sharedMemPerBlock = 65536;
  p->warpSize = strncmp(dev.processor, "gfx9", 4) == 0 ? 64 : 32;
  p->maxThreadsPerBlock = 1024;
  p->multiProcessorCount = 1;
  p->l2CacheSize = 0;
  return hipSuccess;
}
hipError_t hipDriverGetVersion(int *v) {
  *v = 0;
  return hipSuccess;
}
hipError_t hipRuntimeGetVersion(int *v) {
  *v = 0;
  return hipSuccess;
}

const char *hipGetErrorName(hipError_t e) {
  switch (e) {
  case hipSuccess: return "hipSuccess";
  case hipErrorInvalidValue: return "hipErrorInvalidValue";
  case hipErrorOutOfMemory: return "hipErrorOutOfMemory";
  case hipErrorNoDevice: return "hipErrorNoDevice";
  case hipErrorInvalidDevice: return "hipErrorInvalidDevice";
  case hipErrorInvalidImage: return "hipErrorInvalidImage";
  case hipErrorNoBinaryForGpu: return "hipErrorNoBinaryForGpu";
  case hipErrorNotFound: return "hipErrorNotFound";
  case hipErrorLaunchFailure: return "hipErrorLaunchFailure";
  default: return "hipErrorUnknown";
  }
}
const char *hipGetErrorString(hipError_t e) {
  return e == last_error && last_detail[0] ? last_detail : hipGetErrorName(e);
}
hipError_t hipGetLastError(void) {
  hipError_t e = last_error;
  last_error = hipSuccess;
  return e;
}

/* ---- memory: the host's ---------------------------------------------------- */

hipError_t hipMalloc(void **p, size_t n) {
  /* Allocation bases are 4 KiB aligned, as a GPU allocator's are at least. */
  if (posix_memalign(p, 4096, n ? n : 1) != 0) return last_error = hipErrorOutOfMemory;
  return hipSuccess;
}
hipError_t hipFree(void *p) {
  free(p);
  return hipSuccess;
}
hipError_t hipMemcpy(void *dst, const void *src, size_t n, hipMemcpyKind kind) {
  (void)kind;
  memmove(dst, src, n);
  return hipSuccess;
}
hipError_t hipMemset(void *dst, int v, size_t n) {
  memset(dst, v, n);
  return hipSuccess;
}
hipError_t hipDeviceSynchronize(void) { return hipSuccess; }

/* ---- modules ---------------------------------------------------------------- */

hipError_t hipModuleLoadData(hipModule_t *out, const void *image) {
  if (!device_present()) return last_error = hipErrorNoDevice;
  struct ihipModule_t *mod = calloc(1, sizeof *mod);
  if (!mod) return last_error = hipErrorOutOfMemory;
  char err[384];
  int rc = emu_module_load(&mod->m, image, &dev, err, sizeof err);
  if (rc != EMU_LOAD_OK) {
    free(mod);
    return rc == EMU_LOAD_NO_BINARY ? fail(hipErrorNoBinaryForGpu, "%s (device %s)", err, target)
           : rc == EMU_LOAD_NO_MEMORY ? fail(hipErrorOutOfMemory, "out of host memory loading the code object%s%s", "", "")
                                      : fail(hipErrorInvalidImage, "%s%s", err, "");
  }
  mod->fns = calloc(mod->m.nkernels ? mod->m.nkernels : 1, sizeof *mod->fns);
  if (!mod->fns) {
    emu_module_free(&mod->m);
    free(mod);
    return last_error = hipErrorOutOfMemory;
  }
  for (size_t i = 0; i < mod->m.nkernels; i++) mod->fns[i].k = &mod->m.kernels[i];
  *out = mod;
  return hipSuccess;
}

hipError_t hipModuleGetFunction(hipFunction_t *f, hipModule_t mod, const char *name) {
  if (!mod || !name) return last_error = hipErrorInvalidValue;
  const emu_kernel *k = emu_module_find(&mod->m, name);
  if (!k) return fail(hipErrorNotFound, "no kernel %s in the module%s", name, "");
  *f = &mod->fns[k - mod->m.kernels];
  return hipSuccess;
}

hipError_t hipModuleUnload(hipModule_t mod) {
  if (!mod) return last_error = hipErrorInvalidValue;
  emu_module_free(&mod->m);
  free(mod->fns);
  free(mod);
  return hipSuccess;
}

hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned int gx, unsigned int gy, unsigned int gz,
                                 unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                 hipStream_t stream, void **params, void **extra) {
  (void)stream;
  if (!f || !params || extra || shared) return last_error = hipErrorInvalidValue;
  const emu_kernel *k = f->k;
  if ((uint64_t)bx * by * bz > (uint64_t)(k->md->max_wg > 0 ? k->md->max_wg : 1024) || !gx || !gy || !gz)
    return fail(hipErrorInvalidValue, "%s: launch shape exceeds the kernel's limits%s", k->md->name, "");
  unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  char err[384];
  if (emu_dispatch(k, dev.processor, grid, block, params, err, sizeof err) != 0)
    return fail(hipErrorLaunchFailure, "%s%s", err, "");
  return hipSuccess;
}

/* ---- events: host time, since every launch is synchronous ------------------- */

static double now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}
hipError_t hipEventCreate(hipEvent_t *e) {
  *e = calloc(1, sizeof **e);
  return *e ? hipSuccess : (last_error = hipErrorOutOfMemory);
}
hipError_t hipEventRecord(hipEvent_t e, hipStream_t s) {
  (void)s;
  e->ms = now_ms();
  return hipSuccess;
}
hipError_t hipEventSynchronize(hipEvent_t e) {
  (void)e;
  return hipSuccess;
}
hipError_t hipEventElapsedTime(float *ms, hipEvent_t a, hipEvent_t b) {
  *ms = (float)(b->ms - a->ms);
  return hipSuccess;
}
hipError_t hipEventDestroy(hipEvent_t e) {
  free(e);
  return hipSuccess;
}
