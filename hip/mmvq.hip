// mmvq.hip: mul_mat_vec_{T}_q8_1_cuda{B}, quantized weights times B q8_1
// activation vectors (kernel-abi.md section 3), 10 types x B = 1..8.
//
// Host launch: workgroup (32, B <= 4 ? 4 : 2, 1); grid (B == 1 ? nrows_x :
// ceil(nrows_x / 2), 1, 1). So a workgroup owns one row for B == 1 and two
// rows for B >= 2; with odd nrows_x the last workgroup has one real row and
// reads and writes only that one. The y-dimension warps split the row's
// columns (vecdot.h, kv_mmvq_sums); each weight byte is read once for all B
// vectors.
//
// Pointers: vx and vy are allocation bases (16-byte aligned), as every host
// passes them; q4_K/q5_K rows are then 16-byte aligned and read with aligned
// 16-byte loads, the other types cope with any 2-byte alignment of a row.
#include "vecdot.h"

// On AMD, hold every kernel to 64 VGPRs: 8 waves per SIMD on gfx90a/gfx942
// (512 registers per lane), the most gfx906/gfx908 reach with these
// workgroups, and plenty on RDNA. The kernels stream memory, so occupancy
// hides latency better than unrolling would.
#if CRK_AMD
#define KV_OCCUPANCY __attribute__((amdgpu_num_vgpr(64)))
#else
#define KV_OCCUPANCY
#endif

// Whole groups per lane, except for the two-row kernels with many vectors,
// where half groups keep the decoded weights of both rows, the B x 2 sums
// and one activation block within 64 VGPRs.
// (KV_NV_B8_WHOLE: whole groups for B = 8 in the NVIDIA build, a tuning knob.)
#if CRK_NVIDIA && defined(KV_NV_B8_WHOLE) && KV_NV_B8_WHOLE
#define KV_B8_NQ 8
#else
#define KV_B8_NQ 4
#endif
template <int B>
CRK_DEV constexpr int kv_mmvq_nq() { return B == 8 ? KV_B8_NQ : B >= 5 ? 4 : 8; }

// NVIDIA register bounds (KV_LAUNCH_BOUNDS): B == 1, 128 threads, 10 per
// multiprocessor: <= 48 registers; B = 2..4, 128 threads, 5: <= 96; B >= 5,
// 64 threads, 10: <= 96. None of them spills.
#ifndef KV_NV_B1_MIN_BLOCKS
#define KV_NV_B1_MIN_BLOCKS 10
#endif
#ifndef KV_NV_B4_MIN_BLOCKS
#define KV_NV_B4_MIN_BLOCKS 5
#endif
#ifndef KV_NV_B8_MIN_BLOCKS
#define KV_NV_B8_MIN_BLOCKS 10
#endif
#define KV_NV_MIN_BLOCKS(B) \
  ((B) == 1 ? KV_NV_B1_MIN_BLOCKS : (B) <= 4 ? KV_NV_B4_MIN_BLOCKS : (B) < 8 ? 10 : KV_NV_B8_MIN_BLOCKS)

// Merged workgroups: of every M consecutive workgroups of the host's grid
// the first computes the rows of all M and the others exit at once, so a
// lane reads M rows' units per step (more bytes in flight per lane) and the
// reduction and workgroup start are paid once per M workgroups. M for B = 1,
// B = 2..4, B = 5..7 and B = 8:
#ifndef KV_MERGE1
#define KV_MERGE1 1
#endif
#ifndef KV_MERGE4
#define KV_MERGE4 1
#endif
#ifndef KV_MERGE5
#define KV_MERGE5 1
#endif
#ifndef KV_MERGE8
#define KV_MERGE8 1
#endif
template <int B>
CRK_DEV constexpr int kv_merge() { return B == 1 ? KV_MERGE1 : B <= 4 ? KV_MERGE4 : B < 8 ? KV_MERGE5 : KV_MERGE8; }

