/* test_ref_half.c: half and bfloat16 conversions of the reference.
 *   - half -> float for all 65536 patterns against a formula from the
 *     IEEE definition (ldexp of the significand);
 *   - float -> half: every half round trips; every rounding boundary (the
 *     midpoint between two neighbouring halves, and the floats just above
 *     and below it) lands where round-to-nearest-even says; overflow,
 *     underflow, NaN; and a million random floats each give the nearest half;
 *   - the same checked against the compiler's _Float16 when it has one;
 *   - bfloat16 both ways. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "ref.h"
#include "test_ref_util.h"

/* The IEEE binary16 definition, spelled out in double. */
static double half_value(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
  double v;
  if (exp == 0) v = ldexp(mant, -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = ldexp(1024 + mant, exp - 25);
  return sign ? -v : v;
}

static int is_nan_half(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff); }

/* Is h the nearest half to x, ties to the even code? (x finite) */
static int is_nearest_half(float x, uint16_t h) {
  const double v = x;
  if (fabs(v) >= 65520.0) return h == (v > 0 ? 0x7c00 : 0xfc00);
  if (is_nan_half(h) || (h & 0x7fff) == 0x7c00) return 0;
  if (v != 0.0 && (signbit(v) != 0) != ((h >> 15) != 0)) return 0;
  const uint16_t mag = h & 0x7fff;
  const double err = fabs(fabs(v) - half_value(mag));
  /* neighbours by magnitude (0x7bff's upper neighbour is 65536 for rounding) */
  const double below = mag > 0 ? half_value((uint16_t)(mag - 1)) : -half_value(1);
  const double above = mag < 0x7bff ? half_value((uint16_t)(mag + 1)) : 65536.0;
  const double eb = fabs(fabs(v) - below), ea = fabs(fabs(v) - above);
  if (err > eb || err > ea) return 0;
  if (err == eb && mag > 0 && (mag & 1)) return 0;       /* tie: the even one wins */
  if (err == ea && (mag & 1)) return 0;
  return 1;
}

static void check_half_to_float(void) {
  int bad = 0, first = -1;
  for (uint32_t h = 0; h < 65536; h++) {
    const float got = ref_f16_to_f32((uint16_t)h);
    const double want = half_value((uint16_t)h);
    int ok;
    if (is_nan_half((uint16_t)h))  /* NaN keeps sign and payload (shifted up) */
      ok = isnan(got) && float_bits(got) == (((h & 0x8000u) << 16) | 0x7f800000u | ((h & 0x3ffu) << 13));
    else
      ok = (double)got == want && !signbit(got) == !signbit(want);
    if (!ok) { bad++; if (first < 0) first = (int)h; }
  }
  CHECK(bad == 0, "half -> float, all 65536 patterns", "%d wrong, first 0x%04x -> %.9g", bad, first,
        first >= 0 ? ref_f16_to_f32((uint16_t)first) : 0.0);
}

