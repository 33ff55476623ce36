/* q8_1.c: the activation format of kernel-abi.md section 2.
 *
 * Block layout: half d @0, half s @2, int8 qs[32] @4 (36 bytes).
 * Every operation below is one the GPU kernel does in float (fabs, max, a
 * correctly rounded division, roundf, additions), and the sum is taken in
 * the order of its 32-lane butterfly, so hip/quantize.hip and this agree to
 * the bit.
 */
#include <math.h>
#include <string.h>

#include "blocks.h"

int ref_pad(int k) { return (k + CRK_ROW_PADDING - 1) / CRK_ROW_PADDING * CRK_ROW_PADDING; }

/* Sum of 32 floats as a xor-butterfly over 32 lanes leaves it in lane 0:
 * pairs 16 apart first, then 8, 4, 2, 1 (a + b == b + a exactly, so every
 * lane holds the same value). */
static float butterfly_sum(const float *v) {
  float t[32];
  memcpy(t, v, sizeof t);
  for (int m = 16; m > 0; m >>= 1)
    for (int i = 0; i < m; i++) t[i] = t[i] + t[i + m];
  return t[0];
}

static void quantize_block(const float *v, uint8_t *p) {
  float amax = 0.0f;
  for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(v[i]));
  const float d = amax / 127.0f;
  for (int i = 0; i < 32; i++) {
    /* |v/d| <= 127 up to one rounding, which roundf brings back to 127. */
    const int q = d == 0.0f ? 0 : (int)roundf(v[i] / d); /* as the kernel: also a subnormal amax */
    p[4 + i] = (uint8_t)(int8_t)q;
  }
  ref_st16(p, ref_f32_to_f16(d));
  ref_st16(p + 2, ref_f32_to_f16(butterfly_sum(v)));
}

void ref_quantize_q8_1(const float *x, void *vy, int kx, int kx_padded, int rows) {
  uint8_t *y = vy;
  const int nblocks = kx_padded / 32;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (int64_t)r * kx;
    for (int b = 0; b < nblocks; b++) {
      float v[32];
      for (int i = 0; i < 32; i++) {
        const int c = b * 32 + i;
        v[i] = c < kx ? row[c] : 0.0f;  /* padding columns count as 0 */
      }
      quantize_block(v, y + ((int64_t)r * nblocks + b) * CRK_Q8_1_BYTES);
    }
  }
}

void ref_dequantize_q8_1(const void *vy, float *out, int64_t n) {
  const uint8_t *p = vy;
  for (int64_t b = 0; b < n / 32; b++, p += CRK_Q8_1_BYTES) {
    const float d = ref_f16_to_f32(ref_ld16(p));
    for (int i = 0; i < 32; i++) out[b * 32 + i] = d * (float)(int8_t)p[4 + i];
  }
}
