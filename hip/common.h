// common.h: the one device header every kernel family builds on.
//
// Its sections, each numbered below:
//   1. the constants of the ABI (logical warp, block sizes);
//   2. the GGML block formats of spec/kernel-abi.md section 1, and the one
//      decoder of the q4_K/q5_K packed scales (GGML's get_scale_min_k4);
//   3. half <-> float conversions;
//   4. the logical 32-lane warp reductions;
//   5. the per-arch int8 dot product;
//   6. unaligned 32-bit loads;
//   7. wide loads of dword runs, and re-alignment;
//   8. the register budget of the mat-vec kernels.
// Portability comes first, before section 1: the same .hip source compiles
// with clang -x hip for AMD and with nvcc for the NVIDIA proxy build (HIP's
// own NVIDIA headers do not build with CUDA 13, so we map the few names we
// use ourselves).
//
// Launch shapes are chosen by the host with 32-wide x dimensions. gfx9
// (GCN/CDNA) runs 64-wide wavefronts and RDNA 32-wide, so every kernel here
// reasons about a *logical* warp of 32 lanes (threadIdx.x in 0..31): the
// reductions below only ever exchange data inside an aligned group of 32
// lanes, which is right whether the hardware packs one or two such groups
// into a wavefront.
#pragma once

#if defined(__HIP__)
#  include <hip/hip_runtime.h>
#  define CRK_AMD 1
#elif defined(__CUDACC__)
#  include <cuda_fp16.h>
#  define CRK_NVIDIA 1
#else
#  error "hip/common.h: compile with clang -x hip (AMD) or nvcc (NVIDIA)"
#endif

#include <stdint.h>

#define CRK_DEV static __device__ __forceinline__
#define CRK_KERNEL extern "C" __global__
// Member functions cannot be `static` like CRK_DEV functions.
#define CRK_MEMBER __device__ __forceinline__

// ---------------------------------------------------------------------------
// 1. Constants of the ABI
// ---------------------------------------------------------------------------
#define CRK_WARP 32                /* logical warp: host x dimension */
#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK_K 256
#define K_SCALE_SIZE 12

// ---------------------------------------------------------------------------
// 2. Block formats. Halves are kept as raw bits (uint16_t) so the structs are
//    plain C on both compilers; h2f() converts. Sizes are asserted below.
// ---------------------------------------------------------------------------
typedef uint16_t crk_half;

