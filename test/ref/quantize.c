/* quantize.c: simple round-to-nearest quantizers for test weights, and the
 * error bound each one guarantees.
 *
 * Not GGML's quantizers (those search for the best scales); these only have
 * to produce valid blocks whose values are close to the source. The design
 * that makes the bound provable: every scale is rounded UP to the next half
 * (or scale code) that still covers its range, so no value is clamped, and
 * each value then lands within half a step of its sub-block:
 *
 *   32-value, symmetric (q4_0 q5_0 q8_0; levels -L..L, L = 7, 15, 127):
 *     d = half >= amax/L;  v = round(x/d);       |err| <= d/2
 *   32-value, with min (q4_1 q5_1; levels 0..L, L = 15, 31):
 *     m = half <= min;  d = half >= (max-m)/L;  v = round((x-m)/d);  |err| <= d/2
 *   K-quants with a min (q2_K L=3 S=15, q4_K L=15 S=63, q5_K L=31 S=63):
 *     per sub-block lo = min(0, min x), hi = max x;
 *     dmin = half >= max(-lo)/S;  mn = ceil(-lo/dmin) <= S;  b = dmin*mn >= -lo
 *     d = half >= max(hi+b)/(L*S);  sc = ceil((hi+b)/(L*d)) <= S;  a = d*sc
 *     v = round((x+b)/a) in 0..L;  |err| <= a/2 <= ((hi-lo+dmin)/L + d)/2
 *   K-quants, symmetric (q3_K L=3 S=31, q6_K L=31 S=127):
 *     d = half >= max(amax_j/L)/S;  sc = ceil(amax_j/(L*d));  a = d*sc
 *     v = round(x/a) in -L..L;  |err| <= a/2 <= (amax_j/L + d)/2
 *   q8_K: d = amax/127 in float;  v = round(x/d);  |err| <= d/2
 *
 * "half >= t" is t rounded up to a half: at most t*(1+2^-10) + 2^-24 (the
 * subnormal spacing), which ref_quantize_error_bound uses.
 */
#include <math.h>
#include <string.h>

#include "blocks.h"

/* Smallest half >= t (t >= 0), capped at the largest finite half. */
static uint16_t half_at_least(float t) {
  if (!(t > 0.0f)) return 0;
  uint16_t h = ref_f32_to_f16(t);
  if (h >= 0x7c00) return 0x7bff;
  if (ref_f16_to_f32(h) < t && h < 0x7bff) h++;
  return h;
}

/* Largest half <= t (any sign), capped at the largest finite magnitude. */
static uint16_t half_at_most(float t) {
  uint16_t h = ref_f32_to_f16(t);
  if ((h & 0x7fff) >= 0x7c00) return (uint16_t)((h & 0x8000) | 0x7bff);
  if (ref_f16_to_f32(h) > t) {
    if (h == 0 || h == 0x8000) h = 0x8001;          /* just below zero */
    else if (h & 0x8000) h = (uint16_t)(h < 0xfbff ? h + 1 : h);  /* more negative */
    else h--;
  }
  return h;
}

/* round(y) clamped to [lo, hi]; NaN gives lo. */
static int round_clamp(float y, int lo, int hi) {
  if (!(y >= (float)lo)) return lo;
  if (y > (float)hi) return hi;
  const int v = (int)roundf(y);
  return v < lo ? lo : v > hi ? hi : v;
}

/* Smallest integer >= y, clamped to [0, hi]. */
static int ceil_clamp(float y, int hi) {
  if (!(y > 0.0f)) return 0;
  if (y >= (float)hi) return hi;
  return (int)ceilf(y);
}

static float amax_of(const float *x, int n) {
  float m = 0.0f;
  for (int i = 0; i < n; i++) m = fmaxf(m, fabsf(x[i]));
  return m;
}

static void quantize_sym32(const float *x, int L, int off, ref_block_raw *r) {
  r->d = half_at_least(amax_of(x, 32) / (float)L);
  const float d = ref_f16_to_f32(r->d);
  for (int i = 0; i < 32; i++) r->q[i] = (int16_t)((d > 0.0f ? round_clamp(x[i] / d, -L, L) : 0) + off);
}