static void check_float_to_half(void) {
  int bad = 0, first = -1;
  for (uint32_t h = 0; h < 65536; h++) {
    const uint16_t got = ref_f32_to_f16(ref_f16_to_f32((uint16_t)h));
    const int ok = is_nan_half((uint16_t)h) ? is_nan_half(got) && (got & 0x8000) == (h & 0x8000) && (got & 0x200)
                                            : got == h;
    if (!ok) { bad++; if (first < 0) first = (int)h; }
  }
  CHECK(bad == 0, "float -> half: every half round trips", "%d wrong, first 0x%04x", bad, first);

  /* Boundaries: between code h and h+1 (same sign, growing magnitude). */
  bad = 0, first = -1;
  for (uint32_t s = 0; s < 2; s++)
    for (uint32_t mag = 0; mag <= 0x7bff; mag++) {
      const uint16_t h = (uint16_t)((s << 15) | mag);
      const double lo = half_value(mag), hi = mag < 0x7bff ? half_value((uint16_t)(mag + 1)) : 65536.0;
      const float mid = (float)((lo + hi) / 2);  /* exact: 12 significant bits */
      const uint16_t up = (uint16_t)((s << 15) | (mag + 1));  /* 0x7c00 is inf */
      const float sg = s ? -1.0f : 1.0f;
      const uint16_t tie = (mag & 1) ? up : h;
      const int ok = ref_f32_to_f16(sg * mid) == tie &&
                     ref_f32_to_f16(sg * nextafterf(mid, INFINITY)) == up &&
                     ref_f32_to_f16(sg * nextafterf(mid, 0.0f)) == h;
      if (!ok) { bad++; if (first < 0) first = h; }
    }
  CHECK(bad == 0, "float -> half: ties to even and both sides of every midpoint", "%d wrong, first at code 0x%04x",
        bad, first);

  CHECK(ref_f32_to_f16(65504.0f) == 0x7bff && ref_f32_to_f16(65519.996f) == 0x7bff &&
            ref_f32_to_f16(65520.0f) == 0x7c00 && ref_f32_to_f16(1e10f) == 0x7c00 &&
            ref_f32_to_f16(-3.4e38f) == 0xfc00 && ref_f32_to_f16(INFINITY) == 0x7c00 &&
            ref_f32_to_f16(-INFINITY) == 0xfc00,
        "float -> half: overflow to infinity", "65520 -> 0x%04x", ref_f32_to_f16(65520.0f));
  CHECK(ref_f32_to_f16(0x1p-25f) == 0x0000 && ref_f32_to_f16(nextafterf(0x1p-25f, 1.0f)) == 0x0001 &&
            ref_f32_to_f16(0x1.8p-24f) == 0x0002 && ref_f32_to_f16(-0x1p-26f) == 0x8000 &&
            ref_f32_to_f16(0x1p-149f) == 0x0000 && ref_f32_to_f16(-0.0f) == 0x8000 &&
            ref_f32_to_f16(0x1.ffcp-15f) == 0x0400 && ref_f32_to_f16(0x1.ff8p-15f) == 0x03ff,
        "float -> half: subnormals and underflow", "2^-25 -> 0x%04x, 1.5*2^-24 -> 0x%04x",
        ref_f32_to_f16(0x1p-25f), ref_f32_to_f16(0x1.8p-24f));
  const uint16_t qn = ref_f32_to_f16(bits_float(0x7f800001u)), nn = ref_f32_to_f16(bits_float(0xffc00000u));
  CHECK(is_nan_half(qn) && !(qn & 0x8000) && is_nan_half(nn) && (nn & 0x8000), "float -> half: NaN stays NaN",
        "got 0x%04x 0x%04x", qn, nn);

  ref_rng rng;
  ref_rng_seed(&rng, 1);
  bad = 0;
  uint32_t bad_bits = 0;
  for (int i = 0; i < 1 << 20; i++) {
    /* Random patterns, biased towards the half range by picking exponents near it. */
    uint32_t u = (uint32_t)ref_rng_u64(&rng);
    if (i & 1) u = (u & 0x807fffffu) | ((uint32_t)(96 + (ref_rng_u64(&rng) % 48)) << 23);
    const float x = bits_float(u);
    if (isnan(x)) continue;
    if (!is_nearest_half(x, ref_f32_to_f16(x))) { bad++; bad_bits = u; }
  }
  CHECK(bad == 0, "float -> half: 2^20 random floats give the nearest half", "%d wrong, e.g. 0x%08x -> 0x%04x",
        bad, bad_bits, ref_f32_to_f16(bits_float(bad_bits)));

#if defined(__FLT16_MANT_DIG__)
  /* The compiler's own conversions, where it has _Float16, agree. */
  bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    if (is_nan_half((uint16_t)h)) continue;
    _Float16 f;
    const uint16_t hh = (uint16_t)h;
    memcpy(&f, &hh, 2);
    if (float_bits((float)f) != float_bits(ref_f16_to_f32(hh))) bad++;
  }
  ref_rng_seed(&rng, 2);
  for (int i = 0; i < 1 << 20; i++) {
    const float x = bits_float((uint32_t)ref_rng_u64(&rng));
    if (isnan(x)) continue;
    const _Float16 f = (_Float16)x;
    uint16_t hh;
    memcpy(&hh, &f, 2);
    if (hh != ref_f32_to_f16(x)) bad++;
  }
  CHECK(bad == 0, "half conversions agree with the compiler's _Float16", "%d differ", bad);
#else
  SKIP("half conversions agree with the compiler's _Float16", "this compiler has no _Float16");
#endif
}

static void check_bf16(void) {
  int bad = 0;
  for (uint32_t b = 0; b < 65536; b++) {
    const float f = ref_bf16_to_f32((uint16_t)b);
    if (float_bits(f) != b << 16) bad++;
    const int nan = (b & 0x7f80) == 0x7f80 && (b & 0x7f);
    const uint16_t back = ref_f32_to_bf16(f);
    if (nan ? !((back & 0x7f80) == 0x7f80 && (back & 0x7f) && (back & 0x40)) : back != b) bad++;
    /* Midpoint to the next code: ties to even, then both sides. */
    if (!nan && (b & 0x7fff) < 0x7f80) {
      const uint32_t mid = (b << 16) | 0x8000u;
      const uint16_t tie = (b & 1) ? (uint16_t)(b + 1) : (uint16_t)b;
      if (ref_f32_to_bf16(bits_float(mid)) != tie || ref_f32_to_bf16(bits_float(mid + 1)) != (uint16_t)(b + 1) ||
          ref_f32_to_bf16(bits_float(mid - 1)) != (uint16_t)b)
        bad++;
    }
  }
  CHECK(bad == 0, "bfloat16 both ways, all 65536 patterns and their midpoints", "%d wrong", bad);
}

int main(void) {
  check_half_to_float();
  check_float_to_half();
  check_bf16();
  CHECK_EXIT();
}
