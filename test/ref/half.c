/* half.c: IEEE binary16 and bfloat16 <-> float, written out bit by bit so the
 * reference depends on no compiler's _Float16 support or rounding mode. */
#include <string.h>

#include "ref.h"

static uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float ref_f16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | (mant << 13));   /* inf, NaN */
  if (exp != 0) return bits_f32(sign | ((exp + 127 - 15) << 23) | (mant << 13));
  if (mant == 0) return bits_f32(sign);                                   /* +-0 */
  /* Subnormal: mant * 2^-24. Shift the leading one up to the implicit bit;
   * every half subnormal is a normal float. */
  uint32_t e = 127 - 15 + 1;
  while (!(mant & 0x400)) { mant <<= 1; e--; }
  return bits_f32(sign | (e << 23) | ((mant & 0x3ff) << 13));
}

/* Round (m >> shift) to nearest, ties to even; shift in 1..31. */
static uint32_t shift_round_even(uint32_t m, unsigned shift) {
  const uint32_t kept = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  return kept + (rem > halfway || (rem == halfway && (kept & 1)));
}

uint16_t ref_f32_to_f16(float f) {
  const uint32_t u = f32_bits(f);
  const uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00 | (uint16_t)((a >> 13) & 0x3ff);  /* quiet NaN */
  if (a >= 0x47800000u) return sign | 0x7c00;                                /* >= 2^16: inf */
  if (a >= 0x38800000u) {
    /* Normal half range [2^-14, 2^16): re-bias the exponent and round the
     * mantissa from 23 to 10 bits. A carry out of the mantissa bumps the
     * exponent, which is right, up to 0x7c00 (inf) at 65520 and above. */
    const uint32_t biased = a - ((uint32_t)(127 - 15) << 23);
    return sign | (uint16_t)shift_round_even(biased, 13);
  }
  /* Half subnormals: value = m * 2^-24 with m = full * 2^(e - 150 + 24). */
  const uint32_t e = a >> 23;
  if (e < 102) return sign;  /* below 2^-25 (float subnormals included): rounds to 0 */
  const uint32_t full = (a & 0x7fffff) | 0x800000;
  /* m may round up to 0x400, which is the encoding of 2^-14: still right. */
  return sign | (uint16_t)shift_round_even(full, 126 - e);
}

float ref_bf16_to_f32(uint16_t b) { return bits_f32((uint32_t)b << 16); }

uint16_t ref_f32_to_bf16(float f) {
  const uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  /* quiet NaN */
  return (uint16_t)shift_round_even(u, 16);  /* no overflow: 0x7f7fffff rounds to inf = 0x7f80 */
}
