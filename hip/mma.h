// mma.h: 16x16 int8 matrix tiles on the matrix instructions of each vendor,
// for the mul_mat_{T} kernels (mmq.hip).
//
// One operation: D (16x16, int32) += A (16 rows x 32 k, int8) * B (16
// columns x 32 k, int8)^T, with A and B read from LDS, where row r of A (and
// column c of B) holds its 32 values as 8 ints (4 values each, k ascending)
// in two 16-byte chunks. Which lane holds which A/B bytes and which D
// element is the instruction's business: the kernel only gives, through a
// view, the address of int k4 (0..7) of a row, and reads D through
// mma_row/mma_col. The layouts below are those of AMD's matrix instruction
// calculator and of the PTX ISA (checked for the AMD ones, in the emulator,
// by ../shared/emu/matrix-check).
//
// Backends, chosen at compile time (CRK_MMA is 0 elsewhere: the kernels keep
// their dot4 path):
//   CRK_MMA_MFMA   gfx940-942 (CDNA3, wave64): v_mfma_i32_16x16x32_i8,
//                  one instruction per 32 k.
//   CRK_MMA_WMMA11 gfx11 (RDNA3/3.5, wave32): v_wmma_i32_16x16x16_iu8_w32,
//                  two per 32 k (both operands signed).
//   CRK_MMA_WMMA12 gfx12 (RDNA4, wave32): v_wmma_i32_16x16x16_iu8_w32_gfx12.
//   CRK_MMA_PTX    NVIDIA sm_80 and later (the proxy build):
//                  mma.sync m16n8k32 s8, two per 32 k (columns 0-7, 8-15);
//                  a 16-value half is m16n8k16 on the same registers.
// gfx908/gfx90a have int8 MFMA too (v_mfma_i32_16x16x16i8) but stay on dot4:
// the emulator cannot execute their MFMA opcodes (test/emu/README.md).
//
// mma_mul_half multiplies only k in [16h, 16h+16): the K types with a scale
// per 16 values (q3_K q6_K) need the two halves apart. gfx942's
// instruction has no 16-k form: there the other half's A is zeroed (or, by
// mma_half, either operand's, once per fragment).
#pragma once
#include "common.h"

#if CRK_AMD && (defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__))
#  define CRK_MMA_MFMA 1
#elif CRK_AMD && defined(__GFX11__)
#  define CRK_MMA_WMMA11 1
#elif CRK_AMD && defined(__GFX12__)
#  define CRK_MMA_WMMA12 1
#elif CRK_NVIDIA && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#  define CRK_MMA_PTX 1
#endif

#if defined(CRK_MMA_MFMA) || defined(CRK_MMA_WMMA11) || defined(CRK_MMA_WMMA12) || defined(CRK_MMA_PTX)
#  define CRK_MMA 1
#else
#  define CRK_MMA 0
#endif

#if CRK_MMA

#if defined(CRK_MMA_MFMA)
#  define MMA_WAVE 64                 /* lanes of a wave */
#  define MMA_E 4                     /* D elements per lane */
typedef int mma_i32x4 __attribute__((ext_vector_type(4)));
// A/B: lane L holds row L%16, ints 2(L/16), 2(L/16)+1 (k 8(L/16) .. +7).
struct mma_frag { long v; };
struct mma_acc { mma_i32x4 v; };
#elif defined(CRK_MMA_WMMA11) || defined(CRK_MMA_WMMA12)
#  define MMA_WAVE 32
#  define MMA_E 8
typedef int mma_i32x8 __attribute__((ext_vector_type(8)));
#  if defined(CRK_MMA_WMMA11)
typedef int mma_i32x4 __attribute__((ext_vector_type(4)));
// A/B of k step u (k 16u .. 16u+15): lane L holds row L%16, ints 4u .. 4u+3
// (lanes 16-31 repeat lanes 0-15).
struct mma_frag { mma_i32x4 v[2]; };
#  else
typedef int mma_i32x2 __attribute__((ext_vector_type(2)));
// A/B of k step u: lane L holds row L%16, ints 4u + 2(L/16), +1.
struct mma_frag { mma_i32x2 v[2]; };
#  endif
struct mma_acc { mma_i32x8 v; };
#else  // CRK_MMA_PTX
#  define MMA_WAVE 32
#  define MMA_E 8
// g = L/4, t = L%4. A: a0 = row g int t, a1 = row g+8 int t, a2 = row g
// int 4+t, a3 = row g+8 int 4+t. B (per 8 columns n): b0 = column 8n+g int
// t, b1 = column 8n+g int 4+t. D element e (n = e/4, c = e%4): row g + 8(c/2),
// column 8n + 2t + c%2.
struct mma_frag { int v[4]; };
struct mma_acc { int v[8]; };
#endif

