// dmmv.hip: dequantize_mul_mat_vec_* (kernel-abi.md section 3):
// dst[r] = sum_c W[r][c] * y[c], W quantized (ncols/QK blocks per row), y f32.
//
// Launch: grid (nrows,1,1), workgroup (32,1,1): one logical 32-lane warp per
// row (a half-filled wave64 on gfx9, a full wave32 on RDNA).
//
// The row is read in chunks of 256 columns, lane t taking the 8 consecutive
// columns c = chunk + 8t: so the warp reads y as one contiguous kilobyte
// (two 16-byte loads a lane) and the weights of consecutive blocks, and every
// lane decodes one scale per 8 values (the 8 share a block, sub-block and bit
// position in every type). DMMV_UNROLL chunks are in flight per lane: all
// their loads are issued before any arithmetic. y is read once per row, as
// float: 4 bytes per weight against 0.56 (q4_0) to 1.06 (q8_0), so these
// reads come from the caches; keeping them contiguous is what makes the
// kernel run at the memory rate rather than at the rate of cache lines
// touched. Lanes whose columns are past the row end skip the chunk, so any
// ncols that is a multiple of the block size works, with any nrows.
//
// Where in its block a lane's run lies is the same in every chunk, so the
// offsets and shift counts are computed once per lane; per chunk only the
// chunk's base address (the warp's, a scalar on AMD) changes, and the
// K-quant headers (scales, d) are the warp's too: scalar loads and scalar
// ALU work on AMD. On gfx942 a 32-lane workgroup fills half a wave64, so
// every vector instruction costs a full wave's issue: the vector work per
// weight is what these kernels are held to (bench/notes.md).
//
// Weights: vx is a device allocation (4-aligned). Blocks of 2-aligned types
// (q4_0 q5_0 q8_0 q3_K q6_K) are read as aligned dwords re-aligned by funnel
// shifts (crk_funnel in common.h); such a read may reach up to 4 bytes past
// the bytes used: inside the row, or after the last row in the slack the ABI
// guarantees. Those bytes are shifted out and never reach a result.
//
// No bit-exactness is needed here (float sums in any order): each weight is
// dequantized by one fma (q * a + b, a and b per block or sub-block) and
// multiplied into two-float running sums; or, where a signed byte converts
// to float in one instruction (gfx9, NVIDIA), q8_0, q3_K and q6_K hold their
// weights as signed bytes q - offset, summed as a * sum(q * y) (DMMV_SBYTES).
#include "dequant.h"

#define DMMV_LOW4 0x0f0f0f0fu

// ---------------------------------------------------------------------------
// Four floats at a time. On AMD an ext vector: y arrives by 16-byte loads and
// gfx90a/gfx942 run the multiply-adds as packed v_pk_fma_f32 (two per lane
// per instruction); other archs split it. NVIDIA: a plain struct.
// ---------------------------------------------------------------------------
#if CRK_AMD
typedef float dmmv_f4 __attribute__((ext_vector_type(4)));
typedef float dmmv_f2 __attribute__((ext_vector_type(2)));
CRK_DEV dmmv_f4 dmmv_ld4(const float *p) {
  const crk_f32x4 v = *(const crk_f32x4 *)p;  // align 4: one global_load_dwordx4
  return (dmmv_f4){v.x, v.y, v.z, v.w};
}
CRK_DEV dmmv_f4 dmmv_splat(float v) { return (dmmv_f4){v, v, v, v}; }
CRK_DEV dmmv_f2 dmmv_lo(dmmv_f4 v) { return v.xy; }
CRK_DEV dmmv_f2 dmmv_hi(dmmv_f4 v) { return v.zw; }
CRK_DEV dmmv_f2 dmmv_zero2() { return (dmmv_f2){0.0f, 0.0f}; }
#else
struct dmmv_f4 { float x, y, z, w; };
struct dmmv_f2 { float x, y; };
CRK_DEV dmmv_f4 operator+(dmmv_f4 a, dmmv_f4 b) { return {a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w}; }
CRK_DEV dmmv_f4 operator*(dmmv_f4 a, dmmv_f4 b) { return {a.x * b.x, a.y * b.y, a.z * b.z, a.w * b.w}; }
CRK_DEV dmmv_f2 operator+(dmmv_f2 a, dmmv_f2 b) { return {a.x + b.x, a.y + b.y}; }
CRK_DEV dmmv_f2 operator*(dmmv_f2 a, dmmv_f2 b) { return {a.x * b.x, a.y * b.y}; }
// y + c is 32-byte aligned (c a multiple of 8, y a 16-aligned allocation):
// one 16-byte load, as AMD's global_load_dwordx4.
CRK_DEV dmmv_f4 dmmv_ld4(const float *p) {
  const float4 v = *(const float4 *)p;
  return {v.x, v.y, v.z, v.w};
}
CRK_DEV dmmv_f4 dmmv_splat(float v) { return {v, v, v, v}; }
CRK_DEV dmmv_f2 dmmv_lo(dmmv_f4 v) { return {v.x, v.y}; }
CRK_DEV dmmv_f2 dmmv_hi(dmmv_f4 v) { return {v.z, v.w}; }
CRK_DEV dmmv_f2 dmmv_zero2() { return {0.0f, 0.0f}; }
#endif
CRK_DEV float dmmv_hsum(dmmv_f2 v) { return v.x + v.y; }

