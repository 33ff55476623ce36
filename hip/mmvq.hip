// mmvq.hip: mul_mat_vec_{T}_q8_1_cuda{B}, quantized weights times B q8_1
// activation vectors (kernel-abi.md section 3), 10 types x B = 1..8.
//
// Host launch: workgroup (32, B <= 4 ? 4 : 2, 1); grid (B == 1 ? nrows_x :
// ceil(nrows_x / 2), 1, 1). So a workgroup owns one row for B == 1 and two
// rows for B >= 2; with odd
// nrows_x the last workgroup has fewer real rows and reads and writes only
// those. The y-dimension warps split the row's columns (vecdot.h,
// vdot_mmvq_sums; for q3_K at B == 1 vdot_mmvq_planes); each weight byte is
// read once for all B vectors.
//
// Pointers: vx and vy are allocation bases (16-byte aligned), as every host
// passes them; q4_K/q5_K rows are then 16-byte aligned and read with aligned
// 16-byte loads, the other types cope with any 2-byte alignment of a row.
#include "vecdot.h"

// The plan of each kernel (type WT, B vectors), the same on every platform:
//   NQ  whole groups per lane (8), or half groups (4) for the two-row kernels
//       with more vectors than the type's MAX_B (mmvq_whole8), where halves
//       keep the decoded weights of both rows, the B x 2 sums and one
//       activation block within 64 VGPRs. Whole groups read and decode each
//       group once per lane instead of twice (one y.d, y.s and float update
//       per 32 values, not 16): gfx942 VALU per KiB -8.5% (q3_K) to -29.9%
//       (q4_K) at B = 8, vector memory instructions -20 to -30%. MAX_B is the
//       largest B whose whole-group kernel fits 64 VGPRs on gfx942 (no
//       scratch): 8 for q4_0 q4_1 q5_0 q8_0 q3_K q4_K (46-63 VGPRs), 7 for
//       q5_1 q5_K (63, 64; 65, 66 at B = 8), 5 for q2_K (63; 65-69 above),
//       4 for q6_K (64-66 at B = 5, 6; its whole groups also convert a sum
//       that can pass 2^22 and were +1.8% VALU at B = 8);
//   MIN_BLOCKS  (NVIDIA) workgroups per multiprocessor the registers must
//       allow (VDOT_LAUNCH_BOUNDS): the counterpart of the AMD 64-VGPR cap.
//       NVIDIA has no scalar registers, so pointers and loop state that sit
//       in SGPRs on AMD take vector registers there: 64 registers a thread
//       (65536 / (threads * MIN_BLOCKS)) for B = 1, 96 for the two-row
//       kernels, where 64 spills.
// The rows of a workgroup are loaded one after the other (scheduling barrier
// in vdot_mmvq_sums, to stay within 64 VGPRs). Merging workgroups (one
// computing the rows of two, the other exiting) was measured: +0.05 to +0.1
// of copy bandwidth on the H100 proxy for B = 1, but on AMD the merged rows
// would add their latencies rather than overlap them, so it is not done
// (docs/BENCHMARKS.md).
// MAX_B per type, and where an arch's compiler needs more than its budget
// for some of those kernels: the scalar dot path (gfx900, gfx1010 and their
// generic targets: 96 VGPRs) spilled q2_K at B = 5 and q4_1, q4_K at B = 8,
// so it keeps halves at B >= 5; gfx906 spilled q3_K at B = 5, which keeps
// halves there.
#if CRK_AMD && defined(CRK_DOT4_SCALAR)
#define MMVQ_MAX_B(B_ALL, B_GFX906) 4
#elif CRK_AMD && defined(__gfx906__)
#define MMVQ_MAX_B(B_ALL, B_GFX906) (B_GFX906)
#else
#define MMVQ_MAX_B(B_ALL, B_GFX906) (B_ALL)
#endif
template <template <int> class WT>
struct mmvq_whole8 { static constexpr int MAX_B = 4; };
template <> struct mmvq_whole8<vdot_w_q4_0> { static constexpr int MAX_B = MMVQ_MAX_B(8, 8); };
template <> struct mmvq_whole8<vdot_w_q4_1> { static constexpr int MAX_B = MMVQ_MAX_B(8, 8); };
template <> struct mmvq_whole8<vdot_w_q5_0> { static constexpr int MAX_B = MMVQ_MAX_B(8, 8); };
template <> struct mmvq_whole8<vdot_w_q8_0> { static constexpr int MAX_B = MMVQ_MAX_B(8, 8); };
template <> struct mmvq_whole8<vdot_w_q3_K> { static constexpr int MAX_B = MMVQ_MAX_B(8, 4); };
template <> struct mmvq_whole8<vdot_w_q4_K> { static constexpr int MAX_B = MMVQ_MAX_B(8, 8); };
template <> struct mmvq_whole8<vdot_w_q5_1> { static constexpr int MAX_B = MMVQ_MAX_B(7, 7); };
template <> struct mmvq_whole8<vdot_w_q5_K> { static constexpr int MAX_B = MMVQ_MAX_B(7, 7); };
// NVIDIA: q2_K's whole groups at B = 5 spill 4 bytes within the 102
// registers of MIN_BLOCKS 10 (ptxas, nvcc 13): halves there.
#if CRK_NVIDIA
template <> struct mmvq_whole8<vdot_w_q2_K> { static constexpr int MAX_B = 4; };
#else
template <> struct mmvq_whole8<vdot_w_q2_K> { static constexpr int MAX_B = MMVQ_MAX_B(5, 5); };
#endif

