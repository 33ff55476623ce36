/* kernels.c: kernel names and host launch shapes (kernel-abi.md section 3). */
#include "kernels.h"

#include <stdio.h>
#include <string.h>

/* Block geometry of the GGML formats (kernel-abi.md section 1). Kept here
 * rather than asked of the reference, so that a wrong table in either is
 * caught by the other's results. */
static const struct { const char *name; int elems, bytes; } qtypes[CRK_QTYPE_COUNT] = {
  [CRK_Q4_0] = {"q4_0", 32, 18},  [CRK_Q4_1] = {"q4_1", 32, 20},  [CRK_Q5_0] = {"q5_0", 32, 22},
  [CRK_Q5_1] = {"q5_1", 32, 24},  [CRK_Q8_0] = {"q8_0", 32, 34},  [CRK_Q2_K] = {"q2_K", 256, 84},
  [CRK_Q3_K] = {"q3_K", 256, 110}, [CRK_Q4_K] = {"q4_K", 256, 144}, [CRK_Q5_K] = {"q5_K", 256, 176},
  [CRK_Q6_K] = {"q6_K", 256, 210}, [CRK_Q8_K] = {"q8_K", 256, 292},
};

const char *type_name(int t) {
  if (t == CRK_F32) return "f32";
  if (t == CRK_F16) return "f16";
  if (t == CRK_BF16) return "bf16";
  return t >= 0 && t < CRK_QTYPE_COUNT ? qtypes[t].name : "?";
}
int type_block_elems(int t) { return t >= CRK_F32 ? 1 : qtypes[t].elems; }
int type_block_bytes(int t) { return t == CRK_F32 ? 4 : t >= CRK_F16 ? 2 : qtypes[t].bytes; }
size_t type_bytes(int t, int64_t n) {
  return (size_t)(n / type_block_elems(t)) * (size_t)type_block_bytes(t);
}
size_t weight_slack_bytes(int t) {
  return (size_t)512 * type_block_bytes(t) / type_block_elems(t);
}
static int is_k_quant(int t) { return t >= CRK_Q2_K && t <= CRK_Q8_K; }

void mmq_tile(int t, int *mx, int *my) {
  switch (t) {
  case CRK_Q5_0: case CRK_Q5_1: case CRK_Q8_0: *mx = 128; *my = 64; break;
  case CRK_Q3_K: *mx = 128; *my = 128; break;
  case CRK_Q6_K: *mx = 64; *my = 64; break;
  default: *mx = 64; *my = 128; break; /* q4_0 q4_1 q2_K q4_K q5_K */
  }
}

const char *family_name(int f) {
  static const char *names[FAM_COUNT] = {"quantize", "dequantize", "get_rows", "dmmv",
                                         "mul_mat_vec", "mul_mat", "indexed_moe"};
  return f >= 0 && f < FAM_COUNT ? names[f] : "?";
}

static kernel_desc *add(kernel_desc *d, int fam, int type, int f16, int batch, const char *name) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%s", name);
  d->family = fam;
  d->type = type;
  d->f16_out = f16;
  d->batch = batch;
  return d + 1;
}

int kernel_catalog(kernel_desc *out) {
  static const int dot_types[] = {CRK_Q4_0, CRK_Q4_1, CRK_Q5_0, CRK_Q5_1, CRK_Q8_0,
                                  CRK_Q2_K, CRK_Q3_K, CRK_Q4_K, CRK_Q5_K, CRK_Q6_K};
  static const int moe_types[] = {CRK_Q2_K, CRK_Q3_K, CRK_Q4_K, CRK_Q5_K, CRK_Q6_K, CRK_Q8_0};
  char n[64];
  kernel_desc *d = out;
  d = add(d, FAM_QUANTIZE, -1, 0, 0, "quantize_q8_1");
  for (int t = 0; t < CRK_QTYPE_COUNT; t++)
    for (int h = 0; h < 2; h++) {
      snprintf(n, sizeof n, "dequantize_block_%s_%s", qtypes[t].name, h ? "f16" : "f32");
      d = add(d, FAM_DEQUANT, t, h, 0, n);
    }
  d = add(d, FAM_GET_ROWS, CRK_F32, 0, 0, "get_rows_f32");
  d = add(d, FAM_GET_ROWS, CRK_F16, 0, 0, "get_rows_f16");
  d = add(d, FAM_GET_ROWS, CRK_BF16, 0, 0, "get_rows_bf16");
  for (int i = 0; i < 10; i++) {
    snprintf(n, sizeof n, "get_rows_%s", qtypes[dot_types[i]].name);
    d = add(d, FAM_GET_ROWS, dot_types[i], 0, 0, n);
  }
  for (int i = 0; i < 10; i++) {
    int t = dot_types[i];
    if (is_k_quant(t)) /* q2_K -> dequantize_mul_mat_vec_q2_k */
      snprintf(n, sizeof n, "dequantize_mul_mat_vec_q%c_k", qtypes[t].name[1]);
    else
      snprintf(n, sizeof n, "dequantize_mul_mat_vec_%s_cuda", qtypes[t].name);
    d = add(d, FAM_DMMV, t, 0, 0, n);
  }
  for (int i = 0; i < 10; i++)
    for (int b = 1; b <= 8; b++) {
      snprintf(n, sizeof n, "mul_mat_vec_%s_q8_1_cuda%d", qtypes[dot_types[i]].name, b);
      d = add(d, FAM_MMVQ, dot_types[i], 0, b, n);
    }
  for (int i = 0; i < 10; i++) {
    snprintf(n, sizeof n, "mul_mat_%s", qtypes[dot_types[i]].name);
    d = add(d, FAM_MMQ, dot_types[i], 0, 0, n);
  }
  for (int i = 0; i < 6; i++) {
    int t = moe_types[i];
    if (is_k_quant(t)) /* q2_K -> indexed_moe_forward_q2k_q8_1 */
      snprintf(n, sizeof n, "indexed_moe_forward_q%ck_q8_1", qtypes[t].name[1]);
    else
      snprintf(n, sizeof n, "indexed_moe_forward_%s_q8_1", qtypes[t].name);
    d = add(d, FAM_MOE, t, 0, 0, n);
  }
  return (int)(d - out);
}

