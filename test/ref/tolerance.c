/* tolerance.c: how far a correct GPU product may be from the reference.
 *
 * Notation, for one output (row r of W, activation row j), k = ncols,
 * u = 2^-24 (float unit roundoff), gamma(n) = n*u / (1 - n*u):
 *   value c of W decodes (blocks.h) to  w_c = fl(fl(a*v_c) - b),  a, b the
 *     float scale and min of its sub-block as GGML rounds them (a = fl(d*sc),
 *     b = fl(dmin*mn)); the reference uses exactly these floats.
 *   y_c: the activation; for q8_1, y_c = d_B * q_c exactly (half * int8 fits
 *     a float), B the q8_1 block of c; s_B the stored half sum.
 *   R = sum_c w_c*y_c in double, stored as float: |R - fl(R)| <= u|R|, and
 *     the double sum itself is off by at most k*2^-53 * sum|w_c y_c|.
 *
 * What a kernel computes. Every kernel evaluates, in float arithmetic, some
 * arrangement of the exact quantity
 *   E = sum_c (A v_c - B') y_c  [+ sum_B o_B (s_B - d_B sum_{c in B} q_c)]
 * where A = d*sc and B' = dmin*mn are the real products of the stored codes:
 *   - integer parts (dot products of codes, offsets like q-8 done in int) are
 *     exact;
 *   - the bracket is there for kernels that take a q8_1 block's sum from s:
 *     upstream does so for the q4_0/q5_0 offsets (d*(sum q_w q_y * d_y -
 *     8 s)) and for the mins of q4_1 q5_1 q4_K q5_K, with o_B the amount the
 *     weights of block B subtract (8a, 16a, -m, dmin*mn). s is the sum of the
 *     ORIGINAL floats, so this term is real, not rounding. A kernel either
 *     reads s or it does not, so |G - R| holds the float error plus 0 or
 *     |sum_B o_B delta_B|, delta_B = s_B - d_B sum q_B: known exactly from
 *     the stored s and q. Where the 32 values of B span sub-blocks with
 *     different mins (q2_K: 16-value sub-blocks) a kernel could charge delta_B
 *     to either, so o_B is only known to lie in [lo_B, hi_B]: we count
 *     |sum_B mid_B delta_B| + sum_B halfwidth_B |delta_B|, which bounds every
 *     choice. (o_B is exact like a and b; 2u * sum_B |o_B delta_B| more
 *     is slack for a kernel that rounds it.)
 * Float evaluation: every float operation rounds its result with relative
 * error <= u. Any way of summing the terms of E (sequential, per-thread then
 * tree, with or without fma) passes each term through at most k + 16
 * roundings (k - 1 additions in the worst, sequential order, plus the few
 * scale products d_w*d_y, d*sc, *sumi, -min), so, by the standard bound,
 *   |fl(E) - E| <= gamma(k+16) * M',   M' = sum of |each term| that is summed,
 * and every term is bounded by
 *   M = sum_c |y_c| (|a v_c| + |b| + O_c)      (O_c = 8|a| for q4_0, 16|a| for
 *       q5_0: the offset a kernel may split off, as upstream does, so the
 *       parts it sums are d*q_raw*y and 8*d*y rather than their difference)
 * plus the s-terms sum_B |o_B s_B|.
 * GGML's rounding vs the kernel's: a = A, b = B' and a*v are in fact exact
 * (a half times a scale code times a code needs at most 24 bits), so w_c =
 * fl(A v_c - B') is one rounding from the real value; we count three,
 * |w_c - (A v_c - B')| <= 3u(|A v_c| + |B'|), i.e. 3u*M in total.
 * Subnormal results lose absolute accuracy instead: 2^-149 per operation.
 *
 * Hence, per output,
 *   tol = (gamma(k+16) + 3u + k*2^-53) * M + gamma(k+16) * S_abs + S_diff
 *         + u*|R| + (k+16) * 2^-149
 *   S_abs = sum_B max|o_B| |s_B|,
 *   S_diff = |sum_B mid_B delta_B| + sum_B (halfwidth_B + 2u max|o_B|) |delta_B|   (q8_1 only)
 * With REF_TOL_HALF_INTERMEDIATES (a kernel that rounds scale products such
 * as d*sc or d_w*d_y to half: 2^-11 relative each, two of them on a term's
 * path), add 2 * 2^-11 * (M + S_abs).
 *
 * The float accumulation term is a worst-case bound: a sum of k terms of
 * typical size m is off by ~sqrt(k)*u*m in practice, against the bound's
 * k*u*m, while a real bug (a lost block, a wrong scale) is off by ~m or more.
 */
