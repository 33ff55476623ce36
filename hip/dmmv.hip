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
// Weights: vx is a device allocation (4-aligned). Blocks of 2-aligned types
// (q4_0 q5_0 q8_0 q3_K q6_K) are read as aligned dwords re-aligned by funnel
// shifts (crk_funnel in common.h); such a read may reach up to 4 bytes past
// the bytes used: inside the row, or after the last row in the slack the ABI
// guarantees. Those bytes are shifted out and never reach a result.
//
// No bit-exactness is needed here (float sums in any order): each weight is
// dequantized by one fma (q * a + b, a and b per block or sub-block) and
// multiplied into a two-float running sum.
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


// All of a step's loads are issued above this point and no arithmetic is
// hoisted above it: the scheduler then cannot trade loads in flight for
// decoded weights held early (which costs more registers).
CRK_DEV void dmmv_loads_issued() {
#if defined(__AMDGCN__)
  __builtin_amdgcn_sched_barrier(0);
#endif
}

// Bits 0..3 of h spread to bit 0 of bytes 0..3 (the 5th bits of q5_0/q5_1):
// the four shifted copies of h cannot overlap, so the multiply never carries.
CRK_DEV uint32_t dmmv_spread4(uint32_t h) { return ((h & 15u) * 0x00204081u) & 0x01010101u; }

// N aligned dwords from byte offset p of the row base (p % 4 == 0), and
// from p rounded down to 4 (any p) for the 2-aligned types.
template <int N>
CRK_DEV void dmmv_w(const uint8_t *base, uint32_t p, uint32_t *w) { crk_ld_u32<N>(base + p, w); }
template <int N>
CRK_DEV void dmmv_w_a2(const uint8_t *base, uint32_t p, uint32_t *w) { crk_ld_u32<N>(base + (p & ~3u), w); }
// The funnel shift that re-aligns dwords read from p rounded down: 0 or 16.
CRK_DEV uint32_t dmmv_mis8(uint32_t p) { return 8u * (p & 2u); }
// The half at 2-aligned byte offset p, from the aligned dword holding it.
CRK_DEV float dmmv_half_of(uint32_t dw, uint32_t p) { return h2f((crk_half)(dw >> dmmv_mis8(p))); }

// One lane's run: the R = 8 (or 4) weights at block offset o (o % R == 0)
// of the block at byte offset bo from the row base. Each type loads its raw
// dwords in load() and turns them, with the run's R y values (R/4 float4),
// into sum w*y in dot(). A run never straddles a block, a sub-block scale
// or a bit position. Q = R/4: the run's words of quants, one byte each.
// Member functions of the run types below (CRK_DEV is static).
#define DMMV_MEMBER __device__ __forceinline__

// sum over the run of (q * a + b) * y, q the bytes of q[0..Q).
template <int Q>
CRK_DEV float dmmv_run_dot(const uint32_t *q, float a, float b, const dmmv_f4 *y) {
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < Q; ++k) acc = dmmv_fma4(acc, q[k], a, b, y[k]);
  return dmmv_hsum(acc);
}

// q4_0 (18 B, 2-aligned: d@0, qs[16]@2): value e < 16 is qs[e] & 15, e >= 16
// qs[e-16] >> 4; v = d * q - 8d.
template <int R>
struct dmmv_q4_0 {
  enum { QK = 32, BB = 18, Q = R / 4 };
  uint32_t w[Q + 1], dw, bo, o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo_, int o_) {
    bo = bo_, o = (uint32_t)o_;
    dmmv_w_a2<Q + 1>(base, bo + 2 + (o & 15), w);
    dmmv_w_a2<1>(base, bo, &dw);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t m = dmmv_mis8(bo + 2), sh = (o & 16) >> 2;
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = (crk_funnel(w[k], w[k + 1], m) >> sh) & DMMV_LOW4;
    const float d = dmmv_half_of(dw, bo);
    return dmmv_run_dot<Q>(q, d, -8.0f * d, y);
  }
};