// The four bytes of m as floats. The empty asm hides from the compiler that
// the caller masked m (to nibbles, 2 or 3 bits), so it keeps one
// v_cvt_f32_ubyte{0..3} per value instead of a bit-field extract plus cvt.
CRK_DEV dmmv_f4 dmmv_bytes(uint32_t m) {
#if defined(__AMDGCN__)
  __asm__("" : "+v"(m));
#endif
  return {(float)(m & 255u), (float)((m >> 8) & 255u), (float)((m >> 16) & 255u), (float)(m >> 24)};
}

// acc + sum of (q * a + b) * y over the four bytes q of m: each weight is
// dequantized to a float (q * a + b, one fma, exact or rounded once), then
// multiplied into the sum: two fmas per value, packed (two values per
// instruction) on gfx90a/gfx942. The running sum is two floats wide.
CRK_DEV dmmv_f2 dmmv_fma4(dmmv_f2 acc, uint32_t m, float a, float b, dmmv_f4 y) {
  const dmmv_f4 w = dmmv_bytes(m) * dmmv_splat(a) + dmmv_splat(b);
  return acc + dmmv_lo(w) * dmmv_lo(y) + dmmv_hi(w) * dmmv_hi(y);
}


// Signed bytes. Where a signed byte converts to float in one instruction
// (gfx9: v_cvt_f32_i32 with an SDWA byte select and sign extension, written
// out below as the compiler makes a bit-field extract plus a conversion of
// it; NVIDIA: I2F.S8 of a byte) a weight q * a with no offset needs no
// dequantizing fma: acc + a * sum(q * y), a multiply-add per value less.
// gfx10-gfx12 keep the unsigned form (q + 128 and an offset; gfx11 and
// gfx12 have no SDWA).
#if CRK_NVIDIA || defined(__GFX9__)
#  define DMMV_SBYTES 1
#  if defined(__GFX9__)
#    define DMMV_SDWA_CVT(B) \
       __asm__("v_cvt_f32_i32_sdwa %0, sext(%1) dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:BYTE_" #B \
               : "=v"(f[B]) : "v"(m))
CRK_DEV dmmv_f4 dmmv_sbytes(uint32_t m) {
  float f[4];
  DMMV_SDWA_CVT(0);
  DMMV_SDWA_CVT(1);
  DMMV_SDWA_CVT(2);
  DMMV_SDWA_CVT(3);
  return {f[0], f[1], f[2], f[3]};
}
#  else
CRK_DEV dmmv_f4 dmmv_sbytes(uint32_t m) {
  return {(float)(int8_t)(uint8_t)m, (float)(int8_t)(uint8_t)(m >> 8), (float)(int8_t)(uint8_t)(m >> 16),
          (float)(int8_t)(uint8_t)(m >> 24)};
}
#  endif
// acc + a * sum over the 8 signed bytes q of q[0..2) of q * y.
CRK_DEV void dmmv_srun(dmmv_f2 &acc, const uint32_t *q, float a, const dmmv_f4 *y) {
  const dmmv_f4 v0 = dmmv_sbytes(q[0]), v1 = dmmv_sbytes(q[1]);
  const dmmv_f2 t = dmmv_lo(v0) * dmmv_lo(y[0]) + dmmv_hi(v0) * dmmv_hi(y[0]) + dmmv_lo(v1) * dmmv_lo(y[1]) +
                    dmmv_hi(v1) * dmmv_hi(y[1]);
  acc = acc + dmmv_lo(dmmv_splat(a)) * t;
}
#else
#  define DMMV_SBYTES 0
#endif

// All of a step's loads are issued above this point and no arithmetic is
// hoisted above it: the scheduler then cannot trade loads in flight for
// decoded weights held early (which costs more registers).
CRK_DEV void dmmv_loads_issued() {
#if defined(__AMDGCN__)
  __builtin_amdgcn_sched_barrier(0);
#endif
}

// acc + sum over a run of 8 values of (q * a + b) * y, q the bytes of q[0..2).
CRK_DEV void dmmv_run(dmmv_f2 &acc, const uint32_t *q, float a, float b, const dmmv_f4 *y) {
  acc = dmmv_fma4(acc, q[0], a, b, y[0]);
  acc = dmmv_fma4(acc, q[1], a, b, y[1]);
}

