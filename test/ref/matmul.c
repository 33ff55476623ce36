/* matmul.c: the reference products (double accumulation) and the other
 * kernel semantics of kernel-abi.md section 3: get_rows, indexed_moe_forward. */
#include <stdlib.h>
#include <string.h>

#include "blocks.h"

/* dst[j*nrows_dst + r] = sum_c W[r][c] * y_j[c], y_j = y + j*y_stride, in double. */
static void matmul_dense_y(crk_qtype t, const void *w, int nrows, int ncols, const float *y, int ny,
                           int64_t y_stride, float *dst, int nrows_dst) {
  const size_t row_bytes = ref_row_bytes(t, ncols);
  float *wrow = malloc((size_t)ncols * sizeof *wrow);
  if (!wrow) abort();
  for (int r = 0; r < nrows; r++) {
    ref_dequantize(t, (const uint8_t *)w + (size_t)r * row_bytes, wrow, ncols);
    for (int j = 0; j < ny; j++) {
      const float *yj = y + (int64_t)j * y_stride;
      double acc = 0.0;
      for (int c = 0; c < ncols; c++) acc += (double)wrow[c] * (double)yj[c];
      dst[(int64_t)j * nrows_dst + r] = (float)acc;
    }
  }
  free(wrow);
}

void ref_matmul_f32(crk_qtype t, const void *w, int nrows, int ncols,
                    const float *y, int ny, int y_stride, float *dst, int nrows_dst) {
  matmul_dense_y(t, w, nrows, ncols, y, ny, y_stride, dst, nrows_dst);
}

void ref_matmul_q8_1(crk_qtype t, const void *w, int nrows, int ncols,
                     const void *vy, int ny, int y_stride_blocks, float *dst, int nrows_dst) {
  /* Dequantize the ny activation rows once (d*q is exact in float). */
  float *y = malloc((size_t)ny * (size_t)ncols * sizeof *y);
  if (!y && ny > 0) abort();
  for (int j = 0; j < ny; j++)
    ref_dequantize_q8_1((const uint8_t *)vy + (size_t)j * (size_t)y_stride_blocks * CRK_Q8_1_BYTES,
                        y + (size_t)j * ncols, ncols);
  matmul_dense_y(t, w, nrows, ncols, y, ny, ncols, dst, nrows_dst);
  free(y);
}

void ref_get_rows(int type, const void *src0, const uint32_t *ids, int n_ids,
                  float *dst, int64_t ne00, size_t nb01) {
  const uint8_t *base = src0;
  for (int i = 0; i < n_ids; i++) {
    const uint8_t *row = base + (size_t)ids[i] * nb01;
    float *out = dst + (int64_t)i * ne00;
    switch (type) {
    case CRK_F32:
      for (int64_t c = 0; c < ne00; c++) out[c] = ref_ldf32(row + 4 * c);
      break;
    case CRK_F16:
      for (int64_t c = 0; c < ne00; c++) out[c] = ref_f16_to_f32(ref_ld16(row + 2 * c));
      break;
    case CRK_BF16:
      for (int64_t c = 0; c < ne00; c++) out[c] = ref_bf16_to_f32(ref_ld16(row + 2 * c));
      break;
    default:
      ref_dequantize((crk_qtype)type, row, out, ne00);
      break;
    }
  }
}

/* The expert stride is counted in blocks of QK values; upstream uses 256 for
 * q8_0 as well, which is wrong: its blocks hold 32. */
int ref_moe_qk(crk_qtype t) { return t == CRK_Q8_0 ? 32 : 256; }

/* Byte offset of expert e's matrix (n x k) in w. */
static size_t moe_expert_offset(crk_qtype t, uint32_t e, int n, int k) {
  return (size_t)e * (size_t)n * (size_t)(k / ref_moe_qk(t)) * (size_t)ref_qtype_info(t)->block_bytes;
}

static const uint8_t *moe_input_row(const void *xq, int b, int task, int k_padded, int input_dim1) {
  const int row = input_dim1 == 1 ? b : task;
  return (const uint8_t *)xq + (size_t)row * (size_t)(k_padded / 32) * CRK_Q8_1_BYTES;
}

void ref_indexed_moe_forward(crk_qtype t, const void *w, const void *xq, const uint32_t *ids,
                             float *out, int n, int k, int batch, int topk, int k_padded,
                             int input_dim1) {
  for (int b = 0; b < batch; b++)
    for (int i = 0; i < topk; i++) {
      const int task = b * topk + i;
      const uint8_t *we = (const uint8_t *)w + moe_expert_offset(t, ids[task], n, k);
      ref_matmul_q8_1(t, we, n, k, moe_input_row(xq, b, task, k_padded, input_dim1), 1, 0,
                      out + (int64_t)task * n, n);
    }
}

void ref_indexed_moe_tolerance(crk_qtype t, const void *w, const void *xq, const uint32_t *ids,
                               float *tol, int n, int k, int batch, int topk, int k_padded,
                               int input_dim1) {
  for (int b = 0; b < batch; b++)
    for (int i = 0; i < topk; i++) {
      const int task = b * topk + i;
      const uint8_t *we = (const uint8_t *)w + moe_expert_offset(t, ids[task], n, k);
      ref_matmul_q8_1_tolerance(t, we, n, k, moe_input_row(xq, b, task, k_padded, input_dim1), 1, 0,
                                tol + (int64_t)task * n, n);
    }
}
