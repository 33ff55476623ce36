/* gpu_cuda.c: gpu.h on the CUDA driver API.
 *
 * libcuda.so.1 is opened at run time rather than linked, so that the harness
 * built on a machine without the NVIDIA driver starts and reports "no GPU"
 * instead of failing to load. cuda.h supplies the types; the symbol of each
 * entry point is the versioned name cuda.h maps it to (cuMemAlloc ->
 * cuMemAlloc_v2), found by stringizing the macro-expanded name.
 */
#include "gpu.h"

#include <cuda.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_LIST(X) X(cuInit) X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet) \
  X(cuDeviceGetName) X(cuDeviceGetAttribute) X(cuDeviceTotalMem) X(cuDevicePrimaryCtxRetain) \
  X(cuCtxSetCurrent) X(cuCtxSynchronize) X(cuMemAlloc) X(cuMemFree) X(cuMemcpyHtoD) \
  X(cuMemcpyDtoH) X(cuMemcpyDtoD) X(cuMemsetD8) X(cuLaunchKernel) X(cuEventCreate) \
  X(cuEventRecord) X(cuEventSynchronize) X(cuEventElapsedTime) X(cuEventDestroy) \
  X(cuGetErrorName) X(cuGetErrorString)

#define DECLARE(f) static __typeof__(&f) p_##f;
API_LIST(DECLARE)

#define STR_(x) #x
#define XSTR(x) STR_(x)

static char err_msg[512];
static int lost;
static CUdevice dev;

const char *gpu_error(void) { return err_msg; }
int gpu_lost(void) { return lost; }

static void set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_msg, sizeof err_msg, fmt, ap);
  va_end(ap);
}

/* Errors after which the context can run nothing more. */
static int is_sticky(CUresult r) {
  switch (r) {
  case CUDA_ERROR_ILLEGAL_ADDRESS: case CUDA_ERROR_LAUNCH_FAILED: case CUDA_ERROR_ASSERT:
  case CUDA_ERROR_HARDWARE_STACK_ERROR: case CUDA_ERROR_ILLEGAL_INSTRUCTION:
  case CUDA_ERROR_MISALIGNED_ADDRESS: case CUDA_ERROR_INVALID_ADDRESS_SPACE:
  case CUDA_ERROR_INVALID_PC: case CUDA_ERROR_LAUNCH_TIMEOUT: case CUDA_ERROR_CONTEXT_IS_DESTROYED:
    return 1;
  default:
    return 0;
  }
}

static int check(CUresult r, const char *what) {
  if (r == CUDA_SUCCESS) return 0;
  const char *name = NULL, *desc = NULL;
  if (p_cuGetErrorName) p_cuGetErrorName(r, &name);
  if (p_cuGetErrorString) p_cuGetErrorString(r, &desc);
  set_error("%s failed: %s (%d): %s", what, name ? name : "?", (int)r, desc ? desc : "");
  if (is_sticky(r)) lost = 1;
  return -1;
}
#define CK(call, what) check(call, what)

/* The driver's own version ("580.159.04"), when the kernel module publishes
 * it; cuDriverGetVersion only knows the CUDA API level. The line reads
 * "NVRM version: NVIDIA UNIX [Open] Kernel Module for x86_64  580.159.04 ...":
 * the version is its first word made of digits and dots. */
static void kernel_driver_version(char *buf, size_t n) {
  buf[0] = 0;
  FILE *f = fopen("/proc/driver/nvidia/version", "r");
  if (!f) return;
  char line[512];
  if (fgets(line, sizeof line, f)) {
    for (char *w = strtok(line, " \t\n"); w; w = strtok(NULL, " \t\n")) {
      if (strspn(w, "0123456789.") == strlen(w) && strchr(w, '.') && w[0] != '.') {
        snprintf(buf, n, "%s", w);
        break;
      }
    }
  }
  fclose(f);
}

int gpu_open(int device, gpu_info *info, char *why, size_t why_len) {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    snprintf(why, why_len, "no NVIDIA driver: cannot open libcuda.so.1 (%s)", dlerror());
    return 1;
  }
