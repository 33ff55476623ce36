/* candle_rocm_kernels.h: the QUANTIZED kernels of candle, for AMD GPUs.
 *
 * The blob: QUANTIZED is an offload bundle holding one code object per GPU
 * arch, each with every kernel of the QUANTIZED module (see README). Pass it
 * to hipModuleLoadData yourself, or let the loader below do it.
 */
#ifndef CANDLE_ROCM_KERNELS_H
#define CANDLE_ROCM_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One code object inside the blob. */
typedef struct {
  const char *arch;          /* target ID, e.g. "gfx1100" or "gfx90a:xnack-" */
  const unsigned char *data; /* points into QUANTIZED */
  size_t size;
} crk_code_object;

extern const unsigned char QUANTIZED[];   /* the bundle, 4096-byte aligned */
extern const size_t QUANTIZED_LEN;
extern const crk_code_object QUANTIZED_ARCHS[];
extern const size_t QUANTIZED_ARCH_COUNT;

#ifdef __cplusplus
}
#endif
#endif
