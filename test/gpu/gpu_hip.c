/* gpu_hip.c: gpu.h on the HIP runtime (AMD build).
 *
 * The HIP runtime owns one primary context per device; hipSetDevice selects
 * it, and the loader's hipModuleLoadData loads into the same one.
 */
#include "gpu.h"

#include <hip/hip_runtime_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err_msg[512];
static int lost;

const char *gpu_error(void) { return err_msg; }
int gpu_lost(void) { return lost; }

static void set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_msg, sizeof err_msg, fmt, ap);
  va_end(ap);
}

static int check(hipError_t r, const char *what) {
  if (r == hipSuccess) return 0;
  set_error("%s failed: %s (%d): %s", what, hipGetErrorName(r), (int)r, hipGetErrorString(r));
  /* A fault in a kernel leaves the device unusable for this process. */
  if (r == hipErrorIllegalAddress || r == hipErrorLaunchFailure || r == hipErrorAssert ||
      r == hipErrorIllegalState)
    lost = 1;
  return -1;
}
#define CK(call, what) check(call, what)

int gpu_open(int device, gpu_info *info, char *why, size_t why_len) {
  int count = 0;
  hipError_t r = hipGetDeviceCount(&count);
  if (r == hipErrorNoDevice || r == hipErrorInsufficientDriver || (r == hipSuccess && count <= device)) {
    snprintf(why, why_len, "no AMD GPU %d: %s", device,
             r == hipSuccess ? "fewer devices present" : hipGetErrorString(r));
    return 1;
  }
  if (CK(r, "hipGetDeviceCount")) goto fail;
  if (CK(hipSetDevice(device), "hipSetDevice")) goto fail;
  hipDeviceProp_t p;
  if (CK(hipGetDeviceProperties(&p, device), "hipGetDeviceProperties")) goto fail;
  memset(info, 0, sizeof *info);
  snprintf(info->name, sizeof info->name, "%s", p.name);
  snprintf(info->arch, sizeof info->arch, "%s", p.gcnArchName);
  info->mem_bytes = p.totalGlobalMem;
  info->l2_bytes = (size_t)p.l2CacheSize;
  info->multiprocessors = p.multiProcessorCount;
  int drv = 0, rt = 0;
  hipDriverGetVersion(&drv);
  hipRuntimeGetVersion(&rt);
  snprintf(info->driver, sizeof info->driver, "HIP driver %d, runtime %d", drv, rt);
  return 0;
fail:
  snprintf(why, why_len, "%s", err_msg);
  return -1;
}

int gpu_alloc(gpu_ptr *p, size_t bytes) {
  void *d = NULL;
  if (CK(hipMalloc(&d, bytes ? bytes : 1), "hipMalloc")) return -1;
  *p = (gpu_ptr)(uintptr_t)d;
  return 0;
}
#define DP(p) ((void *)(uintptr_t)(p))
int gpu_free(gpu_ptr p) { return p ? CK(hipFree(DP(p)), "hipFree") : 0; }
int gpu_upload(gpu_ptr dst, const void *src, size_t n) {
  return n ? CK(hipMemcpy(DP(dst), src, n, hipMemcpyHostToDevice), "hipMemcpy(HtoD)") : 0;
}
int gpu_download(void *dst, gpu_ptr src, size_t n) {
  return n ? CK(hipMemcpy(dst, DP(src), n, hipMemcpyDeviceToHost), "hipMemcpy(DtoH)") : 0;
}
int gpu_fill(gpu_ptr dst, unsigned char byte, size_t n) {
  return n ? CK(hipMemset(DP(dst), byte, n), "hipMemset") : 0;
}
int gpu_copy(gpu_ptr dst, gpu_ptr src, size_t n) {
  return n ? CK(hipMemcpy(DP(dst), DP(src), n, hipMemcpyDeviceToDevice), "hipMemcpy(DtoD)") : 0;
}

int gpu_launch(void *function, const unsigned grid[3], const unsigned block[3], void **args) {
  return CK(hipModuleLaunchKernel((hipFunction_t)function, grid[0], grid[1], grid[2], block[0],
                                  block[1], block[2], 0, NULL, args, NULL),
            "hipModuleLaunchKernel");
}
int gpu_sync(void) { return CK(hipDeviceSynchronize(), "hipDeviceSynchronize (kernel execution)"); }

struct gpu_event { hipEvent_t e; };
int gpu_event_create(gpu_event **out) {
  gpu_event *e = calloc(1, sizeof *e);
  if (!e) { set_error("out of memory"); return -1; }
  if (CK(hipEventCreate(&e->e), "hipEventCreate")) { free(e); return -1; }
  *out = e;
  return 0;
}
int gpu_event_record(gpu_event *e) { return CK(hipEventRecord(e->e, NULL), "hipEventRecord"); }
int gpu_event_ms(gpu_event *start, gpu_event *stop, float *ms) {
  return CK(hipEventSynchronize(stop->e), "hipEventSynchronize") ||
         CK(hipEventElapsedTime(ms, start->e, stop->e), "hipEventElapsedTime");
}
void gpu_event_destroy(gpu_event *e) {
  if (!e) return;
  hipEventDestroy(e->e);
  free(e);
}