#include <math.h>
#include <stdlib.h>

#include "blocks.h"

static const double U = 0x1p-24;

static double gamma_n(double n) { return n * U / (1.0 - n * U); }

/* Offset a kernel may fold into s, in units of |a|: q4_0 and q5_0. */
static int s_offset_units(crk_qtype t) { return t == CRK_Q4_0 ? 8 : t == CRK_Q5_0 ? 16 : 0; }

/* Does a q8_1 kernel of this type possibly read s? */
static int uses_s(crk_qtype t) {
  switch (t) {
  case CRK_Q4_0: case CRK_Q5_0: case CRK_Q4_1: case CRK_Q5_1:
  case CRK_Q2_K: case CRK_Q4_K: case CRK_Q5_K: return 1;
  default: return 0;
  }
}

/* Per value c of one weight row: the reference value w, |a*v|, the
 * magnitude |b| + O of what a kernel may subtract separately, and the signed
 * amount o = b + (offset units)*a that an s-reading kernel subtracts. */
typedef struct { float *w; double *av, *bo, *o; } row_terms;

static void decode_row(crk_qtype t, const uint8_t *row, int ncols, row_terms *rt) {
  const crk_qtype_info *info = ref_qtype_info(t);
  const int units = s_offset_units(t);
  ref_block_raw raw;
  ref_block_dec dec;
  for (int blk = 0; blk < ncols / info->block_elems; blk++) {
    ref_block_unpack(t, row + (size_t)blk * info->block_bytes, &raw);
    ref_block_decode(t, &raw, &dec);
    for (int i = 0; i < dec.n; i++) {
      const int c = blk * info->block_elems + i, j = i >> dec.sub_shift;
      rt->w[c] = dec.a[j] * (float)dec.v[i] - dec.b[j];
      rt->av[c] = fabs((double)dec.a[j] * dec.v[i]);
      rt->bo[c] = fabs((double)dec.b[j]) + units * fabs((double)dec.a[j]);
      rt->o[c] = (double)dec.b[j] + units * (double)dec.a[j];
    }
  }
}

/* tol of one output; q8 (the activation row's blocks) is NULL for float y. */
static float output_tol(crk_qtype t, int ncols, const row_terms *rt, const float *y,
                        const uint8_t *q8, unsigned flags) {
  double m = 0.0, r = 0.0, s_abs = 0.0, s_diff = 0.0;
  for (int c = 0; c < ncols; c++) {
    m += fabs((double)y[c]) * (rt->av[c] + rt->bo[c]);
    r += (double)rt->w[c] * (double)y[c];
  }
  if (q8 && uses_s(t)) {
    double mid_sum = 0.0, spread = 0.0, o_delta = 0.0;
    for (int blk = 0; blk < ncols / 32; blk++) {
      const uint8_t *p = q8 + (size_t)blk * CRK_Q8_1_BYTES;
      double lo = rt->o[blk * 32], hi = lo, sumq = 0.0;
      for (int i = 0; i < 32; i++) {
        lo = fmin(lo, rt->o[blk * 32 + i]);
        hi = fmax(hi, rt->o[blk * 32 + i]);
        sumq += (int8_t)p[4 + i];
      }
      const double d = ref_f16_to_f32(ref_ld16(p)), s = ref_f16_to_f32(ref_ld16(p + 2));
      const double delta = s - d * sumq;
      s_abs += fmax(fabs(lo), fabs(hi)) * fabs(s);
      mid_sum += 0.5 * (lo + hi) * delta;
      spread += 0.5 * (hi - lo) * fabs(delta);
      o_delta += fmax(fabs(lo), fabs(hi)) * fabs(delta);
    }
    /* 2u * sum |o delta|: the kernel's o is the real product, ours its float. */
    s_diff = fabs(mid_sum) + spread + 2.0 * U * o_delta;
  }
  const double n = ncols + 16.0;
  double tol = (gamma_n(n) + 3.0 * U + ncols * 0x1p-53) * m + gamma_n(n) * s_abs + s_diff +
               U * fabs(r) + n * 0x1p-149;
  if (flags & REF_TOL_HALF_INTERMEDIATES) tol += 2.0 * 0x1p-11 * (m + s_abs);
  return (float)(tol * (1.0 + 0x1p-20));  /* round up, not down, to float */
}

