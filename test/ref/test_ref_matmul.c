/* test_ref_matmul.c: the reference products, their tolerance, get_rows and
 * indexed_moe_forward.
 *   - products on small hand-computed matrices (dst layout, nrows_dst gaps);
 *   - ref_matmul_q8_1 == ref_matmul_f32 on the dequantized activations;
 *   - tolerance sanity: float emulations of the ways GPU kernels compute
 *     (integer dots per block, scale products, offsets and mins from s or
 *     not, half-rounded scales, sequential float sums with and without fma)
 *     stay within the tolerance for every type, while losing a block of the
 *     sum does not;
 *   - get_rows for f32/f16/bf16 and the quantized types, nb01 honoured;
 *   - indexed_moe_forward's expert stride (QK 32 for q8_0) and input rows. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "blocks.h"
#include "check.h"
#include "test_ref_util.h"

/* The ten types that have product kernels. */
static const crk_qtype gpu_types[] = {CRK_Q4_0, CRK_Q4_1, CRK_Q5_0, CRK_Q5_1, CRK_Q8_0,
                                      CRK_Q2_K, CRK_Q3_K, CRK_Q4_K, CRK_Q5_K, CRK_Q6_K};
#define N_GPU_TYPES 10

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* ---------------------------------------------------------------- hand cases */
static void check_hand_products(void) {
  /* q8_0, 2 rows x 32: row 0 d = 0.5, q = c - 16; row 1 d = 1, q = 1. */
  uint8_t w[2 * 34];
  put16(w, 0x3800);
  put16(w + 34, 0x3c00);
  for (int c = 0; c < 32; c++) { w[2 + c] = (uint8_t)(int8_t)(c - 16); w[36 + c] = 1; }
  float y[64], dst[6];
  for (int c = 0; c < 32; c++) { y[c] = 1.0f; y[32 + c] = (float)c; }
  for (int i = 0; i < 6; i++) dst[i] = -999.0f;
  ref_matmul_f32(CRK_Q8_0, w, 2, 32, y, 2, 32, dst, 3);
  /* y = 1: 0.5*sum(c-16) = -8, 32.  y = c: 0.5*(sum c^2 - 16 sum c) = 0.5*(10416 - 7936) = 1240, 496. */
  CHECK(dst[0] == -8.0f && dst[1] == 32.0f && dst[3] == 1240.0f && dst[4] == 496.0f && dst[2] == -999.0f &&
            dst[5] == -999.0f,
        "matmul f32: q8_0 by hand, two vectors, nrows_dst gap untouched", "%g %g %g | %g %g %g", dst[0], dst[1],
        dst[2], dst[3], dst[4], dst[5]);

  /* q4_1, 1 x 32: d = 2, m = -1, q = c % 16 -> w = 2(c%16) - 1; y = 1: 2*2*120 - 32 = 448. */
  uint8_t w41[20];
  put16(w41, 0x4000);
  put16(w41 + 2, 0xbc00);
  for (int j = 0; j < 16; j++) w41[4 + j] = (uint8_t)(j | (j << 4));
  ref_matmul_f32(CRK_Q4_1, w41, 1, 32, y, 1, 32, dst, 1);
  CHECK(dst[0] == 448.0f, "matmul f32: q4_1 by hand (min added)", "got %g", dst[0]);

  /* q6_K, 1 x 256: d = 1, scales 1 except sub-block 3 = -2, codes 33 (v = 1): 240 - 32 = 208. */
  ref_block_raw raw;
  memset(&raw, 0, sizeof raw);
  raw.d = 0x3c00;
  for (int j = 0; j < 16; j++) raw.sc[j] = j == 3 ? -2 : 1;
  for (int i = 0; i < 256; i++) raw.q[i] = 33;
  uint8_t w6[210];
  ref_block_pack(CRK_Q6_K, &raw, w6);
  float ones[256];
  for (int i = 0; i < 256; i++) ones[i] = 1.0f;
  ref_matmul_f32(CRK_Q6_K, w6, 1, 256, ones, 1, 256, dst, 1);
  CHECK(dst[0] == 208.0f, "matmul f32: q6_K by hand (signed sub-block scale)", "got %g", dst[0]);

  /* q2_K, 1 x 256: d = 1, dmin = 0.5, sc = 1, mn = 2 (b = 1), codes 3 -> w = 2: 512. */
  memset(&raw, 0, sizeof raw);
  raw.d = 0x3c00;
  raw.dmin = 0x3800;
  for (int j = 0; j < 16; j++) { raw.sc[j] = 1; raw.mn[j] = 2; }
  for (int i = 0; i < 256; i++) raw.q[i] = 3;
  uint8_t w2[84];
  ref_block_pack(CRK_Q2_K, &raw, w2);
  ref_matmul_f32(CRK_Q2_K, w2, 1, 256, ones, 1, 256, dst, 1);
  CHECK(dst[0] == 512.0f, "matmul f32: q2_K by hand (min subtracted)", "got %g", dst[0]);

  /* q8_1 activations: x = 127, then c - 16 (amax 127: d = 1, q = x exactly).
   * Row 1 of the q8_0 matrix sums x: 127 + sum_{c=1..31}(c - 16) = 127. Row 0:
   * 0.5*(-16*127 + sum_{c>=1} (c-16)^2) = 0.5*(-2032 + 2480) = 224. */
  float x[32];
  for (int c = 0; c < 32; c++) x[c] = c == 0 ? 127.0f : (float)(c - 16);
  uint8_t vy[16 * 36];
  ref_quantize_q8_1(x, vy, 32, 512, 1);
  ref_matmul_q8_1(CRK_Q8_0, w, 2, 32, vy, 1, 16, dst, 2);
  CHECK(dst[0] == 224.0f && dst[1] == 127.0f, "matmul q8_1: q8_0 by hand", "got %g %g", dst[0], dst[1]);
}

