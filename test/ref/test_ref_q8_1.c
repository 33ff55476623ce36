/* test_ref_q8_1.c: ref_quantize_q8_1 against hand-worked blocks
 * (kernel-abi.md section 2: d = amax/127, q = roundf(x/d), s = float sum of
 * the 32 original values, padding columns are 0) and its row/padding layout. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "ref.h"
#include "test_ref_util.h"

static uint16_t blk_d(const uint8_t *b) { return (uint16_t)(b[0] | (b[1] << 8)); }
static uint16_t blk_s(const uint8_t *b) { return (uint16_t)(b[2] | (b[3] << 8)); }
static int blk_q(const uint8_t *b, int i) { return (int8_t)b[4 + i]; }

/* Quantize one block of 32 given floats (kx = 32, padded to 512) and return block 0. */
static void one_block(const float *x, uint8_t *out36) {
  uint8_t y[16 * 36];
  ref_quantize_q8_1(x, y, 32, 512, 1);
  memcpy(out36, y, 36);
}

static void check_hand_blocks(void) {
  float x[32];
  uint8_t b[36];

  /* All zero: d = 0, s = 0, q = 0 (amax == 0 must not divide). */
  for (int i = 0; i < 32; i++) x[i] = 0.0f;
  one_block(x, b);
  int zeros = 1;
  for (int i = 0; i < 32; i++) zeros &= blk_q(b, i) == 0;
  CHECK(blk_d(b) == 0 && blk_s(b) == 0 && zeros, "q8_1: all-zero block", "d 0x%04x s 0x%04x", blk_d(b), blk_s(b));

  /* amax 127 exactly: d = 1, q = x, s = the integer sum. */
  int sum = 0;
  for (int i = 0; i < 32; i++) { x[i] = (float)((i * 37) % 255 - 127); sum += (i * 37) % 255 - 127; }
  x[5] = 127.0f; sum += 127 - ((5 * 37) % 255 - 127);
  one_block(x, b);
  int same = 1;
  for (int i = 0; i < 32; i++) same &= blk_q(b, i) == (int)x[i];
  CHECK(blk_d(b) == 0x3c00 && same && blk_s(b) == ref_f32_to_f16((float)sum), "q8_1: amax 127 gives d = 1, q = x",
        "d 0x%04x s 0x%04x (want sum %d)", blk_d(b), blk_s(b), sum);

  /* Negative amax and roundf's ties away from zero: amax = 254 -> d = 2. */
  for (int i = 0; i < 32; i++) x[i] = 0.0f;
  x[0] = -254.0f; x[1] = 127.0f; x[2] = 0.5f; x[3] = -1.0f; x[4] = -3.0f; x[5] = 2.9f; x[31] = 254.0f;
  one_block(x, b);
  const int want_q[] = {-127, 64, 0, -1, -2, 1};  /* -127, 63.5->64, 0.25->0, -0.5->-1, -1.5->-2, 1.45->1 */
  same = blk_q(b, 31) == 127;
  for (int i = 0; i < 6; i++) same &= blk_q(b, i) == want_q[i];
  /* s = 126.4 in any order up to float rounding, far below the half spacing
   * (1/16 here): half 126.375. */
  const float s_want = 126.4f;
  CHECK(blk_d(b) == 0x4000 && same && blk_s(b) == ref_f32_to_f16(s_want),
        "q8_1: negative values, amax from a negative, roundf ties away from zero",
        "d 0x%04x q %d %d %d %d %d %d s 0x%04x", blk_d(b), blk_q(b, 0), blk_q(b, 1), blk_q(b, 2), blk_q(b, 3),
        blk_q(b, 4), blk_q(b, 5), blk_s(b));

  /* s is the sum of the ORIGINAL floats, not d*sum(q): 32 x 0.3 sums to
   * 9.6 (0x48cd as half) while half(d)*sum(q) = 0.002361*4064 = 9.595. */
  for (int i = 0; i < 32; i++) x[i] = 0.3f;
  one_block(x, b);
  const double dq = ref_f16_to_f32(blk_d(b)) * 127.0 * 32.0;
  CHECK(blk_s(b) == ref_f32_to_f16(0.3f * 32.0f) && blk_s(b) == 0x48cd && blk_q(b, 0) == 127 &&
            ref_f32_to_f16((float)dq) != blk_s(b),
        "q8_1: s is the float sum of the inputs, not d*sum(q)", "s 0x%04x, d*sum(q) %.6f", blk_s(b), dq);

  /* The summation order is the kernel's butterfly (pairs 16 apart first):
   * 4096 + 2^-12 rounds back to 4096 in a left-to-right sum (which gives 0
   * here), while pairing x[0] = 4096 with x[16] = -4096 keeps the 15 small ones. */
  for (int i = 0; i < 32; i++) x[i] = 0.0f;
  x[0] = 4096.0f; x[16] = -4096.0f;
  for (int i = 1; i < 16; i++) x[i] = 0x1p-12f;
  one_block(x, b);
  CHECK(blk_s(b) == ref_f32_to_f16(15 * 0x1p-12f), "q8_1: s in the butterfly order of a 32-lane warp",
        "s 0x%04x, want 0x%04x", blk_s(b), ref_f32_to_f16(15 * 0x1p-12f));

  /* d rounds to half; q uses the float d, as the kernel does: amax 1 gives
   * d = 1/127 (half 0x2008), and x = 0.5 -> 63.5 -> 64. */
  for (int i = 0; i < 32; i++) x[i] = 0.0f;
  x[7] = 1.0f; x[8] = 0.5f;
  one_block(x, b);
  CHECK(blk_d(b) == ref_f32_to_f16(1.0f / 127.0f) && blk_q(b, 7) == 127 && blk_q(b, 8) == 64 &&
            blk_s(b) == 0x3e00,
        "q8_1: d stored as half, q from the float d", "d 0x%04x q %d %d s 0x%04x", blk_d(b), blk_q(b, 7),
        blk_q(b, 8), blk_s(b));

  /* A subnormal amax whose amax/127 underflows to 0: every q is 0, not the
   * undefined conversion of inf (the kernel tests d, not amax). */
  for (int i = 0; i < 32; i++) x[i] = 0.0f;
  x[3] = 0x1p-148f; x[4] = -0x1p-149f;
  one_block(x, b);
  zeros = 1;
  for (int i = 0; i < 32; i++) zeros &= blk_q(b, i) == 0;
  CHECK(0x1p-148f / 127.0f == 0.0f && blk_d(b) == 0 && zeros, "q8_1: subnormal amax underflowing d gives q = 0",
        "d 0x%04x q[3] %d q[4] %d", blk_d(b), blk_q(b, 3), blk_q(b, 4));
}