// Addresses are formed per chunk as an SGPR base (the chunk's, which the
// whole warp shares) plus a lane-constant 32-bit VGPR offset: one
// global_load vN, s[..] each. The empty asm statements hide both parts from
// the compiler, which would otherwise hoist their sum into 64-bit VGPR
// pointers advanced by a 64-bit vector add per load.
// (The base goes through the asm as a global-address-space pointer, so that
// the loads stay global, and scalar where the whole warp reads one address.)
template <class P>
CRK_DEV const P *dmmv_chunk_ptr(const P *p) {
#if defined(__AMDGCN__)
  typedef __attribute__((address_space(1))) const P gP;
  gP *g = (gP *)p;
  __asm__("" : "+s"(g));
  return (const P *)g;
#else
  return p;
#endif
}
// A lane-constant address offset made new each step (an empty asm that
// depends on the step's column c, so it is not hoisted out of the loop, and
// its 64-bit widening with it): loads then take it as a 32-bit VGPR offset
// beside the SGPR base. It costs one v_mov per offset per step on AMD, the
// price of the 64-bit vector add it replaces.
CRK_DEV void dmmv_fresh1(uint32_t c, uint32_t &v) {
#if defined(__AMDGCN__)
  __asm__("" : "+v"(v) : "s"(c));
#else
  (void)c, (void)v;
#endif
}
template <class... A>
CRK_DEV void dmmv_fresh(uint32_t c, A &...v) { (dmmv_fresh1(c, v), ...); }
// N dwords at p + lane offset o (4-aligned; one wide load on AMD), and N
// dwords at p + a constant: the same for the whole warp (scalar loads).
template <int N>
CRK_DEV void dmmv_w(const uint8_t *p, uint32_t o, uint32_t *w) { crk_ld_u32<N>(p + o, w); }
CRK_DEV uint32_t dmmv_w1(const uint8_t *p, uint32_t o) { return *(const uint32_t *)(p + o); }
template <int N>
CRK_DEV void dmmv_wu(const uint8_t *p, uint32_t *w) { crk_ld_u32<N>(p, w); }
CRK_DEV uint32_t dmmv_wu1(const uint8_t *p) { return *(const uint32_t *)p; }
// The half at the 2-aligned p + lane offset o (one 16-bit load), and the
// byte at p + o (one 8-bit load; signed: sign-extended by the load).
CRK_DEV uint32_t dmmv_h1(const uint8_t *p, uint32_t o) { return *(const uint16_t *)(p + o); }
CRK_DEV uint32_t dmmv_b1(const uint8_t *p, uint32_t o) { return p[o]; }
CRK_DEV int dmmv_sb1(const uint8_t *p, uint32_t o) { return (int)(int8_t)p[o]; }
// Pins uniform words to SGPRs (so that their load stays a scalar load).
CRK_DEV void dmmv_sgpr4(uint32_t *w) {
#if defined(__AMDGCN__)
  __asm__("" : "+s"(w[0]), "+s"(w[1]), "+s"(w[2]), "+s"(w[3]));
#else
  (void)w;
#endif
}
// Bits [sh, sh + 32) of the 64-bit hi:lo, sh in 0..63 (a 64-bit shift).
CRK_DEV uint32_t dmmv_shr64(uint32_t lo, uint32_t hi, uint32_t sh) {
  return (uint32_t)((((uint64_t)hi << 32) | lo) >> sh);
}
// The half in the low (HI = 0) or high (HI = 1) 16 bits of w, times x: an
// fma with 0 (not a multiply, which may not drop the -0 of an fma), so that
// gfx9+ convert and multiply in one v_fma_mix_f32.
template <int HI>
CRK_DEV float dmmv_hmul(uint32_t w, float x) { return fmaf(h2f((crk_half)(HI ? w >> 16 : w)), x, 0.0f); }
CRK_DEV uint64_t dmmv_u64(uint32_t lo, uint32_t hi) { return ((uint64_t)hi << 32) | lo; }
// Bits 0..3 of h spread to bit 4 of bytes 0..3 (the 5th bits of q5_0/q5_1),
// and bits 4..7 of h likewise: crk_spread4's multiply, applied to the high
// nibble in place (no shift down and back up).
CRK_DEV uint32_t dmmv_spread_lo(uint32_t h) { return crk_spread4(h & 15u) << 4; }
CRK_DEV uint32_t dmmv_spread_hi(uint32_t h) { return ((h & 0xf0u) * 0x00204081u) & 0x10101010u; }

// ===========================================================================
// The block types. Lane t of the warp takes columns 8t .. 8t+7 of each
// 256-column chunk: one run of 8 values that shares a block, a sub-block
// scale and a bit position in every type. Where in a block lane t's run
// lies is the same for every chunk, so each type computes it once, in its
// lane_t (byte offsets and shift counts), before the loop. Per chunk the
// loop passes p, the chunk's first block rounded down to 4 bytes: an
// address the whole warp shares (a scalar register pair on AMD; loads are
// then SGPR base + lane-constant VGPR offset, and loads of fields the whole
// warp shares, the K-quant headers, go to the scalar unit).
//
//   load<MIS>(r, p, L)      issue the chunk's loads into r
//   dot<MIS>(acc, r, y, L)  acc += sum of w * y over the lane's run
//
// K-quants (one 256-value block per chunk): MIS (0 or 2) is the block's
// offset from p, a compile-time constant (the loop below is instantiated per
// row parity of the 2-aligned types, and chunks go in pairs). Types of 32
// (8 blocks per chunk): lane t's block is t/4 and its offset mod 4 is fixed
// per lane: lane_t carries it (rem: the row's offset mod 4), MIS is 0.
// Re-alignment and bit-plane shifts are folded into one funnel shift.
// A 2-aligned read may reach up to 4 bytes past the bytes used: inside the
// row, or after the last row in the slack the ABI guarantees; those bytes
// are shifted out.
// ===========================================================================
#define DMMV_STATIC static __device__ __forceinline__

// What every lane_t has: yb, the byte offset of the lane's 8 columns of y.
struct dmmv_lane {
  uint32_t yb;
  CRK_MEMBER explicit dmmv_lane(int t) : yb(32u * (uint32_t)t) {}
  CRK_MEMBER void fresh(uint32_t c) { dmmv_fresh(c, yb); }
};