/* ----------------------------------------------------------- random matrices */
typedef struct {
  crk_qtype t;
  int nrows, ncols, ny, kp;
  uint8_t *w, *vy;
  float *y;   /* the ny activation rows as floats (before q8_1) */
} problem;

static void make_problem(problem *p, crk_qtype t, int nrows, int ncols, int ny, uint64_t seed) {
  ref_rng rng;
  ref_rng_seed(&rng, seed);
  p->t = t; p->nrows = nrows; p->ncols = ncols; p->ny = ny; p->kp = ref_pad(ncols);
  float *wf = malloc((size_t)nrows * ncols * sizeof *wf);
  for (int i = 0; i < nrows * ncols; i++) wf[i] = ref_rng_normal(&rng) * 0.1f + (i % 7 == 0 ? 0.05f : 0.0f);
  p->w = malloc(ref_row_bytes(t, ncols) * nrows);
  ref_quantize(t, wf, p->w, (int64_t)nrows * ncols);
  free(wf);
  p->y = malloc((size_t)ny * ncols * sizeof *p->y);
  for (int i = 0; i < ny * ncols; i++) p->y[i] = ref_rng_normal(&rng) + 0.2f;  /* nonzero mean: s matters */
  p->vy = malloc((size_t)ny * (p->kp / 32) * 36);
  ref_quantize_q8_1(p->y, p->vy, ncols, p->kp, ny);
}

static void free_problem(problem *p) { free(p->w); free(p->vy); free(p->y); }

/* How an emulated kernel gets a block's sum of activations. */
enum {
  S_NEVER,    /* d*sum(q) always (exact): no s */
  S_UPSTREAM, /* s for the q4_0/q5_0 offsets and 32-wide mins (upstream's choice) */
  S_HALVES    /* as upstream, and 16-wide mins take s - d*sum(q of the other half) */
};

/* An ABI-style q8_1 product in float, as kernels compute it: per q8_1 block
 * and weight sub-block an exact integer dot of the codes, scaled by float
 * products, offsets and mins per s_mode; one sequential float accumulator.
 * Drops the 32-blocks skip0 <= block < skip0 + nskip (to model a bug). */
