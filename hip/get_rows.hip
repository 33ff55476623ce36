// get_rows.hip: get_rows_{T} (kernel-abi.md section 3), the embedding
// gather dst[i*ne00 + c] = dequant(row ids[i] of src0)[c], bit-exact with
// GGML's to_float (the values come from dequant.h).
//
// Launch: grid (n_ids, gy, 1); blockIdx.x is the id, blockIdx.y a slice of
// the row. The host caps gy at 65535 for the plain and 32-value types, so
// every kernel strides over the row by gridDim.y slices until it is covered
// (the K-quants get gy = ne00/256, which makes their loop run once).
//   f32 f16 bf16   workgroup 256, one value per thread per slice of 256
//   q4_0..q8_0     workgroup 256, one (j, j+16) pair per thread: 512 values
//   K-quants       workgroup 64 (32 for q4_K), one 256-value block per slice
#include "dequant.h"

// ---- unquantized rows: the row is ne00 elements (nb01 is not needed) ----
template <typename T, float (*CVT)(T)>
CRK_DEV void gr_plain(const void *src0, const uint32_t *ids, float *dst, int64_t ne00) {
  const T *src = (const T *)src0 + (int64_t)ids[blockIdx.x] * ne00;
  float *out = dst + (int64_t)blockIdx.x * ne00;
  const int64_t stride = (int64_t)gridDim.y * 256;
  for (int64_t c = (int64_t)blockIdx.y * 256 + threadIdx.x; c < ne00; c += stride) out[c] = CVT(src[c]);
}

CRK_DEV float gr_f32(float v) { return v; }
CRK_DEV float gr_f16(crk_half v) { return h2f(v); }
CRK_DEV float gr_bf16(uint16_t v) { return bf162f(v); }

// ---- 32-value blocks: pair g (of ne00/2) is (j, j+16), j = g%16, of block g/16
template <typename B, void (*PAIR)(const B *, int, float &, float &)>
CRK_DEV void gr_q32(const void *src0, const uint32_t *ids, float *dst, int64_t ne00, size_t nb01) {
  const B *row = (const B *)((const uint8_t *)src0 + (size_t)ids[blockIdx.x] * nb01);
  float *out = dst + (int64_t)blockIdx.x * ne00;
  const int64_t npairs = ne00 / 2, stride = (int64_t)gridDim.y * 256;
  for (int64_t g = (int64_t)blockIdx.y * 256 + threadIdx.x; g < npairs; g += stride) {
    const int64_t ib = g / 16;
    const int j = (int)(g % 16);
    float v0, v1;
    PAIR(row + ib, j, v0, v1);
    out[ib * 32 + j] = v0;
    out[ib * 32 + j + 16] = v1;
  }
}

// ---- 256-value blocks: thread t writes values N*t .. N*t+N-1 of a block ---
template <int N, typename B, void (*RUN)(const B *, int, float *)>
CRK_DEV void gr_qk(const void *src0, const uint32_t *ids, float *dst, int64_t ne00, size_t nb01) {
  const B *row = (const B *)((const uint8_t *)src0 + (size_t)ids[blockIdx.x] * nb01);
  float *out = dst + (int64_t)blockIdx.x * ne00;
  const int e0 = N * threadIdx.x;
  for (int64_t ib = blockIdx.y; ib < ne00 / QK_K; ib += gridDim.y) {
    float v[N];
    RUN(row + ib, e0, v);
#pragma unroll
    for (int i = 0; i < N; ++i) out[ib * QK_K + e0 + i] = v[i];
  }
}

#define GR_ARGS                                                                      \
  const void *__restrict__ src0, const uint32_t *__restrict__ ids, float *__restrict__ dst, \
      int64_t ne00, size_t nb01

#define GR_PLAIN(NAME, T)                                                             \
  CRK_KERNEL void __launch_bounds__(256) get_rows_##NAME(GR_ARGS) {                   \
    (void)nb01;                                                                       \
    gr_plain<T, gr_##NAME>(src0, ids, dst, ne00);                                     \
  }
#define GR_Q32(T)                                                                     \
  CRK_KERNEL void __launch_bounds__(256) get_rows_##T(GR_ARGS) {                      \
    gr_q32<block_##T, dq_##T##_pair>(src0, ids, dst, ne00, nb01);                     \
  }
#define GR_QK(T, WG)                                                                  \
  CRK_KERNEL void __launch_bounds__(WG) get_rows_##T(GR_ARGS) {                       \
    gr_qk<QK_K / WG, block_##T, dq_##T##_run<QK_K / WG>>(src0, ids, dst, ne00, nb01); \
  }

GR_PLAIN(f32, float)
GR_PLAIN(f16, crk_half)
GR_PLAIN(bf16, uint16_t)
GR_Q32(q4_0)
GR_Q32(q4_1)
GR_Q32(q5_0)
GR_Q32(q5_1)
GR_Q32(q8_0)
GR_QK(q2_K, 64)
GR_QK(q3_K, 64)
GR_QK(q4_K, 32)
GR_QK(q5_K, 64)
GR_QK(q6_K, 64)