// q4_0 (18 B: d@0, qs[16]@2): value e < 16 is qs[e] & 15, e >= 16
// qs[e-16] >> 4; v = d * q - 8d.
struct dmmv_q4_0 {
  enum { QK = 32, BB = 18, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, qsh, dof;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, dof); }
    CRK_MEMBER lane_t(int t, uint32_t rem) : dmmv_lane(t) {
      const uint32_t bo = rem + 18u * (uint32_t)(t >> 2), q = bo + 2 + 8u * (t & 1);
      qo = q & ~3u, qsh = 8 * (q & 2) + 4 * ((t >> 1) & 1), dof = bo;
    }
  };
  struct raw_t { uint32_t w[3], d; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<3>(p, L.qo, r.w);
    r.d = dmmv_h1(p, L.dof);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    uint32_t q[2];
#pragma unroll
    for (int k = 0; k < 2; ++k) q[k] = crk_funnel(r.w[k], r.w[k + 1], L.qsh) & DMMV_LOW4;
    dmmv_run(acc, q, h2f((crk_half)r.d), dmmv_hmul<0>(r.d, -8.0f), y);
  }
};

// q4_1 (20 B, 4-aligned: d@0, m@2, qs[16]@4): nibbles as q4_0, v = d * q + m.
struct dmmv_q4_1 {
  enum { QK = 32, BB = 20, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, ho, qmask;
    float qscale;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, ho); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      const bool hi = (t >> 1) & 1;
      ho = 20u * (uint32_t)(t >> 2), qo = ho + 4 + 8u * (t & 1);
      qmask = hi ? 0xf0f0f0f0u : DMMV_LOW4, qscale = hi ? 0.0625f : 1.0f;
    }
  };
  struct raw_t { uint32_t w[2], h; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<2>(p, L.qo, r.w);
    r.h = dmmv_w1(p, L.ho);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    uint32_t q[2];
#pragma unroll
    for (int k = 0; k < 2; ++k) q[k] = r.w[k] & L.qmask;  // 16q in the high nibble: d / 16
    dmmv_run(acc, q, dmmv_hmul<0>(r.h, L.qscale), h2f((crk_half)(r.h >> 16)), y);
  }
};

// q5_0 (22 B: d@0, qh[4]@2, qs[16]@6): q = nibble | (bit e of the u32 qh) << 4,
// v = d * q - 16d.
struct dmmv_q5_0 {
  enum { QK = 32, BB = 22, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, qsh, ho, hsh, dof;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, ho, dof); }
    CRK_MEMBER lane_t(int t, uint32_t rem) : dmmv_lane(t) {
      const uint32_t bo = rem + 22u * (uint32_t)(t >> 2), q = bo + 6 + 8u * (t & 1), h = bo + 2;
      qo = q & ~3u, qsh = 8 * (q & 2) + 4 * ((t >> 1) & 1);
      ho = h & ~3u, hsh = 8 * (h & 2) + 8u * (t & 3);  // bits o .. o+7 of qh, o = 8 (t % 4)
      dof = bo;
    }
  };
  struct raw_t { uint32_t w[3], h[2], d; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<3>(p, L.qo, r.w);
    dmmv_w<2>(p, L.ho, r.h);
    r.d = dmmv_h1(p, L.dof);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    const uint32_t hb = dmmv_shr64(r.h[0], r.h[1], L.hsh);
    uint32_t q[2];
    q[0] = (crk_funnel(r.w[0], r.w[1], L.qsh) & DMMV_LOW4) | dmmv_spread_lo(hb);
    q[1] = (crk_funnel(r.w[1], r.w[2], L.qsh) & DMMV_LOW4) | dmmv_spread_hi(hb);
    dmmv_run(acc, q, h2f((crk_half)r.d), dmmv_hmul<0>(r.d, -16.0f), y);
  }
};

// q5_1 (24 B, 4-aligned: d@0, m@2, qh[4]@4, qs[16]@8): as q5_0, v = d * q + m.
struct dmmv_q5_1 {
  enum { QK = 32, BB = 24, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, qsh, ho, hsh;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, ho); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      ho = 24u * (uint32_t)(t >> 2), qo = ho + 8 + 8u * (t & 1), qsh = 4 * ((t >> 1) & 1), hsh = 8u * (t & 3);
    }
  };
  struct raw_t { uint32_t w[2], h[2]; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<2>(p, L.qo, r.w);
    dmmv_w<2>(p, L.ho, r.h);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    const uint32_t hb = r.h[1] >> L.hsh;
    uint32_t q[2];
    q[0] = ((r.w[0] >> L.qsh) & DMMV_LOW4) | dmmv_spread_lo(hb);
    q[1] = ((r.w[1] >> L.qsh) & DMMV_LOW4) | dmmv_spread_hi(hb);
    dmmv_run(acc, q, h2f((crk_half)r.h[0]), h2f((crk_half)(r.h[0] >> 16)), y);
  }
};

// q8_0 (34 B: d@0, qs[32]@2 signed): v = d * q (DMMV_SBYTES), or, flipping
// bit 7 of each signed byte q into the unsigned u = q + 128, v = d * u - 128d.
struct dmmv_q8_0 {
  enum { QK = 32, BB = 34, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, qsh, dof;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, dof); }
    CRK_MEMBER lane_t(int t, uint32_t rem) : dmmv_lane(t) {
      const uint32_t bo = rem + 34u * (uint32_t)(t >> 2), q = bo + 2 + 8u * (t & 3);
      qo = q & ~3u, qsh = 8 * (q & 2), dof = bo;
    }
  };
  struct raw_t { uint32_t w[3], d; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<3>(p, L.qo, r.w);
    r.d = dmmv_h1(p, L.dof);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    uint32_t q[2];
#if DMMV_SBYTES
#pragma unroll
    for (int k = 0; k < 2; ++k) q[k] = crk_funnel(r.w[k], r.w[k + 1], L.qsh);
    dmmv_srun(acc, q, h2f((crk_half)r.d), y);
#else
#pragma unroll
    for (int k = 0; k < 2; ++k) q[k] = crk_funnel(r.w[k], r.w[k + 1], L.qsh) ^ 0x80808080u;
    dmmv_run(acc, q, h2f((crk_half)r.d), dmmv_hmul<0>(r.d, -128.0f), y);
#endif
  }
};