// q4_1 (20 B, 4-aligned: d@0, m@2, qs[16]@4): nibbles as q4_0, v = d * q + m.
template <int R>
struct dmmv_q4_1 {
  enum { QK = 32, BB = 20, Q = R / 4 };
  uint32_t w[Q], hdr, o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo, int o_) {
    o = (uint32_t)o_;
    dmmv_w<Q>(base, bo + 4 + (o & 15), w);
    dmmv_w<1>(base, bo, &hdr);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t sh = (o & 16) >> 2;
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = (w[k] >> sh) & DMMV_LOW4;
    return dmmv_run_dot<Q>(q, h2f((crk_half)hdr), h2f((crk_half)(hdr >> 16)), y);
  }
};

// q5_0 (22 B, 2-aligned: d@0, qh[4]@2, qs[16]@6): q = nibble | (bit e of the
// u32 qh) << 4, v = d * q - 16d.
template <int R>
struct dmmv_q5_0 {
  enum { QK = 32, BB = 22, Q = R / 4 };
  uint32_t w[Q + 1], h[2], dw, bo, o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo_, int o_) {
    bo = bo_, o = (uint32_t)o_;
    dmmv_w_a2<Q + 1>(base, bo + 6 + (o & 15), w);
    dmmv_w_a2<2>(base, bo + 2, h);
    dmmv_w_a2<1>(base, bo, &dw);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t m = dmmv_mis8(bo + 2), sh = (o & 16) >> 2;  // qh and qs start at bo + 2 mod 4
    const uint32_t hb = crk_funnel(h[0], h[1], m) >> o;       // bits o .. o+R-1
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k)
      q[k] = ((crk_funnel(w[k], w[k + 1], m) >> sh) & DMMV_LOW4) | (dmmv_spread4(hb >> (4 * k)) << 4);
    const float d = dmmv_half_of(dw, bo);
    return dmmv_run_dot<Q>(q, d, -16.0f * d, y);
  }
};

// q5_1 (24 B, 4-aligned: d@0, m@2, qh[4]@4, qs[16]@8): as q5_0, v = d * q + m.
template <int R>
struct dmmv_q5_1 {
  enum { QK = 32, BB = 24, Q = R / 4 };
  uint32_t w[Q], hdr[2], o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo, int o_) {
    o = (uint32_t)o_;
    dmmv_w<Q>(base, bo + 8 + (o & 15), w);
    dmmv_w<2>(base, bo, hdr);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t sh = (o & 16) >> 2, hb = hdr[1] >> o;
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = ((w[k] >> sh) & DMMV_LOW4) | (dmmv_spread4(hb >> (4 * k)) << 4);
    return dmmv_run_dot<Q>(q, h2f((crk_half)hdr[0]), h2f((crk_half)(hdr[0] >> 16)), y);
  }
};

// q8_0 (34 B, 2-aligned: d@0, qs[32]@2 signed): v = d * q. Flipping bit 7
// turns each signed byte q into the unsigned u = q + 128: v = d * u - 128d.
template <int R>
struct dmmv_q8_0 {
  enum { QK = 32, BB = 34, Q = R / 4 };
  uint32_t w[Q + 1], dw, bo;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo_, int o) {
    bo = bo_;
    dmmv_w_a2<Q + 1>(base, bo + 2 + (uint32_t)o, w);
    dmmv_w_a2<1>(base, bo, &dw);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t m = dmmv_mis8(bo + 2);  // o % 4 == 0
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = crk_funnel(w[k], w[k + 1], m) ^ 0x80808080u;
    const float d = dmmv_half_of(dw, bo);
    return dmmv_run_dot<Q>(q, d, -128.0f * d, y);
  }
};

