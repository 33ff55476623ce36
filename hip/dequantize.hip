// dequantize.hip: dequantize_block_{T}_{f32,f16} (kernel-abi.md section 3),
// a contiguous run of blocks -> y[0..n), bit-exact with GGML's to_float.
//
// Each kernel is written for the one launch shape its host uses:
//   q4_0 q4_1 q8_0       (vx, y, nb32)  grid ceil(n/256)  workgroup 32
//   q5_0 q5_1            (vx, y, k)     grid ceil(n/512)  workgroup 256
//   q2_K q3_K q5_K q6_K  (vx, y)        grid n/256        workgroup 64
//   q4_K q8_K            (vx, y)        grid n/256        workgroup 32
#include "dequant.h"

// ---- 32-value blocks, 8 blocks (256 values) per workgroup of 32 ---------
// Thread t: block 8*blockIdx.x + t/4, bytes qs[4*(t%4) .. +3], i.e. values
// j and j+16 for j in 4*(t%4) .. +3 (8 values).
template <typename B, void (*PAIR)(const B *, int, float &, float &), typename T>
CRK_DEV void dqb_wg32_blocks(const void *vx, T *y, int nb32) {
  const int64_t ib = (int64_t)blockIdx.x * 8 + threadIdx.x / 4;
  if (ib >= nb32) return;
  const B *b = (const B *)vx + ib;
  const int j0 = 4 * (threadIdx.x % 4);
  T *out = y + ib * 32;
#pragma unroll
  for (int j = j0; j < j0 + 4; ++j) {
    float v0, v1;
    PAIR(b, j, v0, v1);
    dq_put(out, j, v0);
    dq_put(out, j + 16, v1);
  }
}

// ---- 32-value blocks, 512 values per workgroup of 256 -------------------
// Global thread g owns the pair (j, j+16), j = g%16, of block g/16.
template <typename B, void (*PAIR)(const B *, int, float &, float &), typename T>
CRK_DEV void dqb_wg256_pairs(const void *vx, T *y, int k) {
  const int64_t g = (int64_t)blockIdx.x * 256 + threadIdx.x;
  if (2 * g >= k) return;  // k is a multiple of 32: whole blocks only
  const int64_t ib = g / 16;
  const int j = (int)(g % 16);
  float v0, v1;
  PAIR((const B *)vx + ib, j, v0, v1);
  dq_put(y, ib * 32 + j, v0);
  dq_put(y, ib * 32 + j + 16, v1);
}

// ---- 256-value blocks, one block per workgroup --------------------------
// Thread t writes the N = 256/blockDim consecutive values N*t .. N*t+N-1.
template <int N, typename B, void (*RUN)(const B *, int, float *), typename T>
CRK_DEV void dqb_k_block(const void *vx, T *y) {
  const B *b = (const B *)vx + blockIdx.x;
  const int e0 = N * threadIdx.x;
  float v[N];
  RUN(b, e0, v);
  T *out = y + (int64_t)blockIdx.x * QK_K + e0;
#pragma unroll
  for (int i = 0; i < N; ++i) dq_put(out, i, v[i]);
}

#define DQB_WG32(T, OUT, OT)                                                             \
  CRK_KERNEL void __launch_bounds__(32)                                                  \
  dequantize_block_##T##_##OUT(const void *__restrict__ vx, OT *__restrict__ y, int nb32) { \
    dqb_wg32_blocks<block_##T, dq_##T##_pair>(vx, y, nb32);                              \
  }
#define DQB_WG256(T, OUT, OT)                                                            \
  CRK_KERNEL void __launch_bounds__(256)                                                 \
  dequantize_block_##T##_##OUT(const void *__restrict__ vx, OT *__restrict__ y, int k) {    \
    dqb_wg256_pairs<block_##T, dq_##T##_pair>(vx, y, k);                                 \
  }
#define DQB_K(T, WG, OUT, OT)                                                            \
  CRK_KERNEL void __launch_bounds__(WG)                                                  \
  dequantize_block_##T##_##OUT(const void *__restrict__ vx, OT *__restrict__ y) {           \
    dqb_k_block<QK_K / WG, block_##T, dq_##T##_run<QK_K / WG>>(vx, y);                   \
  }
#define DQB_BOTH(M, ...) M(__VA_ARGS__, f32, float) M(__VA_ARGS__, f16, crk_f16)

DQB_BOTH(DQB_WG32, q4_0)
DQB_BOTH(DQB_WG32, q4_1)
DQB_BOTH(DQB_WG32, q8_0)
DQB_BOTH(DQB_WG256, q5_0)
DQB_BOTH(DQB_WG256, q5_1)
DQB_BOTH(DQB_K, q2_K, 64)
DQB_BOTH(DQB_K, q3_K, 64)
DQB_BOTH(DQB_K, q5_K, 64)
DQB_BOTH(DQB_K, q6_K, 64)
DQB_BOTH(DQB_K, q4_K, 32)
DQB_BOTH(DQB_K, q8_K, 32)