// q2_K (84 B, 4-aligned: scales[16]@0, qs[64]@16, d@80, dmin@82).
//   e = 128h + 32j + l: q = qs[32h + l] >> 2j & 3, sb = scales[e/16],
//   v = d * (sb & 15) * q - dmin * (sb >> 4).
// Lane t: h = t/16, j = t/4 % 4, l = 8 (t % 4), e/16 = t/2.
struct dmmv_q2_K {
  enum { QK = 256, BB = 84, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, qmask, so;
    float qscale;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, so); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      const uint32_t j = (uint32_t)(t >> 2) & 3;
      qo = 16 + 32u * (uint32_t)(t >> 4) + 8u * (t & 3), qmask = 0x03030303u << (2 * j);
      qscale = 1.0f / (float)(1u << (2 * j));
      so = (uint32_t)(t >> 1);
    }
  };
  struct raw_t { uint32_t q[2], s, dd; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<2>(p, L.qo, r.q);
    r.s = dmmv_b1(p, L.so);   // the lane's scale byte
    r.dd = dmmv_wu1(p + 80);  // the warp's: scalar
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    // The plane is masked in place (q << 2j, at most 192): a / 4^j.
    const float a = dmmv_hmul<0>(r.dd, (float)(r.s & 15u)) * L.qscale;
    const float b = dmmv_hmul<1>(r.dd, -(float)(r.s >> 4));
    uint32_t q[2];
#pragma unroll
    for (int k = 0; k < 2; ++k) q[k] = r.q[k] & L.qmask;
    dmmv_run(acc, q, a, b, y);
  }
};

// q3_K (110 B, 2-aligned: hmask[32]@0, qs[64]@32, scales[12]@96, d@108).
//   e = 128h + 32j + l: q = (qs[32h + l] >> 2j & 3) | (hmask[l] >> (4h + j) & 1) << 2,
//   v = d * (scale(s) - 32) * (q - 4), s = e/16, 6-bit scale (see dequant.h):
//   low 4 bits scales[s % 8] >> 4*(s/8), high 2 bits scales[8 + s%4] >> 2*(s/4).
// Lane t: h = t/16, j = t/4 % 4, l = 8 (t % 4), s = t/2. The scales and d
// are the warp's (scalar loads); each lane picks its scale's two fields with
// one 64-bit shift each.
struct dmmv_q3_K {
  enum { QK = 256, BB = 110, SPLIT = 1 };
  DMMV_STATIC float post() { return DMMV_SBYTES ? 1.0f / 32 : 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, ho, qsh, hbit, lsh, hsh;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, ho); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      const uint32_t j = (uint32_t)(t >> 2) & 3, h = (uint32_t)(t >> 4), s = (uint32_t)(t >> 1);
      ho = 8u * (t & 3), qo = 32 + 32 * h + ho, qsh = 2 * j, hbit = 4 * h + j;
      lsh = 8 * (s & 7) + 4 * (s >> 3);       // low 4 bits, in scales[0..8)
      hsh = 8 * (s & 3) + 2 * (s >> 2);       // high 2 bits, in scales[8..12) << 4
    }
  };
  struct raw_t { uint32_t q[3], h[3], s[4]; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<MIS ? 3 : 2>(p, L.qo, r.q);
    dmmv_w<MIS ? 3 : 2>(p, L.ho, r.h);
    dmmv_wu<4>(p + 96, r.s);  // the warp's: scalar
    dmmv_sgpr4(r.s);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    // scales[0..8) as the 64-bit x, scales[8..12) << 4 as h (for the bits
    // each lane takes, the rest does not matter), re-aligned by uniform
    // 64-bit shifts (scalar ALU on AMD); d.
    const uint64_t x = MIS ? (dmmv_u64(r.s[0], r.s[1]) >> 16) | ((uint64_t)r.s[2] << 48) : dmmv_u64(r.s[0], r.s[1]);
    const uint64_t h = MIS ? dmmv_u64(r.s[2], r.s[3]) >> 12 : dmmv_u64(r.s[2], r.s[3]) << 4;
    const uint32_t sc = ((uint32_t)(x >> L.lsh) & 15u) | ((uint32_t)(h >> L.hsh) & 0x30u);
    const float a = dmmv_hmul<MIS ? 1 : 0>(r.s[3], (float)((int)sc - 32));
    uint32_t q[2];
#if DMMV_SBYTES
    // (q ^ 4) << 5 as a signed byte is 32 (q - 4): the planes go to bits
    // 5..6 and 7 (funnels, or rotates when aligned: the bits they wrap
    // around land outside the masks), bit 7 flipped. The 32 is POST.
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      const uint32_t qq = MIS ? crk_funnel(r.q[k], r.q[k + 1], 11 + L.qsh)
                              : crk_funnel(r.q[k], r.q[k], (L.qsh - 5) & 31);
      const uint32_t hm = MIS ? crk_funnel(r.h[k], r.h[k + 1], 9 + L.hbit)
                              : crk_funnel(r.h[k], r.h[k], (L.hbit - 7) & 31);
      q[k] = ((qq & 0x60606060u) | (hm & 0x80808080u)) ^ 0x80808080u;
    }
    dmmv_srun(acc, q, a, y);