typedef struct { crk_half d; uint8_t qs[QK4_0 / 2]; } block_q4_0;
typedef struct { crk_half d, m; uint8_t qs[QK4_1 / 2]; } block_q4_1;
typedef struct { crk_half d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; } block_q5_0;
typedef struct { crk_half d, m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; } block_q5_1;
typedef struct { crk_half d; int8_t qs[QK8_0]; } block_q8_0;
typedef struct { crk_half d, s; int8_t qs[QK8_1]; } block_q8_1;  /* s: float sum of the 32 inputs */
typedef struct { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; crk_half d, dmin; } block_q2_K;
typedef struct { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[K_SCALE_SIZE]; crk_half d; } block_q3_K;
typedef struct { crk_half d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { crk_half d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; crk_half d; } block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;

static_assert(sizeof(block_q4_0) == 18, "q4_0 size");
static_assert(sizeof(block_q4_1) == 20, "q4_1 size");
static_assert(sizeof(block_q5_0) == 22, "q5_0 size");
static_assert(sizeof(block_q5_1) == 24, "q5_1 size");
static_assert(sizeof(block_q8_0) == 34, "q8_0 size");
static_assert(sizeof(block_q8_1) == 36, "q8_1 size");
static_assert(sizeof(block_q2_K) == 84, "q2_K size");
static_assert(sizeof(block_q3_K) == 110, "q3_K size");
static_assert(sizeof(block_q4_K) == 144, "q4_K size");
static_assert(sizeof(block_q5_K) == 176, "q5_K size");
static_assert(sizeof(block_q6_K) == 210, "q6_K size");
static_assert(sizeof(block_q8_K) == 292, "q8_K size");

// q4_K and q5_K pack eight 6-bit (scale, min) pairs, one per 32-value
// sub-block s (0..7), into scales[12] (GGML's get_scale_min_k4):
//   s < 4:  scale = scales[s] & 63,   min = scales[s + 4] & 63
//   s >= 4: scale = (scales[s + 4] & 15) | (scales[s - 4] >> 6) << 4
//           min   = (scales[s + 4] >> 4) | (scales[s]     >> 6) << 4
// With t = s % 4 every case reads only b0 = scales[t], b1 = scales[t + 4]
// and b2 = scales[t + 8] (each 0..255), which the caller fetches as suits
// its loads. T: the caller's integer type.
template <class T>
CRK_DEV void crk_scale_min_k4(T b0, T b1, T b2, int s, T &sc, T &mn) {
  sc = s < 4 ? b0 & 63 : (b2 & 15) | ((b0 >> 6) << 4);
  mn = s < 4 ? b1 & 63 : (b2 >> 4) | ((b1 >> 6) << 4);
}

// ---------------------------------------------------------------------------
// 3. Half <-> float
// ---------------------------------------------------------------------------
#if CRK_AMD
CRK_DEV float h2f(crk_half h) { return (float)__builtin_bit_cast(_Float16, h); }
CRK_DEV crk_half f2h(float f) { return __builtin_bit_cast(crk_half, (_Float16)f); }
typedef _Float16 crk_f16;   /* element type of the f16 outputs */
#else
CRK_DEV float h2f(crk_half h) { return __half2float(__ushort_as_half(h)); }
CRK_DEV crk_half f2h(float f) { return __half_as_ushort(__float2half_rn(f)); }
typedef __half crk_f16;
#endif
CRK_DEV crk_f16 f2f16(float f) { return (crk_f16)f; }

// bf16 is the top half of an f32: exact widening, no rounding involved.
CRK_DEV float bf162f(uint16_t b) { return __uint_as_float((uint32_t)b << 16); }

// ---------------------------------------------------------------------------
// 4. Logical 32-lane warp reductions (butterfly over lanes 0..31 of a group)
// ---------------------------------------------------------------------------
#if CRK_AMD
CRK_DEV float crk_shfl_xor(float v, int m) { return __shfl_xor(v, m, CRK_WARP); }
CRK_DEV int crk_shfl_xor(int v, int m) { return __shfl_xor(v, m, CRK_WARP); }
#else
CRK_DEV float crk_shfl_xor(float v, int m) { return __shfl_xor_sync(0xffffffffu, v, m, CRK_WARP); }
CRK_DEV int crk_shfl_xor(int v, int m) { return __shfl_xor_sync(0xffffffffu, v, m, CRK_WARP); }
#endif

CRK_DEV float warp_sum(float v) {
#pragma unroll
  for (int m = CRK_WARP / 2; m > 0; m >>= 1) v += crk_shfl_xor(v, m);
  return v;
}
CRK_DEV int warp_sum(int v) {
#pragma unroll
  for (int m = CRK_WARP / 2; m > 0; m >>= 1) v += crk_shfl_xor(v, m);
  return v;
}
CRK_DEV float warp_max(float v) {
#pragma unroll
  for (int m = CRK_WARP / 2; m > 0; m >>= 1) v = fmaxf(v, crk_shfl_xor(v, m));
  return v;
}

// ---------------------------------------------------------------------------
// 5. Int8 dot product: c + sum of the four signed byte products of a and b.
//    Which path each arch takes:
//      gfx906 gfx908 gfx90a gfx940-942 gfx950,        v_dot4_i32_i8 (sdot4)
//      gfx1011 gfx1012, gfx1030-1036, gfx10-3-generic
//      gfx11xx, gfx12xx (and their generic targets)   v_dot4_i32_iu8 (sudot4,
//                                                     both operands signed)
//      gfx900, gfx1010, gfx9/gfx10-1-generic, others  four multiply-adds
//      NVIDIA proxy build                             dp4a (the same operation)
// ---------------------------------------------------------------------------
#if CRK_AMD
#  if defined(__gfx906__) || defined(__gfx908__) || defined(__gfx90a__) || \
      defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__) || \
      defined(__gfx1030__) || defined(__gfx1031__) || defined(__gfx1032__) || \
      defined(__gfx1033__) || defined(__gfx1034__) || defined(__gfx1035__) || \
      defined(__gfx1036__) || \
      defined(__gfx950__) || defined(__gfx1011__) || defined(__gfx1012__) || defined(__gfx10_3_generic__)