static float emulate_q8_1(crk_qtype t, const uint8_t *wrow, const uint8_t *vyrow, int ncols, int skip0, int nskip,
                          int half_scales, int s_mode) {
  const crk_qtype_info *info = ref_qtype_info(t);
  const int raw_off = t == CRK_Q4_0 ? 8 : t == CRK_Q5_0 ? 16 : 0;
  float acc = 0.0f;
  ref_block_raw raw;
  ref_block_dec dec;
  for (int blk = 0; blk < ncols / info->block_elems; blk++) {
    ref_block_unpack(t, wrow + (size_t)blk * info->block_bytes, &raw);
    ref_block_decode(t, &raw, &dec);
    const int sub_len = 1 << dec.sub_shift, len = sub_len < 32 ? sub_len : 32;
    for (int b32 = 0; b32 < info->block_elems / 32; b32++) {
      const int c0 = blk * info->block_elems + b32 * 32;
      if (c0 / 32 >= skip0 && c0 / 32 < skip0 + nskip) continue;
      const uint8_t *q8 = vyrow + (size_t)(c0 / 32) * 36;
      const float dy = ref_f16_to_f32((uint16_t)(q8[0] | (q8[1] << 8)));
      const float s = ref_f16_to_f32((uint16_t)(q8[2] | (q8[3] << 8)));
      int sumq_piece[2] = {0, 0};
      for (int i = 0; i < 32; i++) sumq_piece[i / 16] += (int8_t)q8[4 + i];
      for (int p0 = 0; p0 < 32; p0 += len) {
        const int i0 = b32 * 32 + p0, j = i0 >> dec.sub_shift;
        int sumi = 0, sumq = 0;
        for (int i = 0; i < len; i++) {
          const int q = (int8_t)q8[4 + p0 + i];
          sumi += (dec.v[i0 + i] + raw_off) * q;
          sumq += q;
        }
        float a = dec.a[j], ady;
        if (half_scales) a = ref_f16_to_f32(ref_f32_to_f16(a));
        ady = a * dy;
        if (half_scales) ady = ref_f16_to_f32(ref_f32_to_f16(ady));
        float part = ady * (float)sumi;
        if (raw_off) part = part - a * (float)raw_off * (s_mode == S_NEVER ? dy * (float)sumq : s);
        if (dec.b[j] != 0.0f) {
          float ysum = dy * (float)sumq;
          if (len == 32 && s_mode != S_NEVER) ysum = s;
          if (len == 16 && p0 == 0 && s_mode == S_HALVES) ysum = s - dy * (float)sumq_piece[1];
          part = part - dec.b[j] * ysum;
        }
        acc = acc + part;
      }
    }
  }
  return acc;
}

/* A float product as dequantize_mul_mat_vec computes it: w = a*v - b, then
 * a sequential sum, with fma or without. */
static float emulate_f32(crk_qtype t, const uint8_t *wrow, const float *y, int ncols, int use_fma) {
  const crk_qtype_info *info = ref_qtype_info(t);
  float acc = 0.0f;
  ref_block_raw raw;
  ref_block_dec dec;
  for (int blk = 0; blk < ncols / info->block_elems; blk++) {
    ref_block_unpack(t, wrow + (size_t)blk * info->block_bytes, &raw);
    ref_block_decode(t, &raw, &dec);
    for (int i = 0; i < dec.n; i++) {
      const int j = i >> dec.sub_shift;
      const float w = use_fma ? fmaf(dec.a[j], (float)dec.v[i], -dec.b[j]) : dec.a[j] * (float)dec.v[i] - dec.b[j];
      const float yc = y[blk * info->block_elems + i];
      acc = use_fma ? fmaf(w, yc, acc) : acc + w * yc;
    }
  }
  return acc;
}