template <template <int> class WT, int B>
struct mmvq_plan {
  static constexpr int NQ = B <= mmvq_whole8<WT>::MAX_B ? 8 : 4;
  static constexpr int MIN_BLOCKS = B == 1 ? 8 : B <= 4 ? 5 : 10;  // 128, 128, 64 threads
};

template <template <int> class WT, int B>
CRK_DEV void vdot_mmvq(const void *__restrict__ vx, const void *__restrict__ vy, float *__restrict__ dst,
                     int ncols_x, int nrows_x, int nrows_y, int nrows_dst) {
  using P = mmvq_plan<WT, B>;
  constexpr int NWARPS = B <= 4 ? 4 : 2;
  constexpr int R = B == 1 ? 1 : 2;  // the host's rows per workgroup
  const int row0 = (int)blockIdx.x * R;
  const int nr = nrows_x - row0 < R ? nrows_x - row0 : R;  // 1..R real rows
  using W = WT<8>;
  const size_t row_bytes = (size_t)(ncols_x / W::QK) * W::BYTES;
  const uint8_t *x0 = (const uint8_t *)vx + (size_t)row0 * row_bytes;
  // A missing row reads the first again (never past W) and is not stored.
  vdot_src w[R];
#pragma unroll
  for (int r = 0; r < R; ++r) w[r] = vdot_make_src(r < nr ? x0 + r * row_bytes : x0);
  float acc[B][R];
  using PL = typename vdot_planes<WT>::type;
  if constexpr (B == 1 && vdot_planes<WT>::ok) {
    // One lane per half piece of four bit planes (vecdot.h section 7).
    acc[0][0] = vdot_mmvq_planes<PL, NWARPS>(w[0], (const uint8_t *)vy, ncols_x / W::QK, (int)threadIdx.y);
  } else {
    vdot_mmvq_sums<WT, B, R, NWARPS, P::NQ>(w, (const uint8_t *)vy, (size_t)(nrows_y / QK8_1) * sizeof(block_q8_1),
                                         ncols_x / 32, (int)threadIdx.y, acc);
  }
  vdot_mmvq_store<B, R, NWARPS>(acc, dst + row0, nrows_dst, nr);
}

#define VDOT_MMVQ_KERNEL(T, B)                                                                      \
  CRK_KERNEL void VDOT_LAUNCH_BOUNDS(B <= 4 ? 128 : 64, (mmvq_plan<vdot_w_##T, B>::MIN_BLOCKS)) CRK_MATVEC_OCCUPANCY  \
  mul_mat_vec_##T##_q8_1_cuda##B(                                                                  \
      const void *vx, const void *vy, float *dst, int ncols_x, int nrows_x, int nrows_y,          \
      int nrows_dst) {                                                                            \
    vdot_mmvq<vdot_w_##T, B>(vx, vy, dst, ncols_x, nrows_x, nrows_y, nrows_dst);                      \
  }

#define VDOT_MMVQ_TYPE(T) \
  VDOT_MMVQ_KERNEL(T, 1)  \
  VDOT_MMVQ_KERNEL(T, 2)  \
  VDOT_MMVQ_KERNEL(T, 3)  \
  VDOT_MMVQ_KERNEL(T, 4)  \
  VDOT_MMVQ_KERNEL(T, 5)  \
  VDOT_MMVQ_KERNEL(T, 6)  \
  VDOT_MMVQ_KERNEL(T, 7)  \
  VDOT_MMVQ_KERNEL(T, 8)

VDOT_MMVQ_TYPE(q4_0)
VDOT_MMVQ_TYPE(q4_1)
VDOT_MMVQ_TYPE(q5_0)
VDOT_MMVQ_TYPE(q5_1)
VDOT_MMVQ_TYPE(q8_0)
VDOT_MMVQ_TYPE(q2_K)
VDOT_MMVQ_TYPE(q3_K)
VDOT_MMVQ_TYPE(q4_K)
VDOT_MMVQ_TYPE(q5_K)
VDOT_MMVQ_TYPE(q6_K)
