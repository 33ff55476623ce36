// moe.hip: indexed_moe_forward_{q2k,q3k,q4k,q5k,q6k,q8_0}_q8_1, the
// mixture-of-experts mat-vec (kernel-abi.md section 3).
//
// w holds num_experts weight matrices of n rows x k columns, one after
// another; expert e starts at block e*n*k/QK, i.e. at byte e * n * row_bytes
// (QK = 32 for q8_0: the upstream kernel uses 256 there, which is wrong).
// For task t = b*topk + i: out[t*n + r] = sum_c W_e[r][c] * x[c] with
// e = ids[t] and x the q8_1 row (input_dim1 == 1 ? b : t) of k_padded/32
// blocks.
//
// Host launch: grid (n, batch, topk), workgroup (32, 4, 1): one row of one
// task per workgroup, the four warps splitting the row's columns, exactly
// the mmvq B == 1 scheme (vecdot.h). w and xq are allocation bases (16-byte
// aligned), as in mmvq.hip.
#include "vecdot.h"

template <template <int> class WT>
CRK_DEV void vdot_moe(const void *__restrict__ w, const void *__restrict__ xq, const uint32_t *__restrict__ ids,
                    float *__restrict__ out, int n, int k, int topk, int k_padded, int input_dim1) {
  using W = WT<8>;
  const int r = (int)blockIdx.x, b = (int)blockIdx.y, i = (int)blockIdx.z;
  const int64_t t = (int64_t)b * topk + i;
  const size_t e = ids[t];
  const size_t row_bytes = (size_t)(k / W::QK) * W::BYTES;
  const vdot_src w0[1] = {vdot_make_src((const uint8_t *)w + (e * (size_t)n + (size_t)r) * row_bytes)};
  const int64_t xrow = input_dim1 == 1 ? (int64_t)b : t;
  const uint8_t *x = (const uint8_t *)xq + (size_t)xrow * (size_t)(k_padded / QK8_1) * sizeof(block_q8_1);
  float acc[1][1];
  vdot_mmvq_sums<WT, 1, 1, 4, 8>(w0, x, 0, k / 32, (int)threadIdx.y, acc);
  vdot_mmvq_store<1, 1, 4>(acc, out + t * n + r, 0, 1);
}

#define VDOT_MOE_KERNEL(NAME, T)                                                                        \
  CRK_KERNEL void VDOT_LAUNCH_BOUNDS(128, 8) CRK_MATVEC_OCCUPANCY indexed_moe_forward_##NAME##_q8_1(       \
      const void *w, const void *xq, const uint32_t *ids, float *out, int n, int k, int batch, int topk, \
      int k_padded, int input_dim1) {                                                                 \
    (void)batch; /* the grid's y extent */                                                            \
    vdot_moe<vdot_w_##T>(w, xq, ids, out, n, k, topk, k_padded, input_dim1);                              \
  }

VDOT_MOE_KERNEL(q2k, q2_K)
VDOT_MOE_KERNEL(q3k, q3_K)
VDOT_MOE_KERNEL(q4k, q4_K)
VDOT_MOE_KERNEL(q5k, q5_K)
VDOT_MOE_KERNEL(q6k, q6_K)
VDOT_MOE_KERNEL(q8_0, q8_0)