/* One block computed from scratch, for the layout checks below. */
static void block_from_scratch(const float *v, uint8_t *b) {
  float amax = 0.0f, t[32];
  for (int i = 0; i < 32; i++) { amax = fmaxf(amax, fabsf(v[i])); t[i] = v[i]; }
  const float d = amax / 127.0f;
  for (int m = 16; m; m >>= 1)
    for (int i = 0; i < m; i++) t[i] += t[i + m];
  const uint16_t dh = ref_f32_to_f16(d), sh = ref_f32_to_f16(t[0]);
  b[0] = (uint8_t)dh; b[1] = (uint8_t)(dh >> 8); b[2] = (uint8_t)sh; b[3] = (uint8_t)(sh >> 8);
  for (int i = 0; i < 32; i++) b[4 + i] = (uint8_t)(int8_t)(amax == 0.0f ? 0 : (int)roundf(v[i] / d));
}

/* Rows of kx values land at block r*kx_padded/32; columns past kx are zeros. */
static void check_layout(int kx, int rows) {
  const int kp = ref_pad(kx), nb = kp / 32;
  float *x = malloc((size_t)rows * kx * sizeof *x);
  uint8_t *y = malloc((size_t)rows * nb * 36 + 36);
  ref_rng rng;
  ref_rng_seed(&rng, (uint64_t)kx * 977 + rows);
  for (int i = 0; i < rows * kx; i++) x[i] = ref_rng_normal(&rng) * 3.0f;
  y[(size_t)rows * nb * 36] = 0xa5;  /* canary past the end */
  ref_quantize_q8_1(x, y, kx, kp, rows);
  int bad = 0, bad_r = -1, bad_b = -1, pad_bad = 0;
  for (int r = 0; r < rows; r++)
    for (int blk = 0; blk < nb; blk++) {
      float v[32];
      for (int i = 0; i < 32; i++) v[i] = blk * 32 + i < kx ? x[(size_t)r * kx + blk * 32 + i] : 0.0f;
      uint8_t want[36];
      block_from_scratch(v, want);
      const uint8_t *got = y + ((size_t)r * nb + blk) * 36;
      if (memcmp(want, got, 36)) { bad++; bad_r = r; bad_b = blk; }
      if (blk * 32 >= kx) pad_bad += got[0] | got[1] | got[2] | got[3];
      /* s is the float sum: within half rounding plus 32 additions of the exact sum. */
      double exact = 0.0, mag = 0.0;
      for (int i = 0; i < 32; i++) { exact += v[i]; mag += fabs(v[i]); }
      const double s = ref_f16_to_f32(blk_s(got));
      if (fabs(s - exact) > fabs(exact) * 0x1p-11 + mag * 32 * 0x1p-24 + 0x1p-24) bad++;
    }
  char name[128];
  snprintf(name, sizeof name, "q8_1: %d rows of kx = %d padded to %d: blocks, padding, s", rows, kx, kp);
  CHECK(bad == 0 && pad_bad == 0 && y[(size_t)rows * nb * 36] == 0xa5, name,
        "%d bad blocks (last row %d block %d), padding blocks nonzero: %d", bad, bad_r, bad_b, pad_bad);

  /* ref_dequantize_q8_1 is d*q. */
  float *deq = malloc((size_t)nb * 32 * sizeof *deq);
  ref_dequantize_q8_1(y + (size_t)(rows - 1) * nb * 36, deq, (int64_t)nb * 32);
  int dbad = 0;
  for (int blk = 0; blk < nb; blk++) {
    const uint8_t *g = y + ((size_t)(rows - 1) * nb + blk) * 36;
    for (int i = 0; i < 32; i++) dbad += deq[blk * 32 + i] != ref_f16_to_f32(blk_d(g)) * (float)blk_q(g, i);
  }
  snprintf(name, sizeof name, "q8_1: dequantize is half(d)*q (kx = %d)", kx);
  CHECK(dbad == 0, name, "%d values differ", dbad);
  free(deq);
  free(x);
  free(y);
}

int main(void) {
  CHECK(ref_pad(1) == 512 && ref_pad(512) == 512 && ref_pad(513) == 1024 && ref_pad(768) == 1024,
        "pad(k) = ceil(k/512)*512", "pad(768) = %d", ref_pad(768));
  check_hand_blocks();
  check_layout(40, 1);      /* one partial block, then 15 padding blocks */
  check_layout(544, 3);     /* not a multiple of 512, several rows */
  check_layout(768, 5);
  check_layout(1024, 2);    /* a multiple of 512: no padding */
  CHECK_EXIT();
}