#    define CRK_DOT4_SDOT4 1
#  elif defined(__GFX11__) || defined(__GFX12__)
#    define CRK_DOT4_SUDOT4 1
#  else
#    define CRK_DOT4_SCALAR 1
#  endif
#endif

CRK_DEV int dot4_i8(int a, int b, int c) {
#if CRK_NVIDIA
  return __dp4a(a, b, c);
#elif defined(CRK_DOT4_SDOT4)
  return __builtin_amdgcn_sdot4(a, b, c, false);
#elif defined(CRK_DOT4_SUDOT4)
  return __builtin_amdgcn_sudot4(true, a, true, b, c, false);
#else
  const int8_t *pa = (const int8_t *)&a, *pb = (const int8_t *)&b;
  return c + pa[0] * pb[0] + pa[1] * pb[1] + pa[2] * pb[2] + pa[3] * pb[3];
#endif
}

// The first product of a chain: c + a.b with c a compile-time constant
// (dot4_i8_from<C>) or a value that stays live after (dot4_i8_start). On the
// CRK_DOT4_SDOT4 archs the sdot4 builtin is the VOP2 v_dot4c_i32_i8, which
// accumulates in place, so the compiler first copies c into the destination
// (one v_mov per chain: a fifth of the dot instructions of mat-vec at B = 8);
// their VOP3P v_dot4_i32_i8 takes c as an operand (an inline constant, an
// SGPR for any other constant, or a VGPR). Elsewhere plain dot4_i8.
#if CRK_AMD && defined(CRK_DOT4_SDOT4)
template <int C>
CRK_DEV int dot4_i8_from(int a, int b) {
  int r;
  if constexpr (C == 0)
    __asm__("v_dot4_i32_i8 %0, %1, %2, 0" : "=v"(r) : "v"(a), "v"(b));
  else
    __asm__("v_dot4_i32_i8 %0, %1, %2, %3" : "=v"(r) : "v"(a), "v"(b), "s"(C));
  return r;
}
CRK_DEV int dot4_i8_start(int a, int b, int c) {
  int r;
  __asm__("v_dot4_i32_i8 %0, %1, %2, %3" : "=v"(r) : "v"(a), "v"(b), "v"(c));
  return r;
}
#else
template <int C>
CRK_DEV int dot4_i8_from(int a, int b) { return dot4_i8(a, b, C); }
CRK_DEV int dot4_i8_start(int a, int b, int c) { return dot4_i8(a, b, c); }
#endif

// Bits 0..3 of b moved to bit 0 of bytes 0..3 (b < 16): b, b<<7, b<<14,
// b<<21 do not overlap, so the product is their OR; the mask keeps bit i of
// b at bit 8i. (The 5th bits of q5_0/q5_1, the high bits of q3_K.)
CRK_DEV uint32_t crk_spread4(uint32_t b) { return (b * 0x00204081u) & 0x01010101u; }

// Packed fp32 (v_pk_fma_f32, v_pk_mul_f32, v_pk_add_f32: two floats a lane
// per instruction): gfx90a, gfx940-942, gfx950. crk_f32x2 is the pair.
#if CRK_AMD
typedef float crk_f32x2 __attribute__((ext_vector_type(2)));
#  if defined(__gfx90a__) || defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__) || defined(__gfx950__)
#    define CRK_PK_F32 1
CRK_DEV crk_f32x2 crk_fma2(crk_f32x2 a, crk_f32x2 b, crk_f32x2 c) { return __builtin_elementwise_fma(a, b, c); }
#  endif
#endif