static void check_consistency_and_tolerance(crk_qtype t, int nrows, int ncols, int ny) {
  const char *tn = ref_qtype_info(t)->name;
  problem p;
  make_problem(&p, t, nrows, ncols, ny, 1000 + t * 31 + ncols);
  const int nb = p.kp / 32, nd = nrows + 3;
  const size_t row_bytes = ref_row_bytes(t, ncols);
  float *ref = malloc((size_t)ny * nd * sizeof *ref), *ref2 = malloc((size_t)ny * nd * sizeof *ref2);
  float *tol = malloc((size_t)ny * nd * sizeof *tol), *tolh = malloc((size_t)ny * nd * sizeof *tolh);
  float *tolf = malloc((size_t)ny * nd * sizeof *tolf), *reff = malloc((size_t)ny * nd * sizeof *reff);
  float *ydeq = malloc((size_t)ny * ncols * sizeof *ydeq);
  for (int j = 0; j < ny; j++) ref_dequantize_q8_1(p.vy + (size_t)j * nb * 36, ydeq + (size_t)j * ncols, ncols);

  ref_matmul_q8_1(t, p.w, nrows, ncols, p.vy, ny, nb, ref, nd);
  ref_matmul_f32(t, p.w, nrows, ncols, ydeq, ny, ncols, ref2, nd);
  int same = 1;
  for (int j = 0; j < ny; j++)
    for (int r = 0; r < nrows; r++) same &= float_bits(ref[j * nd + r]) == float_bits(ref2[j * nd + r]);
  char name[200];
  snprintf(name, sizeof name, "%s: matmul_q8_1 == matmul_f32 of the dequantized activations (%dx%d, %d vectors)",
           tn, nrows, ncols, ny);
  CHECK(same, name, "results differ");

  ref_matmul_q8_1_tolerance(t, p.w, nrows, ncols, p.vy, ny, nb, tol, nd);
  ref_matmul_q8_1_tolerance_ex(t, p.w, nrows, ncols, p.vy, ny, nb, tolh, nd, REF_TOL_HALF_INTERMEDIATES);
  ref_matmul_f32(t, p.w, nrows, ncols, p.y, ny, ncols, reff, nd);
  ref_matmul_f32_tolerance(t, p.w, nrows, ncols, p.y, ny, ncols, tolf, nd);

  int over = 0, over_h = 0, over_f = 0, missed = 0, outputs = 0;
  double worst = 0.0, worst_f = 0.0, tol_sum = 0.0, ref2_sum = 0.0;
  for (int j = 0; j < ny; j++)
    for (int r = 0; r < nrows; r++) {
      const uint8_t *wrow = p.w + (size_t)r * row_bytes, *yrow = p.vy + (size_t)j * nb * 36;
      const int o = j * nd + r;
      for (int mode = S_NEVER; mode <= S_HALVES; mode++) {
        const double e = fabs((double)emulate_q8_1(t, wrow, yrow, ncols, 0, 0, 0, mode) - ref[o]);
        const double eh = fabs((double)emulate_q8_1(t, wrow, yrow, ncols, 0, 0, 1, mode) - ref[o]);
        over += !(e <= tol[o]);
        over_h += !(eh <= tolh[o]);
        worst = fmax(worst, e / tol[o]);
      }
      /* Losing one 32-block must show (8 of them at long k, where the
       * worst-case float bound has grown with k). */
      const int nskip = ncols > 1024 ? 8 : 1, skip = (r * 7 + j * 3) % (ncols / 32 - nskip + 1);
      missed += fabs((double)emulate_q8_1(t, wrow, yrow, ncols, skip, nskip, 0, S_UPSTREAM) - ref[o]) <= tol[o];
      for (int f = 0; f < 2; f++) {
        const double ef = fabs((double)emulate_f32(t, wrow, p.y + (size_t)j * ncols, ncols, f) - reff[o]);
        over_f += !(ef <= tolf[o]);
        worst_f = fmax(worst_f, ef / tolf[o]);
      }
      tol_sum += tol[o];
      ref2_sum += (double)ref[o] * ref[o];
      outputs++;
    }
  snprintf(name, sizeof name,
           "%s: q8_1 kernel emulations (s never, as upstream, for halves) within tolerance (k = %d; "
           "worst error/tol %.3f, mean tol / RMS of results %.2g)", tn,
           ncols, worst, tol_sum / sqrt(ref2_sum * outputs));
  CHECK(over == 0, name, "%d of %d outputs past tolerance", over, 3 * outputs);
  snprintf(name, sizeof name, "%s: emulation with half-rounded scales within the HALF_INTERMEDIATES tolerance", tn);
  CHECK(over_h == 0, name, "%d of %d outputs past tolerance", over_h, 3 * outputs);
  snprintf(name, sizeof name, "%s: float-activation emulation (plain and fma) within tolerance (worst %.3f)", tn,
           worst_f);
  CHECK(over_f == 0, name, "%d of %d outputs past tolerance", over_f, 2 * outputs);
  /* The float term is a worst case that grows with k, so at long k it takes
   * a larger bug to stand out for sure: ask for most outputs, not all. */
  const int limit = ncols > 1024 ? outputs / 2 : outputs / 4;
  snprintf(name, sizeof name, "%s: tolerance catches %s (missed in %d of %d outputs, at most %d)", tn,
           ncols > 1024 ? "8 lost blocks" : "a lost block", missed, outputs, limit);
  CHECK(missed <= limit, name, "the tolerance is too loose to see the bug");

  free(ref); free(ref2); free(tol); free(tolh); free(tolf); free(reff); free(ydeq);
  free_problem(&p);
}