static void quantize_min32(const float *x, int L, ref_block_raw *r) {
  float lo = x[0], hi = x[0];
  for (int i = 1; i < 32; i++) { lo = fminf(lo, x[i]); hi = fmaxf(hi, x[i]); }
  r->dmin = half_at_most(lo);
  const float m = ref_f16_to_f32(r->dmin);
  r->d = half_at_least((hi - m) / (float)L);
  const float d = ref_f16_to_f32(r->d);
  for (int i = 0; i < 32; i++) r->q[i] = (int16_t)(d > 0.0f ? round_clamp((x[i] - m) / d, 0, L) : 0);
}

static void quantize_kmin(crk_qtype t, const float *x, int L, int S, ref_block_raw *r) {
  const int nsub = ref_sub_count(t), len = ref_sub_len(t);
  float lo[REF_SUB_MAX], hi[REF_SUB_MAX], b[REF_SUB_MAX], range[REF_SUB_MAX];
  float need_max = 0.0f;
  for (int j = 0; j < nsub; j++) {
    lo[j] = 0.0f; hi[j] = x[j * len];
    for (int i = 0; i < len; i++) { lo[j] = fminf(lo[j], x[j * len + i]); hi[j] = fmaxf(hi[j], x[j * len + i]); }
    need_max = fmaxf(need_max, -lo[j]);
  }
  r->dmin = half_at_least(need_max / (float)S);
  const float dmin = ref_f16_to_f32(r->dmin);
  float range_max = 0.0f;
  for (int j = 0; j < nsub; j++) {
    r->mn[j] = (int16_t)(dmin > 0.0f ? ceil_clamp(-lo[j] / dmin, S) : 0);
    b[j] = dmin * (float)r->mn[j];          /* exactly the decoder's b */
    range[j] = fmaxf(0.0f, hi[j] + b[j]);
    range_max = fmaxf(range_max, range[j]);
  }
  r->d = half_at_least(range_max / (float)(L * S));
  const float d = ref_f16_to_f32(r->d);
  for (int j = 0; j < nsub; j++) {
    r->sc[j] = (int16_t)(d > 0.0f ? ceil_clamp(range[j] / ((float)L * d), S) : 0);
    const float a = d * (float)r->sc[j];    /* exactly the decoder's a */
    for (int i = 0; i < len; i++)
      r->q[j * len + i] = (int16_t)(a > 0.0f ? round_clamp((x[j * len + i] + b[j]) / a, 0, L) : 0);
  }
}

/* q3_K (code = scale + 32, quant = v + 4) and q6_K (code = scale, quant = v + 32). */
static void quantize_ksym(crk_qtype t, const float *x, int L, int S, ref_block_raw *r) {
  const int nsub = ref_sub_count(t), len = ref_sub_len(t);
  const int sc_off = t == CRK_Q3_K ? 32 : 0, q_off = t == CRK_Q3_K ? 4 : 32;
  float need[REF_SUB_MAX], need_max = 0.0f;
  for (int j = 0; j < nsub; j++) {
    need[j] = amax_of(x + j * len, len) / (float)L;
    need_max = fmaxf(need_max, need[j]);
  }
  r->d = half_at_least(need_max / (float)S);
  const float d = ref_f16_to_f32(r->d);
  for (int j = 0; j < nsub; j++) {
    const int s = d > 0.0f ? ceil_clamp(need[j] / d, S) : 0;
    r->sc[j] = (int16_t)(s + sc_off);
    const float a = d * (float)s;
    for (int i = 0; i < len; i++)
      r->q[j * len + i] = (int16_t)((a > 0.0f ? round_clamp(x[j * len + i] / a, -L, L) : 0) + q_off);
  }
}

static void quantize_q8k(const float *x, ref_block_raw *r) {
  r->d32 = amax_of(x, 256) / 127.0f;
  for (int i = 0; i < 256; i++) r->q[i] = (int16_t)(r->d32 > 0.0f ? round_clamp(x[i] / r->d32, -128, 127) : 0);
}

static void quantize_block(crk_qtype t, const float *x, uint8_t *dst) {
  ref_block_raw r;
  memset(&r, 0, sizeof r);
  switch (t) {
  case CRK_Q4_0: quantize_sym32(x, 7, 8, &r); break;
  case CRK_Q5_0: quantize_sym32(x, 15, 16, &r); break;
  case CRK_Q8_0: quantize_sym32(x, 127, 0, &r); break;
  case CRK_Q4_1: quantize_min32(x, 15, &r); break;
  case CRK_Q5_1: quantize_min32(x, 31, &r); break;
  case CRK_Q2_K: quantize_kmin(t, x, 3, 15, &r); break;
  case CRK_Q4_K: quantize_kmin(t, x, 15, 63, &r); break;
  case CRK_Q5_K: quantize_kmin(t, x, 31, 63, &r); break;
  case CRK_Q3_K: quantize_ksym(t, x, 3, 31, &r); break;
  case CRK_Q6_K: quantize_ksym(t, x, 31, 127, &r); break;
  case CRK_Q8_K: quantize_q8k(x, &r); break;
  default: return;
  }
  ref_block_pack(t, &r, dst);
}

