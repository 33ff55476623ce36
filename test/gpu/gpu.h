/* gpu.h: the little of a GPU runtime that the harness and benchmarks need.
 *
 * Two implementations, chosen by the build's PLATFORM: gpu_cuda.c (CUDA
 * driver API, libcuda.so.1 opened at run time, so the program starts and says
 * "no GPU" on a machine without the driver) and gpu_hip.c (HIP runtime).
 * Both work in the device's primary context, which is where the loader
 * (crk_module_function) loads the QUANTIZED module, so its function handles
 * launch on the memory allocated here.
 *
 * Every call returns 0 on success, or nonzero with a message (naming the
 * runtime call and its error) in gpu_error(). gpu_lost() says whether the
 * context is unusable after that error (an illegal address, a trap), in which
 * case nothing more can run in this process.
 */
#ifndef CRK_GPU_H
#define CRK_GPU_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t gpu_ptr;          /* a device address */
typedef struct gpu_event gpu_event;

typedef struct {
  char name[256];     /* "NVIDIA H100 80GB HBM3" */
  char arch[256];     /* "sm_90", "gfx90a:sramecc+:xnack-" */
  char driver[128];   /* driver and runtime versions, as the platform names them */
  size_t mem_bytes;
  size_t l2_bytes;
  int multiprocessors;
} gpu_info;

/* Opens device `device`. Returns 0 when ready, 1 when there is no usable GPU
 * (no driver, no device: `why` says which), -1 on any other failure. */
int gpu_open(int device, gpu_info *info, char *why, size_t why_len);
const char *gpu_error(void);
int gpu_lost(void);

int gpu_alloc(gpu_ptr *p, size_t bytes);
int gpu_free(gpu_ptr p);
int gpu_upload(gpu_ptr dst, const void *src, size_t bytes);
int gpu_download(void *dst, gpu_ptr src, size_t bytes);
int gpu_fill(gpu_ptr dst, unsigned char byte, size_t bytes);
int gpu_copy(gpu_ptr dst, gpu_ptr src, size_t bytes);

/* Launches `function` (a CUfunction / hipFunction_t from the loader) with no
 * dynamic shared memory on the default stream. args: one pointer per kernel
 * argument, as cuLaunchKernel takes them. */
int gpu_launch(void *function, const unsigned grid[3], const unsigned block[3], void **args);
/* Waits for all work; reports the first asynchronous error. */
int gpu_sync(void);

int gpu_event_create(gpu_event **e);
int gpu_event_record(gpu_event *e);
/* Milliseconds between two recorded events (waits for `stop`). */
int gpu_event_ms(gpu_event *start, gpu_event *stop, float *ms);
void gpu_event_destroy(gpu_event *e);

#endif
