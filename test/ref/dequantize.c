/* dequantize.c: GGML's to_float arithmetic, value = a * v - b.
 *
 * Every GGML dequantizer rounds the same way once its operands are named:
 *   q4_0 q5_0 q8_0   (q - off) * d               a = d, b = 0
 *   q4_1 q5_1        q * d + m                   a = d, b = -m   (x - (-m) == x + m exactly)
 *   q2_K q4_K q5_K   (d*sc) * q - (dmin*mn)      a = d*sc, b = dmin*mn (both rounded to float)
 *   q3_K             (d*(sc-32)) * (q - 4)       a = d*(sc-32), b = 0
 *   q6_K             (d*sc) * (q - 32)           a = d*sc, b = 0
 *   q8_K             d * q                       a = d, b = 0
 * where the integer differences are exact, so only the float products and
 * the final subtraction round, in the same order as GGML's scalar code.
 * (a*v is in fact exact for every type: a half times a scale code times a
 * code needs at most 24 bits, and q8_K has no b; so an fma contraction of
 * a*v - b could not change a value. REF_CFLAGS turns contraction off anyway,
 * for the rest of the reference.)
 */
#include "blocks.h"

void ref_block_decode(crk_qtype t, const ref_block_raw *r, ref_block_dec *o) {
  const crk_qtype_info *info = ref_qtype_info(t);
  o->n = info->block_elems;
  const int nsub = ref_sub_count(t);
  int sub_len = o->n / nsub;
  o->sub_shift = 0;
  while ((1 << o->sub_shift) < sub_len) o->sub_shift++;
  for (int j = 0; j < REF_SUB_MAX; j++) o->a[j] = o->b[j] = 0.0f;

  const float d = ref_f16_to_f32(r->d), dmin = ref_f16_to_f32(r->dmin);
  int off = 0;
  switch (t) {
  case CRK_Q4_0: off = 8; o->a[0] = d; break;
  case CRK_Q5_0: off = 16; o->a[0] = d; break;
  case CRK_Q8_0: o->a[0] = d; break;
  case CRK_Q4_1: case CRK_Q5_1: o->a[0] = d; o->b[0] = -dmin; break;
  case CRK_Q2_K: case CRK_Q4_K: case CRK_Q5_K:
    for (int j = 0; j < nsub; j++) { o->a[j] = d * (float)r->sc[j]; o->b[j] = dmin * (float)r->mn[j]; }
    break;
  case CRK_Q3_K:
    off = 4;
    for (int j = 0; j < nsub; j++) o->a[j] = d * (float)(r->sc[j] - 32);
    break;
  case CRK_Q6_K:
    off = 32;
    for (int j = 0; j < nsub; j++) o->a[j] = d * (float)r->sc[j];
    break;
  case CRK_Q8_K: o->a[0] = r->d32; break;
  default: break;
  }
  for (int i = 0; i < o->n; i++) o->v[i] = (int16_t)(r->q[i] - off);
}

/* One block to floats. */
static void dequantize_block(crk_qtype t, const uint8_t *p, float *out) {
  ref_block_raw raw;
  ref_block_dec dec;
  ref_block_unpack(t, p, &raw);
  ref_block_decode(t, &raw, &dec);
  for (int i = 0; i < dec.n; i++) {
    const int j = i >> dec.sub_shift;
    out[i] = dec.a[j] * (float)dec.v[i] - dec.b[j];
  }
}

void ref_dequantize(crk_qtype t, const void *blocks, float *out, int64_t n) {
  const crk_qtype_info *info = ref_qtype_info(t);
  const uint8_t *p = blocks;
  for (int64_t i = 0; i < n / info->block_elems; i++)
    dequantize_block(t, p + i * info->block_bytes, out + i * info->block_elems);
}

void ref_dequantize_f16(crk_qtype t, const void *blocks, uint16_t *out, int64_t n) {
  const crk_qtype_info *info = ref_qtype_info(t);
  const uint8_t *p = blocks;
  float tmp[REF_QK_MAX];
  for (int64_t i = 0; i < n / info->block_elems; i++) {
    dequantize_block(t, p + i * info->block_bytes, tmp);
    for (int k = 0; k < info->block_elems; k++) out[i * info->block_elems + k] = ref_f32_to_f16(tmp[k]);
  }
}