// ---------------------------------------------------------------------------
// 6. Unaligned 32-bit loads. Blocks are 2-byte aligned at best (18, 22, 34,
//    36, 110 and 210 byte strides), so a 4-byte field is read as two halves.
// ---------------------------------------------------------------------------
CRK_DEV int load_i32_a2(const void *p) {
  const uint16_t *h = (const uint16_t *)p;
  return (int)((uint32_t)h[0] | ((uint32_t)h[1] << 16));
}

// ---------------------------------------------------------------------------
// 7. Wide loads of dword runs, and re-alignment
//
// AMD: global loads of 2 or 4 dwords need only 4-byte alignment, so a run of
// dwords at a 4-aligned address is one global_load_dwordx2/x4 (the vector
// types below carry align 4). NVIDIA needs natural alignment for vector
// loads, so there crk_ld_u32 reads dword by dword (vecdot.h has its own
// 16-byte-chunk path for NVIDIA).
// ---------------------------------------------------------------------------
#if CRK_AMD
typedef uint32_t crk_u32x2 __attribute__((ext_vector_type(2), aligned(4)));
typedef uint32_t crk_u32x4 __attribute__((ext_vector_type(4), aligned(4)));
typedef float crk_f32x4 __attribute__((ext_vector_type(4), aligned(4)));
#endif

// N dwords from a 4-aligned p (a multiple of 4 goes as x4 loads).
template <int N>
CRK_DEV void crk_ld_u32(const void *p, uint32_t *w) {
  const uint32_t *q = (const uint32_t *)p;
#if CRK_AMD
  int i = 0;
#pragma unroll
  for (; i + 4 <= N; i += 4) {
    const crk_u32x4 v = *(const crk_u32x4 *)(q + i);
    w[i] = v.x; w[i + 1] = v.y; w[i + 2] = v.z; w[i + 3] = v.w;
  }
  if (N - i >= 2) {
    const crk_u32x2 v = *(const crk_u32x2 *)(q + i);
    w[i] = v.x; w[i + 1] = v.y;
    i += 2;
  }
  if (N - i == 1) w[i] = q[i];
#else
#pragma unroll
  for (int i = 0; i < N; ++i) w[i] = q[i];
#endif
}

// Bits [sh, sh+32) of the 64-bit pair hi:lo, sh in 0..31: re-aligns bytes
// read as aligned dwords (one v_alignbit_b32 on AMD, a funnel shift on NVIDIA).
CRK_DEV uint32_t crk_funnel(uint32_t lo, uint32_t hi, uint32_t sh) {
#if CRK_AMD
  return __builtin_amdgcn_alignbit(hi, lo, sh);
#else
  return __funnelshift_r(lo, hi, sh);
#endif
}

// ---------------------------------------------------------------------------
// 8. Register budget of the mat-vec kernels (mmvq.hip, moe.hip)
//
// On AMD every mat-vec kernel is held to 64 VGPRs: 8 waves per SIMD on
// gfx90a/gfx942 (512 registers per lane), the most gfx906/gfx908 reach with
// these workgroups, and plenty on RDNA. The kernels stream memory, so
// occupancy hides latency better than unrolling would. On the scalar dot
// path (gfx900, gfx1010 and their generic targets) the byte products need
// more: 64 spilled 32 VGPRs on gfx900 and 15 on gfx1010, so the cap there is
// 96, the least multiple of 32 without a spill (gfx900 needs 88, gfx1010 96).
// NVIDIA's counterpart is the minimum-blocks argument of VD_LAUNCH_BOUNDS.
// ---------------------------------------------------------------------------
#if CRK_AMD
#  if defined(CRK_DOT4_SCALAR)
#    define CRK_MATVEC_VGPRS 96
#  else
#    define CRK_MATVEC_VGPRS 64
#  endif
#  define CRK_MATVEC_OCCUPANCY __attribute__((amdgpu_num_vgpr(CRK_MATVEC_VGPRS)))
#else
#  define CRK_MATVEC_OCCUPANCY
#endif