#else
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      // planes: (qs >> 2j) & 3 and the hmask bit moved to bit 2 (a rotate
      // when aligned: the bits it wraps around land outside the mask).
      const uint32_t qq = MIS ? crk_funnel(r.q[k], r.q[k + 1], 16 + L.qsh) : r.q[k] >> L.qsh;
      const uint32_t hm = MIS ? crk_funnel(r.h[k], r.h[k + 1], 14 + L.hbit)
                              : crk_funnel(r.h[k], r.h[k], (L.hbit - 2) & 31);
      q[k] = (qq & 0x03030303u) | (hm & 0x04040404u);
    }
    dmmv_run(acc, q, a, -4.0f * a, y);
#endif
  }
};

// q4_K and q5_K: the 6-bit (scale, min) of the 8 sub-blocks (crk_scale_min_k4)
// as bytes: sc = SC1:SC0, mn = MN1:MN0 (byte s = sub-block s), computed from
// the warp's header words hdr[1..3] (scalar work on AMD); then lane t's pair
// is byte s = t/4 of each, one 64-bit shift apiece. hdr[0] = d | dmin << 16.
CRK_DEV void dmmv_k4_ab(const uint32_t *hdr, uint32_t ssh, float &a, float &b) {
  const uint32_t sc0 = hdr[1] & 0x3f3f3f3fu, mn0 = hdr[2] & 0x3f3f3f3fu;
  const uint32_t sc1 = (hdr[3] & 0x0f0f0f0fu) | ((hdr[1] >> 2) & 0x30303030u);
  const uint32_t mn1 = ((hdr[3] >> 4) & 0x0f0f0f0fu) | ((hdr[2] >> 2) & 0x30303030u);
  a = dmmv_hmul<0>(hdr[0], (float)(dmmv_shr64(sc0, sc1, ssh) & 255u));
  b = dmmv_hmul<1>(hdr[0], -(float)(dmmv_shr64(mn0, mn1, ssh) & 255u));
}

// q4_K (144 B, 4-aligned: d@0, dmin@2, scales[12]@4, qs[128]@16).
//   e = 32s + l: q = qs[32(s/2) + l] >> 4(s%2) & 15, v = a_s * q + b_s.
// Lane t: s = t/4, l = 8 (t % 4).
struct dmmv_q4_K {
  enum { QK = 256, BB = 144, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, qmask, ssh;
    float qscale;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      const bool hi = (t >> 2) & 1;
      qo = 16 + 32u * (uint32_t)(t >> 3) + 8u * (t & 3), ssh = 8u * (uint32_t)(t >> 2);
      qmask = hi ? 0xf0f0f0f0u : DMMV_LOW4, qscale = hi ? 0.0625f : 1.0f;
    }
  };
  struct raw_t { uint32_t hdr[4], q[2]; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_wu<4>(p, r.hdr);  // the warp's: scalar
    dmmv_w<2>(p, L.qo, r.q);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    float a, b;
    dmmv_k4_ab(r.hdr, L.ssh, a, b);
    uint32_t q[2];
#pragma unroll
    for (int k = 0; k < 2; ++k) q[k] = r.q[k] & L.qmask;  // 16q in the high nibble: a / 16
    dmmv_run(acc, q, a * L.qscale, b, y);
  }
};

// q5_K (176 B, 4-aligned: d@0, dmin@2, scales[12]@4, qh[32]@16, qs[128]@48).
//   As q4_K with q += 16 * (qh[l] >> s & 1): qh rotated right by s - 4 puts
//   that bit at bit 4 of each byte (the bits it wraps around land outside
//   the mask).
struct dmmv_q5_K {
  enum { QK = 256, BB = 176, SPLIT = 0 };
  DMMV_STATIC float post() { return 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t qo, ho, qsh, hrot, ssh;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, qo, ho); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      const uint32_t s = (uint32_t)(t >> 2);
      ho = 16 + 8u * (t & 3), qo = 48 + 32 * (s >> 1) + 8u * (t & 3);
      qsh = 4 * (s & 1), hrot = (s + 28) & 31, ssh = 8 * s;
    }
  };
  struct raw_t { uint32_t hdr[4], h[2], q[2]; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_wu<4>(p, r.hdr);  // the warp's: scalar
    dmmv_w<2>(p, L.ho, r.h);
    dmmv_w<2>(p, L.qo, r.q);
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    float a, b;
    dmmv_k4_ab(r.hdr, L.ssh, a, b);
    uint32_t q[2];
#pragma unroll
    for (int k = 0; k < 2; ++k)
      q[k] = ((r.q[k] >> L.qsh) & DMMV_LOW4) | (crk_funnel(r.h[k], r.h[k], L.hrot) & 0x10101010u);
    dmmv_run(acc, q, a, b, y);
  }
};