/* ---- launchers ---------------------------------------------------------- */

static unsigned ceil_div(int64_t a, int64_t b) { return (unsigned)((a + b - 1) / b); }

int host_rows_per_launch = 65535;
int host_gy_cap = 65535;

int launch_quantize_q8_1(void *fn, gpu_ptr x, gpu_ptr vy, int kx, int rows) {
  int kx_padded = pad512(kx);
  for (int r0 = 0; r0 < rows; r0 += host_rows_per_launch) {
    int nr = rows - r0 < host_rows_per_launch ? rows - r0 : host_rows_per_launch;
    gpu_ptr xr = x + (gpu_ptr)r0 * (gpu_ptr)kx * sizeof(float);
    gpu_ptr yr = vy + (gpu_ptr)r0 * (gpu_ptr)(kx_padded / 32) * 36u;
    void *args[] = {&xr, &yr, &kx, &kx_padded};
    unsigned grid[3] = {ceil_div(kx_padded, 256), (unsigned)nr, 1}, block[3] = {256, 1, 1};
    if (gpu_launch(fn, grid, block, args)) return -1;
  }
  return 0;
}

int launch_dequantize(void *fn, int t, gpu_ptr vx, gpu_ptr y, int64_t n) {
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  switch (t) {
  case CRK_Q4_0: case CRK_Q4_1: case CRK_Q8_0: {
    int nb32 = (int)(n / 32);
    void *args[] = {&vx, &y, &nb32};
    grid[0] = ceil_div(n, 256);
    block[0] = 32;
    return gpu_launch(fn, grid, block, args);
  }
  case CRK_Q5_0: case CRK_Q5_1: {
    int k = (int)n;
    void *args[] = {&vx, &y, &k};
    grid[0] = ceil_div(n, 512);
    block[0] = 256;
    return gpu_launch(fn, grid, block, args);
  }
  default: {
    void *args[] = {&vx, &y};
    grid[0] = ceil_div(n, 256);
    block[0] = t == CRK_Q4_K || t == CRK_Q8_K ? 32 : 64;
    return gpu_launch(fn, grid, block, args);
  }
  }
}

unsigned get_rows_gy(int t, int64_t ne00) {
  int64_t gy;
  if (t >= CRK_F32) gy = (ne00 + 255) / 256;
  else if (!is_k_quant(t)) gy = (ne00 + 511) / 512;
  else return (unsigned)(ne00 / 256); /* exact; the spec caps nothing here */
  return (unsigned)(gy < host_gy_cap ? gy : host_gy_cap);
}

int launch_get_rows(void *fn, int t, gpu_ptr src0, gpu_ptr ids, gpu_ptr dst, int n_ids,
                    int64_t ne00, size_t nb01) {
  void *args[] = {&src0, &ids, &dst, &ne00, &nb01};
  unsigned grid[3] = {(unsigned)n_ids, get_rows_gy(t, ne00), 1};
  unsigned block[3] = {is_k_quant(t) ? (t == CRK_Q4_K ? 32u : 64u) : 256u, 1, 1};
  return gpu_launch(fn, grid, block, args);
}

int launch_dmmv(void *fn, gpu_ptr vx, gpu_ptr y, gpu_ptr dst, int ncols, int nrows) {
  void *args[] = {&vx, &y, &dst, &ncols, &nrows};
  unsigned grid[3] = {(unsigned)nrows, 1, 1}, block[3] = {32, 1, 1};
  return gpu_launch(fn, grid, block, args);
}

int launch_mmvq(void *fn, int batch, gpu_ptr vx, gpu_ptr vy, gpu_ptr dst, int ncols_x, int nrows_x,
                int nrows_dst) {
  int nrows_y = pad512(ncols_x);
  void *args[] = {&vx, &vy, &dst, &ncols_x, &nrows_x, &nrows_y, &nrows_dst};
  unsigned grid[3] = {batch == 1 ? (unsigned)nrows_x : ceil_div(nrows_x, 2), 1, 1};
  unsigned block[3] = {32, batch <= 4 ? 4u : 2u, 1};
  return gpu_launch(fn, grid, block, args);
}

int launch_mmq(void *fn, int t, gpu_ptr vx, gpu_ptr vy, gpu_ptr dst, int ncols_x, int nrows_x,
               int ncols_y, int nrows_dst) {
  int nrows_y = pad512(ncols_x), mx, my;
  mmq_tile(t, &mx, &my);
  void *args[] = {&vx, &vy, &dst, &ncols_x, &nrows_x, &ncols_y, &nrows_y, &nrows_dst};
  unsigned grid[3] = {ceil_div(nrows_x, my), ceil_div(ncols_y, mx), 1}, block[3] = {32, 4, 1};
  return gpu_launch(fn, grid, block, args);
}

int launch_moe(void *fn, gpu_ptr w, gpu_ptr xq, gpu_ptr ids, gpu_ptr out, int n, int k, int batch,
               int topk, int input_dim1) {
  int k_padded = pad512(k);
  void *args[] = {&w, &xq, &ids, &out, &n, &k, &batch, &topk, &k_padded, &input_dim1};
  unsigned grid[3] = {(unsigned)n, (unsigned)batch, (unsigned)topk}, block[3] = {32, 4, 1};
  return gpu_launch(fn, grid, block, args);
}