// q2_K (84 B, 4-aligned: scales[16]@0, qs[64]@16, d@80, dmin@82).
//   e = 128h + 32j + l: q = qs[32h + l] >> 2j & 3, sb = scales[e/16],
//   v = d * (sb & 15) * q - dmin * (sb >> 4).
template <int R>
struct dmmv_q2_K {
  enum { QK = 256, BB = 84, Q = R / 4 };
  uint32_t qs[Q], sc, dd, o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo, int o_) {
    o = (uint32_t)o_;
    dmmv_w<Q>(base, bo + 16 + 32 * (o >> 7) + (o & 31), qs);
    dmmv_w<1>(base, bo + ((o >> 4) & ~3u), &sc);
    dmmv_w<1>(base, bo + 80, &dd);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t sh = 2 * ((o >> 5) & 3), sb = dq_byte(sc, (int)((o >> 4) & 3));
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = (qs[k] >> sh) & 0x03030303u;
    const float d = h2f((crk_half)dd), dmin = h2f((crk_half)(dd >> 16));
    return dmmv_run_dot<Q>(q, d * (float)(sb & 15), -(dmin * (float)(sb >> 4)), y);
  }
};

// q3_K (110 B, 2-aligned: hmask[32]@0, qs[64]@32, scales[12]@96, d@108).
//   e = 128h + 32j + l: q = (qs[32h + l] >> 2j & 3) | (hmask[l] >> (4h + j) & 1) << 2,
//   v = d * (scale(s) - 32) * (q - 4), s = e/16, 6-bit scale (see dequant.h):
//   low 4 bits scales[s % 8] >> 4*(s/8), high 2 bits scales[8 + s%4] >> 2*(s/4).
// Every run starts at bo + a multiple of 4: one re-alignment shift for all.
template <int R>
struct dmmv_q3_K {
  enum { QK = 256, BB = 110, Q = R / 4 };
  uint32_t qw[Q + 1], hw[Q + 1], sw[4], bo, o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo_, int o_) {
    bo = bo_, o = (uint32_t)o_;
    const uint32_t l = o & 31;
    dmmv_w_a2<Q + 1>(base, bo + 32 + 32 * (o >> 7) + l, qw);
    dmmv_w_a2<Q + 1>(base, bo + l, hw);
    dmmv_w_a2<4>(base, bo + 96, sw);  // scales[0..12) and d
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t m = dmmv_mis8(bo), s = o >> 4, j = (o >> 5) & 3, hbit = 4 * (o >> 7) + j;
    // scales[s % 8] is in word (s % 8) / 4; a select, not an index (which
    // would put sw in scratch memory).
    const uint32_t lo_w = (s & 4) ? crk_funnel(sw[1], sw[2], m) : crk_funnel(sw[0], sw[1], m);
    const uint32_t hi_w = crk_funnel(sw[2], sw[3], m);
    const int lo4 = (int)((dq_byte(lo_w, (int)(s & 3)) >> (4 * (s >> 3))) & 15u);
    const int hi2 = (int)((dq_byte(hi_w, (int)(s & 3)) >> (2 * (s >> 2))) & 3u);
    const float d = h2f((crk_half)(sw[3] >> m));  // bytes 108..109
    const float a = d * (float)((lo4 | (hi2 << 4)) - 32);
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k)
      q[k] = ((crk_funnel(qw[k], qw[k + 1], m) >> (2 * j)) & 0x03030303u) |
             (((crk_funnel(hw[k], hw[k + 1], m) >> hbit) & 0x01010101u) << 2);
    return dmmv_run_dot<Q>(q, a, -4.0f * a, y);
  }
};

// q4_K and q5_K: the (scale, min) of sub-block s (crk_scale_min_k4) from
// byte s % 4 of the scale words hdr[1..3]; hdr[0] = d | dmin << 16.
// v = a * q + b, a = d * scale, b = -dmin * min.
CRK_DEV void dmmv_k4_ab(const uint32_t *hdr, uint32_t s, float &a, float &b) {
  const int t = (int)(s & 3);
  uint32_t sc, mn;
  crk_scale_min_k4<uint32_t>(dq_byte(hdr[1], t), dq_byte(hdr[2], t), dq_byte(hdr[3], t), (int)s, sc, mn);
  a = h2f((crk_half)hdr[0]) * (float)sc;
  b = -(h2f((crk_half)(hdr[0] >> 16)) * (float)mn);
}