// q6_K (210 B, 2-aligned: ql[128]@0, qh[64]@128, scales[16]@192 int8, d@208).
//   e = 128h + 32k + l: q = (ql[64h + 32(k&1) + l] >> 4(k>>1) & 15)
//                         | (qh[32h + l] >> 2k & 3) << 4,
//   v = d * scales[e/16] * (q - 32).
// Lane t: h = t/16, k = t/4 % 4, l = 8 (t % 4), e/16 = t/2. d is the warp's
// (a scalar load); each lane loads its scale byte.
struct dmmv_q6_K {
  enum { QK = 256, BB = 210, SPLIT = 1 };
  DMMV_STATIC float post() { return DMMV_SBYTES ? 0.25f : 1.0f; }
  struct lane_t : dmmv_lane {
    uint32_t lo, ho, lsh, hsh, so;
    CRK_MEMBER void fresh(uint32_t c) { dmmv_lane::fresh(c), dmmv_fresh(c, lo, ho, so); }
    CRK_MEMBER lane_t(int t, uint32_t) : dmmv_lane(t) {
      const uint32_t h = (uint32_t)(t >> 4), k = (uint32_t)(t >> 2) & 3, l = 8u * (t & 3), s = (uint32_t)(t >> 1);
      lo = 64 * h + 32 * (k & 1) + l, ho = 128 + 32 * h + l, lsh = 4 * (k >> 1), hsh = 2 * k;
      so = 192 + s;
    }
  };
  struct raw_t { uint32_t l[3], h[3], d; int s; };
  template <int MIS> DMMV_STATIC void load(raw_t &r, const uint8_t *p, const lane_t &L) {
    dmmv_w<MIS ? 3 : 2>(p, L.lo, r.l);
    dmmv_w<MIS ? 3 : 2>(p, L.ho, r.h);
    r.s = dmmv_sb1(p + MIS, L.so);  // the lane's int8 scale
    r.d = dmmv_wu1(p + 208);  // the warp's: scalar
  }
  template <int MIS> DMMV_STATIC void dot(dmmv_f2 &acc, const raw_t &r, const dmmv_f4 *y, const lane_t &L) {
    const float a = dmmv_hmul<MIS ? 1 : 0>(r.d, (float)r.s);
    uint32_t q[2];
#if DMMV_SBYTES
    // (q ^ 32) << 2 as a signed byte is 4 (q - 32): the nibble to bits 2..5,
    // the 2 high bits to 6..7 (funnels, or rotates when aligned: the bits
    // they wrap around land outside the masks), bit 7 flipped. The 4 is POST.
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      const uint32_t ql = MIS ? crk_funnel(r.l[k], r.l[k + 1], 14 + L.lsh)
                              : crk_funnel(r.l[k], r.l[k], (L.lsh - 2) & 31);
      const uint32_t qh = MIS ? crk_funnel(r.h[k], r.h[k + 1], 10 + L.hsh)
                              : crk_funnel(r.h[k], r.h[k], (L.hsh - 6) & 31);
      q[k] = ((ql & 0x3c3c3c3cu) | (qh & 0xc0c0c0c0u)) ^ 0x80808080u;
    }
    dmmv_srun(acc, q, a, y);
#else
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      // (qh >> 2k & 3) << 4: a funnel or rotate by 2k - 4 (the wrapped
      // bits land outside the mask).
      const uint32_t ql = MIS ? crk_funnel(r.l[k], r.l[k + 1], 16 + L.lsh) : r.l[k] >> L.lsh;
      const uint32_t qh = MIS ? crk_funnel(r.h[k], r.h[k + 1], 12 + L.hsh)
                              : crk_funnel(r.h[k], r.h[k], (L.hsh - 4) & 31);
      q[k] = (ql & DMMV_LOW4) | (qh & 0x30303030u);
    }
    dmmv_run(acc, q, a, -32.0f * a, y);
#endif
  }
};

// ===========================================================================
// The kernel. A step is DMMV_UNROLL chunks of 256 columns (an even number:
// a 2-aligned K-quant's blocks then alternate p + REM, p + (REM ^ 2) in
// every step), all their loads issued before any arithmetic. Full steps
// check nothing; the last, partial step checks each chunk (K-quants: the
// whole warp's) or each lane's run (types of 32: ncols is a multiple of 32).
// bench/notes.md has what 1, 2 and 4 chunks in flight gave before (1 is no
// longer possible).
// ===========================================================================
#ifndef DMMV_UNROLL
#define DMMV_UNROLL 2
#endif
static_assert(DMMV_UNROLL % 2 == 0, "dmmv: chunks go in pairs");
#define DMMV_STEP (256 * DMMV_UNROLL)

// Chunk u of a step (its block at p + MIS for a K-quant) if it is in the
// matrix: its loads, then (after all the step's loads) its arithmetic.
template <class T, bool TAIL>
CRK_DEV bool dmmv_in(int c, int lane, int ncols) {
  return !TAIL || (T::QK == 256 ? c : c + 8 * lane) < ncols;
}
template <class T, int REM, int MIS, bool TAIL>
CRK_DEV void dmmv_load(typename T::raw_t &r, dmmv_f4 *yv, const uint8_t *base, const float *y, int ncols,
                       int c, int lane, const typename T::lane_t &L) {
  if (dmmv_in<T, TAIL>(c, lane, ncols)) {
    const uint32_t bo = ((uint32_t)c / T::QK * T::BB + REM) & ~3u;
    T::template load<MIS>(r, dmmv_chunk_ptr(base + bo), L);
    const float *yc = dmmv_chunk_ptr(y + c);
    const float *yl = (const float *)((const char *)yc + L.yb);
    yv[0] = dmmv_ld4(yl);
    yv[1] = dmmv_ld4(yl + 4);
  }
}
template <class T, int MIS, bool TAIL>
CRK_DEV void dmmv_dot(dmmv_f2 &acc, const typename T::raw_t &r, const dmmv_f4 *yv, int ncols, int c, int lane,
                      const typename T::lane_t &L) {
  if (dmmv_in<T, TAIL>(c, lane, ncols)) T::template dot<MIS>(acc, r, yv, L);
}