CRK_DEV mma_acc mma_zero() {
  mma_acc d;
#if defined(CRK_MMA_PTX)
#pragma unroll
  for (int e = 0; e < MMA_E; ++e) d.v[e] = 0;
#else
  d.v = 0;
#endif
  return d;
}

// Row and column (0..15) of D element e (0..MMA_E-1) in lane L.
CRK_DEV int mma_row(int L, int e) {
#if defined(CRK_MMA_MFMA)
  return 4 * (L >> 4) + e;
#elif defined(CRK_MMA_WMMA11)
  return 2 * e + (L >> 4);
#elif defined(CRK_MMA_WMMA12)
  return 8 * (L >> 4) + e;
#else
  return (L >> 2) + 8 * ((e & 3) >> 1);
#endif
}
CRK_DEV int mma_col(int L, int e) {
#if defined(CRK_MMA_PTX)
  return 8 * (e >> 2) + 2 * (L & 3) + (e & 1);
#else
  (void)e;
  return L & 15;
#endif
}
CRK_DEV int mma_get(const mma_acc &d, int e) { return d.v[e]; }

// The distinct rows and columns of a lane's D elements in a tile: element e
// lies in the lane's row mma_ri(e) (of MMA_NROW) and column mma_ci(e) (of
// MMA_NCOL), which are rows mma_row_i(L, ri) and columns mma_col_i(L, ci).
// On AMD every element of a lane has a row of its own and all share one
// column; on NVIDIA a lane holds 2 rows x 4 columns.
#if defined(CRK_MMA_PTX)
#  define MMA_NROW 2
#  define MMA_NCOL 4
CRK_DEV int mma_ri(int e) { return (e & 3) >> 1; }
CRK_DEV int mma_ci(int e) { return ((e >> 2) << 1) | (e & 1); }
CRK_DEV int mma_row_i(int L, int ri) { return (L >> 2) + 8 * ri; }
CRK_DEV int mma_col_i(int L, int ci) { return 8 * (ci >> 1) + 2 * (L & 3) + (ci & 1); }
#else
#  define MMA_NROW MMA_E
#  define MMA_NCOL 1
CRK_DEV int mma_ri(int e) { return e; }
CRK_DEV int mma_ci(int e) { (void)e; return 0; }
CRK_DEV int mma_row_i(int L, int ri) { return mma_row(L, ri); }
CRK_DEV int mma_col_i(int L, int ci) { (void)ci; return L & 15; }
#endif

// Row slots, for per-row constants kept in LDS: row r of a row-indexed
// array is stored at slot mma_slot(r), a permutation within each group of
// 16 rows, chosen so that on AMD the rows of a lane's elements e = 0 ..
// MMA_E-1 in the tile of rows r0 .. r0+15 (r0 a multiple of 16) are the
// slots r0 + mma_slot0(L) + e: one run of MMA_E, read as 16-byte vectors.
// (gfx11's rows 2e + L/16 are spread out, so its rows are permuted; NVIDIA
// keeps the identity and reads row by row.)
CRK_DEV int mma_slot(int r) {
#if defined(CRK_MMA_WMMA11)
  return (r & ~15) | ((r & 1) << 3) | ((r & 15) >> 1);
#else
  return r;
#endif
}
#if !defined(CRK_MMA_PTX)
CRK_DEV int mma_slot0(int L) { return MMA_E * (L >> 4); }
#endif