/* ------------------------------------------------------------------ get_rows */
static void check_get_rows(void) {
  /* Plain types by hand: 3 rows of 4 values, ids repeat and go backwards. */
  const float f[12] = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0.25f, 65504, 1e-7f};
  uint8_t f16[24], bf16[24];
  for (int i = 0; i < 12; i++) {
    put16(f16 + 2 * i, ref_f32_to_f16(f[i]));
    put16(bf16 + 2 * i, ref_f32_to_bf16(f[i]));
  }
  const uint32_t ids[4] = {2, 0, 2, 1};
  float out[16];
  int bad = 0;
  ref_get_rows(CRK_F32, f, ids, 4, out, 4, 16);
  for (int i = 0; i < 16; i++) bad += out[i] != f[ids[i / 4] * 4 + i % 4];
  ref_get_rows(CRK_F16, f16, ids, 4, out, 4, 8);
  for (int i = 0; i < 16; i++) bad += out[i] != ref_f16_to_f32(ref_f32_to_f16(f[ids[i / 4] * 4 + i % 4]));
  ref_get_rows(CRK_BF16, bf16, ids, 4, out, 4, 8);
  for (int i = 0; i < 16; i++) bad += out[i] != ref_bf16_to_f32(ref_f32_to_bf16(f[ids[i / 4] * 4 + i % 4]));
  CHECK(bad == 0 && out[0] == 0.5f && out[4] == 1.0f, "get_rows f32/f16/bf16: gathered rows by hand",
        "%d values wrong", bad);

  /* Quantized: rows nb01 bytes apart, including a stride with slack between rows. */
  for (int ti = 0; ti < N_GPU_TYPES; ti++) {
    const crk_qtype t = gpu_types[ti];
    const crk_qtype_info *info = ref_qtype_info(t);
    const int ne00 = 512, nrow = 5;
    const size_t rb = ref_row_bytes(t, ne00), nb01 = rb + 3 * info->block_bytes + 1;  /* odd on purpose */
    uint8_t *src = calloc(nrow, nb01);
    float *row = malloc(ne00 * sizeof *row), *got = malloc(6 * ne00 * sizeof *got);
    ref_rng rng;
    ref_rng_seed(&rng, 77 + t);
    for (int r = 0; r < nrow; r++) {
      for (int c = 0; c < ne00; c++) row[c] = ref_rng_normal(&rng);
      ref_quantize(t, row, src + r * nb01, ne00);
    }
    const uint32_t qids[6] = {4, 0, 4, 1, 3, 2};
    ref_get_rows(t, src, qids, 6, got, ne00, nb01);
    bad = 0;
    for (int i = 0; i < 6; i++) {
      ref_dequantize(t, src + qids[i] * nb01, row, ne00);
      for (int c = 0; c < ne00; c++) bad += float_bits(got[i * ne00 + c]) != float_bits(row[c]);
    }
    char name[96];
    snprintf(name, sizeof name, "get_rows %s: rows nb01 = %zu bytes apart, repeated ids", info->name, nb01);
    CHECK(bad == 0, name, "%d values wrong", bad);
    free(src); free(row); free(got);
  }
}