// q4_K (144 B, 4-aligned: d@0, dmin@2, scales[12]@4, qs[128]@16).
//   e = 32s + l: q = qs[32(s/2) + l] >> 4(s%2) & 15, v = a_s * q + b_s.
template <int R>
struct dmmv_q4_K {
  enum { QK = 256, BB = 144, Q = R / 4 };
  uint32_t hdr[4], qs[Q], o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo, int o_) {
    o = (uint32_t)o_;
    dmmv_w<4>(base, bo, hdr);
    dmmv_w<Q>(base, bo + 16 + 32 * (o >> 6) + (o & 31), qs);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t s = o >> 5, sh = 4 * (s & 1);
    float a, b;
    dmmv_k4_ab(hdr, s, a, b);
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = (qs[k] >> sh) & DMMV_LOW4;
    return dmmv_run_dot<Q>(q, a, b, y);
  }
};

// q5_K (176 B, 4-aligned: d@0, dmin@2, scales[12]@4, qh[32]@16, qs[128]@48).
//   As q4_K with q += 16 * (qh[l] >> s & 1).
template <int R>
struct dmmv_q5_K {
  enum { QK = 256, BB = 176, Q = R / 4 };
  uint32_t hdr[4], qh[Q], qs[Q], o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo, int o_) {
    o = (uint32_t)o_;
    dmmv_w<4>(base, bo, hdr);
    dmmv_w<Q>(base, bo + 16 + (o & 31), qh);
    dmmv_w<Q>(base, bo + 48 + 32 * (o >> 6) + (o & 31), qs);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t s = o >> 5, sh = 4 * (s & 1);
    float a, b;
    dmmv_k4_ab(hdr, s, a, b);
    uint32_t q[Q];
#pragma unroll
    for (int k = 0; k < Q; ++k) q[k] = ((qs[k] >> sh) & DMMV_LOW4) | (((qh[k] >> s) & 0x01010101u) << 4);
    return dmmv_run_dot<Q>(q, a, b, y);
  }
};

// q6_K (210 B, 2-aligned: ql[128]@0, qh[64]@128, scales[16]@192 int8, d@208).
//   e = 128h + 32k + l: q = (ql[64h + 32(k&1) + l] >> 4(k>>1) & 15)
//                         | (qh[32h + l] >> 2k & 3) << 4,
//   v = d * scales[e/16] * (q - 32).
// Every run starts at bo + a multiple of 4: one re-alignment shift for all.
template <int R>
struct dmmv_q6_K {
  enum { QK = 256, BB = 210, Q = R / 4 };
  uint32_t lw[Q + 1], hw[Q + 1], sw, dw, bo, o;
  DMMV_MEMBER void load(const uint8_t *base, uint32_t bo_, int o_) {
    bo = bo_, o = (uint32_t)o_;
    const uint32_t h = o >> 7, k = (o >> 5) & 3, l = o & 31;
    dmmv_w_a2<Q + 1>(base, bo + 64 * h + 32 * (k & 1) + l, lw);
    dmmv_w_a2<Q + 1>(base, bo + 128 + 32 * h + l, hw);
    dmmv_w_a2<1>(base, bo + 192 + (o >> 4), &sw);
    dmmv_w_a2<1>(base, bo + 208, &dw);
  }
  DMMV_MEMBER float dot(const dmmv_f4 *y) const {
    const uint32_t m = dmmv_mis8(bo), k = (o >> 5) & 3, lsh = 4 * (k >> 1), hsh = 2 * k;
    const int scale = dq_sbyte(sw, (int)((bo + 192 + (o >> 4)) & 3));
    const float a = dmmv_half_of(dw, bo) * (float)scale;
    uint32_t q[Q];
#pragma unroll
    for (int i = 0; i < Q; ++i)
      q[i] = ((crk_funnel(lw[i], lw[i + 1], m) >> lsh) & DMMV_LOW4) |
             (((crk_funnel(hw[i], hw[i + 1], m) >> hsh) & 0x03030303u) << 4);
    return dmmv_run_dot<Q>(q, a, -32.0f * a, y);
  }
};

