// quantize.hip: quantize_q8_1, the activation quantizer (kernel-abi.md section 2).
#include "common.h"

// Host launch: grid (ceil(kx_padded/256), rows, 1), workgroup (256,1,1).
// Each thread owns one value; each aligned group of 32 threads (a logical
// warp) owns one q8_1 block, so the amax and sum reductions stay inside it.
CRK_KERNEL void __launch_bounds__(256)
quantize_q8_1(const float *__restrict__ x, void *__restrict__ vy, int kx, int kx_padded) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= kx_padded) return;  // whole logical warps exit together: kx_padded % 32 == 0
  const int row = blockIdx.y;
  const float v = col < kx ? x[(int64_t)row * kx + col] : 0.0f;
  const float amax = warp_max(fabsf(v));
  const float sum = warp_sum(v);
  const float d = amax / 127.0f;
  // The spec writes `amax == 0 ? 0 : roundf(x/d)`. Testing d instead agrees
  // with it wherever it is defined and also covers a subnormal amax whose
  // amax/127 underflows to 0, where x/d would be inf and the cast undefined.
  const int8_t q = d == 0.0f ? 0 : (int8_t)roundf(v / d);

  block_q8_1 *y = (block_q8_1 *)vy + ((int64_t)row * kx_padded + col) / QK8_1;
  const int lane = col % QK8_1;
  y->qs[lane] = q;
  if (lane == 0) {
    y->d = f2h(d);
    y->s = f2h(sum);
  }
}