/* ------------------------------------------------------- indexed_moe_forward */
static void check_moe(crk_qtype t, int k) {
  const crk_qtype_info *info = ref_qtype_info(t);
  const int n = 5, experts = 3, batch = 2, topk = 2, kp = ref_pad(k);
  const size_t mat_bytes = ref_row_bytes(t, k) * n;
  uint8_t *mats[3], *w = malloc(mat_bytes * experts);
  ref_rng rng;
  ref_rng_seed(&rng, 500 + t);
  float *wf = malloc((size_t)n * k * sizeof *wf);
  for (int e = 0; e < experts; e++) {
    for (int i = 0; i < n * k; i++) wf[i] = ref_rng_normal(&rng) * (float)(e + 1);
    mats[e] = malloc(mat_bytes);
    ref_quantize(t, wf, mats[e], (int64_t)n * k);
    memcpy(w + e * mat_bytes, mats[e], mat_bytes);  /* experts back to back */
  }
  free(wf);
  const int tasks = batch * topk;
  float *x = malloc((size_t)tasks * k * sizeof *x);
  for (int i = 0; i < tasks * k; i++) x[i] = ref_rng_normal(&rng);
  uint8_t *xq = malloc((size_t)tasks * (kp / 32) * 36);
  ref_quantize_q8_1(x, xq, k, kp, tasks);
  const uint32_t ids[4] = {2, 0, 1, 2};
  float *out = malloc((size_t)tasks * n * sizeof *out), *tol = malloc((size_t)tasks * n * sizeof *tol);
  float want[5], want_tol[5];
  for (int dim1 = 0; dim1 < 2; dim1++) {
    const int input_dim1 = dim1 ? 1 : tasks;
    ref_indexed_moe_forward(t, w, xq, ids, out, n, k, batch, topk, kp, input_dim1);
    ref_indexed_moe_tolerance(t, w, xq, ids, tol, n, k, batch, topk, kp, input_dim1);
    int bad = 0;
    for (int b = 0; b < batch; b++)
      for (int i = 0; i < topk; i++) {
        const int task = b * topk + i, xrow = input_dim1 == 1 ? b : task;
        ref_matmul_q8_1(t, mats[ids[task]], n, k, xq + (size_t)xrow * (kp / 32) * 36, 1, 0, want, n);
        ref_matmul_q8_1_tolerance(t, mats[ids[task]], n, k, xq + (size_t)xrow * (kp / 32) * 36, 1, 0, want_tol, n);
        for (int r = 0; r < n; r++)
          bad += float_bits(out[task * n + r]) != float_bits(want[r]) ||
                 float_bits(tol[task * n + r]) != float_bits(want_tol[r]);
      }
    char name[128];
    snprintf(name, sizeof name, "indexed_moe %s: k = %d, expert stride e*n*k/%d blocks, input_dim1 = %d",
             info->name, k, ref_moe_qk(t), input_dim1);
    CHECK(bad == 0, name, "%d outputs differ from the per-expert product", bad);
  }
  for (int e = 0; e < experts; e++) free(mats[e]);
  free(w); free(x); free(xq); free(out); free(tol);
}

int main(void) {
  check_hand_products();
  for (int i = 0; i < N_GPU_TYPES; i++) {
    check_consistency_and_tolerance(gpu_types[i], 9, 768, 3);    /* k not a multiple of 512 */
    check_consistency_and_tolerance(gpu_types[i], 16, 4096, 2);  /* a long k */
  }
  check_get_rows();
  CHECK(ref_moe_qk(CRK_Q8_0) == 32 && ref_moe_qk(CRK_Q4_K) == 256, "indexed_moe: QK 32 for q8_0, 256 for K-quants",
        "q8_0 %d", ref_moe_qk(CRK_Q8_0));
  check_moe(CRK_Q8_0, 96);   /* k < 256: a stride counted in 256-blocks would be 0 */
  check_moe(CRK_Q4_K, 512);
  check_moe(CRK_Q6_K, 256);
  CHECK_EXIT();
}
