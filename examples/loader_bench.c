/* loader_bench.c: what the loader costs on a real GPU.
 *
 *   loader_bench [DEVICE [KERNEL...]]      (default: device 0, quantize_q8_1)
 *
 * Prints the device and blob archs, then:
 *   first load ms     the first lookup on the device: the module is loaded
 *                     there (code object picked, runtime load) and the
 *                     kernel resolved
 *   uncached lookup   each further kernel's first lookup (one runtime call)
 *   cached lookup ns  a repeated lookup, 1 thread and 16 threads (no runtime
 *                     call, no lock)
 *   close ms          unloading
 * Built by `make test` for either platform (PLATFORM=amd|nvidia) as
 * $(BUILD)/$(PLATFORM)/examples/loader_bench. Needs only the loader API.
 */
#include <candle_rocm_kernels.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CACHED_ITERS 10000000L
#define THREADS 16

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static crk_module *mod;
static int device;
static const char **kernels;
static int nkernels;
static pthread_barrier_t start;
static uintptr_t sink_out; /* keeps the lookups from being optimized away */

/* Looks the kernels up `iters` times in turn; returns ns per lookup, or -1. */
static double cached_lookups(long iters) {
  uintptr_t sink = 0;
  double t0 = now_s();
  for (long i = 0; i < iters; i++) {
    void *fn;
    if (crk_module_function(mod, device, kernels[i % nkernels], &fn) != CRK_OK) return -1;
    sink ^= (uintptr_t)fn;
  }
  double ns = (now_s() - t0) * 1e9 / (double)iters;
  __atomic_fetch_xor(&sink_out, sink, __ATOMIC_RELAXED);
  return ns;
}

static void *thread_main(void *arg) {
  double *ns = arg;
  pthread_barrier_wait(&start);
  *ns = cached_lookups(CACHED_ITERS / THREADS);
  return NULL;
}

static int fail(const char *what) {
  fprintf(stderr, "loader_bench: %s: %s\n", what, crk_last_error());
  return 1;
}

int main(int argc, char **argv) {
  static const char *default_kernels[] = {"quantize_q8_1"};
  device = argc > 1 ? atoi(argv[1]) : 0;
  kernels = argc > 2 ? (const char **)argv + 2 : default_kernels;
  nkernels = argc > 2 ? argc - 2 : 1;

  char arch[128], archs[1024];
  int count;
  if (crk_device_count(&count) != CRK_OK) return fail("crk_device_count");
  if (crk_device_arch(device, arch, sizeof arch) != CRK_OK) return fail("crk_device_arch");
  double t0 = now_s();
  if (crk_module_open(QUANTIZED, QUANTIZED_LEN, &mod) != CRK_OK) return fail("crk_module_open");
  double open_ms = (now_s() - t0) * 1e3;
  if (crk_module_archs(mod, archs, sizeof archs) != CRK_OK) return fail("crk_module_archs");
  printf("devices: %d; device %d: %s; QUANTIZED (%zu bytes) holds: %s\n", count, device, arch,
         QUANTIZED_LEN, archs);
  printf("open:             %.3f ms (validates the blob; no GPU work)\n", open_ms);

  void *fn;
  t0 = now_s();
  if (crk_module_function(mod, device, kernels[0], &fn) != CRK_OK) return fail(kernels[0]);
  printf("first load:       %.3f ms (load on device %d + resolve %s)\n", (now_s() - t0) * 1e3, device,
         kernels[0]);
  for (int k = 1; k < nkernels; k++) {
    t0 = now_s();
    if (crk_module_function(mod, device, kernels[k], &fn) != CRK_OK) return fail(kernels[k]);
    printf("uncached lookup:  %.2f us (%s)\n", (now_s() - t0) * 1e6, kernels[k]);
  }

  double ns1 = cached_lookups(CACHED_ITERS);
  if (ns1 < 0) return fail("cached lookup");
  printf("cached lookup:    %.1f ns (1 thread, %ld lookups)\n", ns1, CACHED_ITERS);

  pthread_t th[THREADS];
  double ns[THREADS], sum = 0, worst = 0;
  pthread_barrier_init(&start, NULL, THREADS);
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, thread_main, &ns[i]);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < THREADS; i++) {
    if (ns[i] < 0) return fail("cached lookup (threads)");
    sum += ns[i];
    worst = ns[i] > worst ? ns[i] : worst;
  }
  printf("cached lookup:    %.1f ns mean, %.1f ns worst (%d threads at once)\n", sum / THREADS, worst,
         THREADS);

  t0 = now_s();
  crk_module_close(mod);
  printf("close:            %.3f ms\n", (now_s() - t0) * 1e3);
  return 0;
}