template <class T, int REM, bool TAIL>
CRK_DEV void dmmv_step(dmmv_f2 *acc, const uint8_t *base, const float *y, int ncols, int c0, int lane,
                       const typename T::lane_t &L) {
  // The blocks' offsets from p: REM in even chunks, REM + BB in odd ones.
  enum { M0 = T::QK == 256 ? REM & 3 : 0, M1 = T::QK == 256 ? (REM + T::BB) & 3 : 0 };
  typename T::lane_t Ls = L;
  Ls.fresh((uint32_t)c0);
  typename T::raw_t r[DMMV_UNROLL];
  dmmv_f4 yv[DMMV_UNROLL][2];
#pragma unroll
  for (int u = 0; u < DMMV_UNROLL; u += 2) {
    dmmv_load<T, REM, M0, TAIL>(r[u], yv[u], base, y, ncols, c0 + 256 * u, lane, Ls);
    dmmv_load<T, REM, M1, TAIL>(r[u + 1], yv[u + 1], base, y, ncols, c0 + 256 * (u + 1), lane, Ls);
  }
  dmmv_loads_issued();
#pragma unroll
  for (int u = 0; u < DMMV_UNROLL; u += 2) {
    dmmv_dot<T, M0, TAIL>(acc[0], r[u], yv[u], ncols, c0 + 256 * u, lane, L);
    dmmv_dot<T, M1, TAIL>(acc[1], r[u + 1], yv[u + 1], ncols, c0 + 256 * (u + 1), lane, L);
  }
}

template <class T, int REM>
CRK_DEV void dmmv_loop(dmmv_f2 *acc, const uint8_t *base, uint32_t rem, const float *y, int ncols, int lane) {
  const typename T::lane_t L(lane, rem);
  int c0 = 0;
  for (; c0 + DMMV_STEP <= ncols; c0 += DMMV_STEP) dmmv_step<T, REM, false>(acc, base, y, ncols, c0, lane, L);
  if (c0 < ncols) dmmv_step<T, REM, true>(acc, base, y, ncols, c0, lane, L);
}

template <class T>
CRK_DEV void dmmv_row(const void *vx, const float *y, float *dst, int ncols) {
  // The row's address rounded down to 4 (the same for the whole warp) and
  // the remainder (0 or 2; 0 for the 4-aligned types).
  const size_t rowoff = (size_t)blockIdx.x * (size_t)(ncols / T::QK) * (size_t)T::BB;
  const uint32_t rem = (uint32_t)rowoff & 3u;
  const uint8_t *base = (const uint8_t *)vx + (rowoff - rem);
  const int lane = threadIdx.x;
  dmmv_f2 acc[2] = {dmmv_zero2(), dmmv_zero2()};
  if (T::SPLIT && rem)
    dmmv_loop<T, 2>(acc, base, rem, y, ncols, lane);
  else
    dmmv_loop<T, 0>(acc, base, rem, y, ncols, lane);
  const float s = warp_sum(dmmv_hsum(acc[0] + acc[1])) * T::post();
  if (lane == 0) dst[blockIdx.x] = s;
}

#define DMMV_ARGS \
  const void *__restrict__ vx, const float *__restrict__ y, float *__restrict__ dst, int ncols, int nrows

// NVIDIA: 32 workgroups of 32 threads fill a multiprocessor (its block
// limit) at <= 64 registers a thread; AMD: test_build holds gfx9 to 64 VGPRs.
#if CRK_NVIDIA
#  define DMMV_BOUNDS __launch_bounds__(32, 32)
#else
#  define DMMV_BOUNDS __launch_bounds__(32)
#endif
#define DMMV_KERNEL(NAME, T)                                                   \
  CRK_KERNEL void DMMV_BOUNDS NAME(DMMV_ARGS) {                                \
    (void)nrows; /* grid = nrows */                                            \
    dmmv_row<T>(vx, y, dst, ncols);                                            \
  }

DMMV_KERNEL(dequantize_mul_mat_vec_q4_0_cuda, dmmv_q4_0)
DMMV_KERNEL(dequantize_mul_mat_vec_q4_1_cuda, dmmv_q4_1)
DMMV_KERNEL(dequantize_mul_mat_vec_q5_0_cuda, dmmv_q5_0)
DMMV_KERNEL(dequantize_mul_mat_vec_q5_1_cuda, dmmv_q5_1)
DMMV_KERNEL(dequantize_mul_mat_vec_q8_0_cuda, dmmv_q8_0)
DMMV_KERNEL(dequantize_mul_mat_vec_q2_k, dmmv_q2_K)
DMMV_KERNEL(dequantize_mul_mat_vec_q3_k, dmmv_q3_K)
DMMV_KERNEL(dequantize_mul_mat_vec_q4_k, dmmv_q4_K)
DMMV_KERNEL(dequantize_mul_mat_vec_q5_k, dmmv_q5_K)
DMMV_KERNEL(dequantize_mul_mat_vec_q6_k, dmmv_q6_K)