#define LOAD(f)                                                                    \
  if (!(p_##f = (__typeof__(&f))dlsym(h, XSTR(f)))) {                             \
    snprintf(why, why_len, "libcuda.so.1 lacks %s: driver too old", XSTR(f));     \
    return -1;                                                                     \
  }
  API_LIST(LOAD)
#undef LOAD
  CUresult r = p_cuInit(0);
  if (r == CUDA_ERROR_NO_DEVICE) {
    snprintf(why, why_len, "no NVIDIA GPU: cuInit reports no device");
    return 1;
  }
  if (check(r, "cuInit")) {
    snprintf(why, why_len, "%s", err_msg);
    return r == CUDA_ERROR_NO_DEVICE || r == CUDA_ERROR_INVALID_DEVICE ? 1 : -1;
  }
  int count = 0;
  if (CK(p_cuDeviceGetCount(&count), "cuDeviceGetCount")) goto fail;
  if (count <= device) {
    snprintf(why, why_len, "no NVIDIA GPU %d: %d device(s) present", device, count);
    return 1;
  }
  CUcontext ctx;
  if (CK(p_cuDeviceGet(&dev, device), "cuDeviceGet") ||
      CK(p_cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain") ||
      CK(p_cuCtxSetCurrent(ctx), "cuCtxSetCurrent"))
    goto fail;

  memset(info, 0, sizeof *info);
  if (CK(p_cuDeviceGetName(info->name, sizeof info->name, dev), "cuDeviceGetName")) goto fail;
  int major = 0, minor = 0, l2 = 0, sms = 0, ver = 0;
  if (CK(p_cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "cuDeviceGetAttribute") ||
      CK(p_cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "cuDeviceGetAttribute") ||
      CK(p_cuDeviceGetAttribute(&l2, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, dev), "cuDeviceGetAttribute") ||
      CK(p_cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev), "cuDeviceGetAttribute") ||
      CK(p_cuDeviceTotalMem(&info->mem_bytes, dev), "cuDeviceTotalMem") ||
      CK(p_cuDriverGetVersion(&ver), "cuDriverGetVersion"))
    goto fail;
  snprintf(info->arch, sizeof info->arch, "sm_%d%d", major, minor);
  info->l2_bytes = (size_t)l2;
  info->multiprocessors = sms;
  char kmod[64];
  kernel_driver_version(kmod, sizeof kmod);
  snprintf(info->driver, sizeof info->driver, "%s%sCUDA %d.%d", kmod, kmod[0] ? ", " : "",
           ver / 1000, ver % 1000 / 10);
  return 0;
fail:
  snprintf(why, why_len, "%s", err_msg);
  return -1;
}

int gpu_alloc(gpu_ptr *p, size_t bytes) {
  CUdeviceptr d = 0;
  if (CK(p_cuMemAlloc(&d, bytes ? bytes : 1), "cuMemAlloc")) return -1;
  *p = (gpu_ptr)d;
  return 0;
}
int gpu_free(gpu_ptr p) { return p ? CK(p_cuMemFree((CUdeviceptr)p), "cuMemFree") : 0; }
int gpu_upload(gpu_ptr dst, const void *src, size_t n) {
  return n ? CK(p_cuMemcpyHtoD((CUdeviceptr)dst, src, n), "cuMemcpyHtoD") : 0;
}
int gpu_download(void *dst, gpu_ptr src, size_t n) {
  return n ? CK(p_cuMemcpyDtoH(dst, (CUdeviceptr)src, n), "cuMemcpyDtoH") : 0;
}
int gpu_fill(gpu_ptr dst, unsigned char byte, size_t n) {
  return n ? CK(p_cuMemsetD8((CUdeviceptr)dst, byte, n), "cuMemsetD8") : 0;
}
int gpu_copy(gpu_ptr dst, gpu_ptr src, size_t n) {
  return n ? CK(p_cuMemcpyDtoD((CUdeviceptr)dst, (CUdeviceptr)src, n), "cuMemcpyDtoD") : 0;
}

int gpu_launch(void *function, const unsigned grid[3], const unsigned block[3], void **args) {
  return CK(p_cuLaunchKernel((CUfunction)function, grid[0], grid[1], grid[2], block[0], block[1],
                             block[2], 0, NULL, args, NULL),
            "cuLaunchKernel");
}
int gpu_sync(void) { return CK(p_cuCtxSynchronize(), "cuCtxSynchronize (kernel execution)"); }

struct gpu_event { CUevent e; };
int gpu_event_create(gpu_event **out) {
  gpu_event *e = calloc(1, sizeof *e);
  if (!e) { set_error("out of memory"); return -1; }
  if (CK(p_cuEventCreate(&e->e, CU_EVENT_DEFAULT), "cuEventCreate")) { free(e); return -1; }
  *out = e;
  return 0;
}
int gpu_event_record(gpu_event *e) { return CK(p_cuEventRecord(e->e, NULL), "cuEventRecord"); }
int gpu_event_ms(gpu_event *start, gpu_event *stop, float *ms) {
  return CK(p_cuEventSynchronize(stop->e), "cuEventSynchronize") ||
         CK(p_cuEventElapsedTime(ms, start->e, stop->e), "cuEventElapsedTime");
}
void gpu_event_destroy(gpu_event *e) {
  if (!e) return;
  p_cuEventDestroy(e->e);
  free(e);
}