// The fragment of the 16 rows r0 .. r0+15 of a view: V::at(r, k4) is the
// address of int k4 (0..7) of row r; ints 4m .. 4m+3 are one 16-byte chunk.
// For A and B alike (B's rows are the columns of the product).
template <class V>
CRK_DEV mma_frag mma_load(const V &view, int r0, int L) {
  mma_frag f;
#if defined(CRK_MMA_MFMA)
  f.v = *(const long *)view.at(r0 + (L & 15), 2 * (L >> 4));
#elif defined(CRK_MMA_WMMA11)
#pragma unroll
  for (int u = 0; u < 2; ++u) f.v[u] = *(const mma_i32x4 *)view.at(r0 + (L & 15), 4 * u);
#elif defined(CRK_MMA_WMMA12)
#pragma unroll
  for (int u = 0; u < 2; ++u) f.v[u] = *(const mma_i32x2 *)view.at(r0 + (L & 15), 4 * u + 2 * (L >> 4));
#else
  const int g = L >> 2, t = L & 3;
  f.v[0] = *view.at(r0 + g, t);
  f.v[1] = *view.at(r0 + g + 8, t);
  f.v[2] = *view.at(r0 + g, 4 + t);
  f.v[3] = *view.at(r0 + g + 8, 4 + t);
#endif
  return f;
}

#if defined(CRK_MMA_PTX)
// D(8 columns) += A * B(8 columns); a: 4 registers, b0/b1: the B registers.
CRK_DEV void mma_ptx(int *d, const int *a, int b0, int b1) {
  asm("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
// The same over 16 k (a0: row g, a1: row g+8, b0: column g; ints t).
CRK_DEV void mma_ptx_k16(int *d, int a0, int a1, int b0) {
  asm("mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5}, {%6}, {%0,%1,%2,%3};"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a0), "r"(a1), "r"(b0));
}
#endif

// D += A * B over all 32 k.
CRK_DEV void mma_mul(mma_acc &d, const mma_frag &a, const mma_frag &b) {
#if defined(CRK_MMA_MFMA)
  d.v = __builtin_amdgcn_mfma_i32_16x16x32_i8(a.v, b.v, d.v, 0, 0, 0);
#elif defined(CRK_MMA_WMMA11)
#pragma unroll
  for (int u = 0; u < 2; ++u) d.v = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32(true, a.v[u], true, b.v[u], d.v, false);
#elif defined(CRK_MMA_WMMA12)
#pragma unroll
  for (int u = 0; u < 2; ++u)
    d.v = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32_gfx12(true, a.v[u], true, b.v[u], d.v, false);
#else
  // B's 16 rows are loaded like A's: columns 8n+g are (row g: v[0], v[2])
  // for n = 0 and (row g+8: v[1], v[3]) for n = 1.
  mma_ptx(d.v, a.v, b.v[0], b.v[2]);
  mma_ptx(d.v + 4, a.v, b.v[1], b.v[3]);
#endif
}

#if defined(CRK_MMA_MFMA)
// The fragment with k outside [16h, 16h+16) zeroed (h a compile-time 0 or
// 1): a product with it is mma_mul_half's.
CRK_DEV mma_frag mma_half(const mma_frag &f, int h, int L) {
  mma_frag z;
  z.v = (L >> 5) == h ? f.v : 0;  // k 16h .. 16h+15 sit in lanes 32h .. 32h+31
  return z;
}
#endif

// D += A * B over k in [16h, 16h+16) only (h a compile-time 0 or 1 after
// unrolling).
CRK_DEV void mma_mul_half(mma_acc &d, const mma_frag &a, const mma_frag &b, int h, int L) {
#if defined(CRK_MMA_MFMA)
  // k 16h .. 16h+15 sit in lanes 32h .. 32h+31: the other lanes' A is zero.
  const long ah = (L >> 5) == h ? a.v : 0;
  d.v = __builtin_amdgcn_mfma_i32_16x16x32_i8(ah, b.v, d.v, 0, 0, 0);
#elif defined(CRK_MMA_WMMA11)
  (void)L;
  d.v = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32(true, a.v[h], true, b.v[h], d.v, false);
#elif defined(CRK_MMA_WMMA12)
  (void)L;
  d.v = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32_gfx12(true, a.v[h], true, b.v[h], d.v, false);
#else
  (void)L;
  // k 16h .. 16h+15 are v[2h] (rows g, columns g) and v[2h+1] (rows g+8,
  // columns 8+g): one m16n8k16 per 8 columns, in the k32 registers' order
  mma_ptx_k16(d.v, a.v[2 * h], a.v[2 * h + 1], b.v[2 * h]);
  mma_ptx_k16(d.v + 4, a.v[2 * h], a.v[2 * h + 1], b.v[2 * h + 1]);
#endif
}

#endif  // CRK_MMA