// ===========================================================================
// The kernel. Each 256-column chunk is 8/R runs of 32R columns: lane t takes
// columns chunk + 32R*p + R*t of run p. With R = 8 a lane's run is 8
// consecutive columns (two 16-byte loads of y, a warp's load spanning 1 KB);
// with R = 4 it is two runs of 4 (each 16-byte load of the warp is one
// contiguous 512 bytes, half the cache lines). DMMV_UNROLL chunks are in
// flight per lane, all loads issued first. Both are A/B knobs: bench/notes.md
// has what each gave.
// ===========================================================================
#ifndef DMMV_RUN
#define DMMV_RUN 8
#endif
#ifndef DMMV_UNROLL
#define DMMV_UNROLL 2
#endif
#define DMMV_RUNS (DMMV_RUN >= 8 ? 1 : 8 / DMMV_RUN)
#define DMMV_CHUNK (CRK_WARP * DMMV_RUN * DMMV_RUNS)

template <template <int> class TT>
CRK_DEV void dmmv_row(const void *vx, const float *y, float *dst, int ncols) {
  typedef TT<DMMV_RUN> T;
  // The row's address rounded down to 4 (the same for the whole warp) and
  // the remainder: addresses are then base + one 32-bit offset (an SGPR base
  // and a VGPR offset on AMD), and every rounded-down offset stays >= 0.
  const size_t rowoff = (size_t)blockIdx.x * (size_t)(ncols / T::QK) * (size_t)T::BB;
  const uint32_t rem = (uint32_t)rowoff & 3u;
  const uint8_t *base = (const uint8_t *)vx + (rowoff - rem);
  const int lane = threadIdx.x;
  float acc = 0.0f;
  for (int c0 = 0; c0 < ncols; c0 += DMMV_UNROLL * DMMV_CHUNK) {
    T w[DMMV_UNROLL][DMMV_RUNS];
    dmmv_f4 yv[DMMV_UNROLL][DMMV_RUNS][T::Q];
#pragma unroll
    for (int u = 0; u < DMMV_UNROLL; ++u)
#pragma unroll
      for (int p = 0; p < DMMV_RUNS; ++p) {
        const int c = c0 + u * DMMV_CHUNK + p * CRK_WARP * DMMV_RUN + DMMV_RUN * lane;
        if (c < ncols) {  // ncols % 32 == 0: a run is all in or all out
          w[u][p].load(base, rem + (uint32_t)(c / T::QK) * T::BB, c % T::QK);
#pragma unroll
          for (int k = 0; k < T::Q; ++k) yv[u][p][k] = dmmv_ld4(y + c + 4 * k);
        }
      }
    dmmv_loads_issued();
#pragma unroll
    for (int u = 0; u < DMMV_UNROLL; ++u)
#pragma unroll
      for (int p = 0; p < DMMV_RUNS; ++p)
        if (c0 + u * DMMV_CHUNK + p * CRK_WARP * DMMV_RUN + DMMV_RUN * lane < ncols) acc += w[u][p].dot(yv[u][p]);
  }
  acc = warp_sum(acc);
  if (lane == 0) dst[blockIdx.x] = acc;
}

#define DMMV_ARGS \
  const void *__restrict__ vx, const float *__restrict__ y, float *__restrict__ dst, int ncols, int nrows

#define DMMV_KERNEL(NAME, T)                                                   \
  CRK_KERNEL void __launch_bounds__(32) NAME(DMMV_ARGS) {                      \
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
