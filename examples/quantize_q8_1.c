/* quantize_q8_1.c: load QUANTIZED with the loader, run quantize_q8_1 on GPU 0.
 * Built against the installed library, shared or static (the static one
 * needs the libraries its .pc lists as private: zlib, zstd, libmd, ...):
 *   cc -D__HIP_PLATFORM_AMD__ quantize_q8_1.c $(pkg-config --cflags --libs candle_rocm_kernels) -lamdhip64
 *   cc -D__HIP_PLATFORM_AMD__ quantize_q8_1.c $(pkg-config --cflags candle_rocm_kernels) -Wl,-Bstatic $(pkg-config --static --libs candle_rocm_kernels) -Wl,-Bdynamic -lamdhip64
 * (make test builds both lines against a scratch install: test/build/test_readme.sh.)
 */
#include <candle_rocm_kernels.h>
#include <hip/hip_runtime_api.h>
#include <stdio.h>

#define HIP(call) do { hipError_t e_ = (call); if (e_ != hipSuccess) { \
  fprintf(stderr, "%s: %s\n", #call, hipGetErrorString(e_)); return 1; } } while (0)

int main(void) {
  enum { ROWS = 2, KX = 1000, KX_PADDED = (KX + 511) / 512 * 512, Q8_1_BYTES = 36 };
  crk_module *m;
  void *fn;
  if (crk_module_open(QUANTIZED, QUANTIZED_LEN, &m) != CRK_OK ||
      crk_module_function(m, 0, "quantize_q8_1", &fn) != CRK_OK) {
    fprintf(stderr, "%s\n", crk_last_error());
    return 1;
  }
  static float x[ROWS * KX];
  for (int i = 0; i < ROWS * KX; i++) x[i] = (float)(i % 255 - 127) / 8; /* block 0: d = 1/8 */
  float *dx;
  void *dy;
  int kx = KX, kx_padded = KX_PADDED;
  HIP(hipSetDevice(0));
  HIP(hipMalloc((void **)&dx, sizeof x));
  HIP(hipMalloc(&dy, ROWS * KX_PADDED / 32 * Q8_1_BYTES));
  HIP(hipMemcpy(dx, x, sizeof x, hipMemcpyHostToDevice));
  void *args[] = {&dx, &dy, &kx, &kx_padded};
  /* The spec's shape: grid (ceil(kx_padded/256), rows, 1), workgroup (256,1,1). */
  HIP(hipModuleLaunchKernel((hipFunction_t)fn, (KX_PADDED + 255) / 256, ROWS, 1, 256, 1, 1, 0, NULL,
                            args, NULL));
  signed char y[Q8_1_BYTES]; /* half d, half s, int8 qs[32] */
  HIP(hipMemcpy(y, dy, sizeof y, hipMemcpyDeviceToHost));
  printf("q[0..3] = %d %d %d %d (expected -127 -126 -125 -124)\n", y[4], y[5], y[6], y[7]);
  HIP(hipFree(dx));
  HIP(hipFree(dy));
  crk_module_close(m);
  return y[4] == -127 && y[7] == -124 ? 0 : 1;
}