void ref_quantize(crk_qtype t, const float *src, void *dst, int64_t n) {
  const crk_qtype_info *info = ref_qtype_info(t);
  uint8_t *p = dst;
  for (int64_t i = 0; i < n / info->block_elems; i++)
    quantize_block(t, src + i * info->block_elems, p + i * info->block_bytes);
}

/* ---- the guarantee ----------------------------------------------------------
 * In double, from the source alone. A half rounded up from t is at most
 * t*(1+2^-10) + 2^-24; the float divisions and products add relative errors
 * of a few 2^-24, covered by the (1+2^-8) factor; and the last term, 2^-16 of
 * the block's amax, covers a scale code that ceil may have clamped one float
 * ulp short of its range. */
static double half_up(double t) { return t * (1.0 + 0x1p-10) + 0x1p-24; }

void ref_quantize_error_bound(crk_qtype t, const float *x, float *bound) {
  const crk_qtype_info *info = ref_qtype_info(t);
  const int n = info->block_elems, nsub = ref_sub_count(t), len = ref_sub_len(t);
  double step[REF_SUB_MAX];  /* the largest step each sub-block can get */
  double amax = 0.0, lo_all = x[0], hi_all = x[0];
  for (int i = 0; i < n; i++) {
    amax = fmax(amax, fabs(x[i]));
    lo_all = fmin(lo_all, x[i]);
    hi_all = fmax(hi_all, x[i]);
  }
  switch (t) {
  case CRK_Q4_0: step[0] = half_up(amax / 7); break;
  case CRK_Q5_0: step[0] = half_up(amax / 15); break;
  case CRK_Q8_0: step[0] = half_up(amax / 127); break;
  case CRK_Q8_K: step[0] = amax / 127; break;
  case CRK_Q4_1: case CRK_Q5_1: {
    const int L = t == CRK_Q4_1 ? 15 : 31;
    /* m is at most one half spacing below the min: |m| 2^-10 + 2^-24. */
    const double m_slack = fabs(lo_all) * 0x1p-10 + 0x1p-24;
    step[0] = half_up((hi_all - lo_all + m_slack) / L);
    break;
  }
  case CRK_Q2_K: case CRK_Q4_K: case CRK_Q5_K: {
    const int L = t == CRK_Q2_K ? 3 : t == CRK_Q4_K ? 15 : 31, S = t == CRK_Q2_K ? 15 : 63;
    double need_max = 0.0, width[REF_SUB_MAX], width_max = 0.0;
    for (int j = 0; j < nsub; j++) {
      double lo = 0.0, hi = x[j * len];
      for (int i = 0; i < len; i++) { lo = fmin(lo, x[j * len + i]); hi = fmax(hi, x[j * len + i]); }
      need_max = fmax(need_max, -lo);
      width[j] = hi - lo;
    }
    const double dmin = half_up(need_max / S);
    for (int j = 0; j < nsub; j++) width_max = fmax(width_max, width[j] + dmin);
    const double d = half_up(width_max / (L * S));
    for (int j = 0; j < nsub; j++) step[j] = (width[j] + dmin) / L + d;
    break;
  }
  case CRK_Q3_K: case CRK_Q6_K: {
    const int L = t == CRK_Q3_K ? 3 : 31, S = t == CRK_Q3_K ? 31 : 127;
    double need[REF_SUB_MAX], need_max = 0.0;
    for (int j = 0; j < nsub; j++) {
      need[j] = 0.0;
      for (int i = 0; i < len; i++) need[j] = fmax(need[j], fabs(x[j * len + i]));
      need[j] /= L;
      need_max = fmax(need_max, need[j]);
    }
    const double d = half_up(need_max / S);
    for (int j = 0; j < nsub; j++) step[j] = need[j] + d;
    break;
  }
  default: return;
  }
  for (int i = 0; i < n; i++)
    bound[i] = (float)(0.5 * step[i / len] * (1.0 + 0x1p-8) + amax * 0x1p-16 + 0x1p-126);
}