/* Shared walk: y_j as floats (dequantized q8_1 or given), q8_j for s. */
static void tolerance(crk_qtype t, const void *w, int nrows, int ncols, const float *y,
                      int64_t y_stride, const uint8_t *q8, size_t q8_stride, int ny, float *tol,
                      int nrows_dst, unsigned flags) {
  row_terms rt;
  rt.w = malloc((size_t)ncols * sizeof *rt.w);
  rt.av = malloc((size_t)ncols * sizeof *rt.av);
  rt.bo = malloc((size_t)ncols * sizeof *rt.bo);
  rt.o = malloc((size_t)ncols * sizeof *rt.o);
  if (!rt.w || !rt.av || !rt.bo || !rt.o) abort();
  const size_t row_bytes = ref_row_bytes(t, ncols);
  for (int r = 0; r < nrows; r++) {
    decode_row(t, (const uint8_t *)w + (size_t)r * row_bytes, ncols, &rt);
    for (int j = 0; j < ny; j++)
      tol[(int64_t)j * nrows_dst + r] =
          output_tol(t, ncols, &rt, y + j * y_stride, q8 ? q8 + j * q8_stride : NULL, flags);
  }
  free(rt.w);
  free(rt.av);
  free(rt.bo);
  free(rt.o);
}

void ref_matmul_f32_tolerance_ex(crk_qtype t, const void *w, int nrows, int ncols,
                                 const float *y, int ny, int y_stride, float *tol,
                                 int nrows_dst, unsigned flags) {
  tolerance(t, w, nrows, ncols, y, y_stride, NULL, 0, ny, tol, nrows_dst, flags);
}

void ref_matmul_f32_tolerance(crk_qtype t, const void *w, int nrows, int ncols,
                              const float *y, int ny, int y_stride, float *tol, int nrows_dst) {
  ref_matmul_f32_tolerance_ex(t, w, nrows, ncols, y, ny, y_stride, tol, nrows_dst, 0);
}

void ref_matmul_q8_1_tolerance_ex(crk_qtype t, const void *w, int nrows, int ncols,
                                  const void *vy, int ny, int y_stride_blocks, float *tol,
                                  int nrows_dst, unsigned flags) {
  const size_t q8_stride = (size_t)y_stride_blocks * CRK_Q8_1_BYTES;
  float *y = malloc((size_t)ny * (size_t)ncols * sizeof *y);
  if (!y && ny > 0) abort();
  for (int j = 0; j < ny; j++)
    ref_dequantize_q8_1((const uint8_t *)vy + j * q8_stride, y + (size_t)j * ncols, ncols);
  tolerance(t, w, nrows, ncols, y, ncols, vy, q8_stride, ny, tol, nrows_dst, flags);
  free(y);
}

void ref_matmul_q8_1_tolerance(crk_qtype t, const void *w, int nrows, int ncols,
                               const void *vy, int ny, int y_stride_blocks, float *tol, int nrows_dst) {
  ref_matmul_q8_1_tolerance_ex(t, w, nrows, ncols, vy, ny, y_stride_blocks, tol, nrows_dst, 0);
}