// Vector sets: the workgroup's warps split the B vectors into VS sets (each
// warp its set's vectors over its share of the columns) rather than only
// the columns, so a lane holds B/VS x R sums instead of B x R. VS = 2 for
// B = 8 (two warps, four vectors each, every column), 1 otherwise.
#ifndef KV_VSPLIT8
#define KV_VSPLIT8 1
#endif
template <int B>
CRK_DEV constexpr int kv_vsplit() { return B == 8 ? KV_VSPLIT8 : 1; }

template <template <int> class WT, int B>
CRK_DEV void kv_mmvq(const void *__restrict__ vx, const void *__restrict__ vy, float *__restrict__ dst,
                     int ncols_x, int nrows_x, int nrows_y, int nrows_dst) {
  constexpr int NWARPS = B <= 4 ? 4 : 2;
  constexpr int M = kv_merge<B>();
  constexpr int R = (B == 1 ? 1 : 2) * M;  // the host's rows per workgroup, times M
  if (blockIdx.x % M != 0) return;         // the whole workgroup: no barrier is skipped
  const int row0 = (int)(blockIdx.x / M) * R;
  const int nr = nrows_x - row0 < R ? nrows_x - row0 : R;  // 1..R real rows
  using W = WT<8>;
  const size_t row_bytes = (size_t)(ncols_x / W::QK) * W::BYTES;
  const uint8_t *x0 = (const uint8_t *)vx + (size_t)row0 * row_bytes;
  // A missing row reads the first again (never past W) and is not stored.
  kv_src w[R];
#pragma unroll
  for (int r = 0; r < R; ++r) w[r] = kv_make_src(r < nr ? x0 + r * row_bytes : x0);
  constexpr int VS = kv_vsplit<B>(), BV = B / VS;
  const int vset = (int)threadIdx.y % VS, cw = (int)threadIdx.y / VS;
  const size_t ystride = (size_t)(nrows_y / QK8_1) * sizeof(block_q8_1);
  float acc[BV][R];
  kv_mmvq_sums<WT, BV, R, NWARPS, NWARPS / VS, kv_mmvq_nq<B>()>(w, (const uint8_t *)vy + vset * BV * ystride, ystride,
                                                      ncols_x / 32, cw, acc);
  kv_mmvq_store<BV, R, NWARPS, VS>(acc, dst + row0 + (int64_t)vset * BV * nrows_dst, nrows_dst, nr);
}

#define KV_MMVQ_KERNEL(T, B)                                                                      \
  CRK_KERNEL void KV_LAUNCH_BOUNDS(B <= 4 ? 128 : 64, KV_NV_MIN_BLOCKS(B)) KV_OCCUPANCY                \
  mul_mat_vec_##T##_q8_1_cuda##B(                                                                  \
      const void *vx, const void *vy, float *dst, int ncols_x, int nrows_x, int nrows_y,          \
      int nrows_dst) {                                                                            \
    kv_mmvq<kv_w_##T, B>(vx, vy, dst, ncols_x, nrows_x, nrows_y, nrows_dst);                      \
  }

#define KV_MMVQ_TYPE(T) \
  KV_MMVQ_KERNEL(T, 1)  \
  KV_MMVQ_KERNEL(T, 2)  \
  KV_MMVQ_KERNEL(T, 3)  \
  KV_MMVQ_KERNEL(T, 4)  \
  KV_MMVQ_KERNEL(T, 5)  \
  KV_MMVQ_KERNEL(T, 6)  \
  KV_MMVQ_KERNEL(T, 7)  \
  KV_MMVQ_KERNEL(T, 8)

KV_MMVQ_TYPE(q4_0)
KV_MMVQ_TYPE(q4_1)
KV_MMVQ_TYPE(q5_0)
KV_MMVQ_TYPE(q5_1)
KV_MMVQ_TYPE(q8_0)
KV_MMVQ_TYPE(q2_K)
KV_MMVQ_TYPE(q3_K)
KV_MMVQ_TYPE(q4_K)
KV_MMVQ_TYPE(q5_K)
KV_MMVQ_TYPE(q6_K)
