// dmmv.hip: dequantize_mul_mat_vec_* (kernel-abi.md section 3):
// dst[r] = sum_c W[r][c] * y[c], W quantized (ncols/QK blocks per row), y f32.
//
// Launch: grid (nrows,1,1), workgroup (32,1,1): one logical 32-lane warp per
// row (a half-filled wave64 on gfx9, a full wave32 on RDNA). Each lane owns
// 32 weights per step, read with wide loads, and their 32 y values (eight
// 16-byte loads); partial sums meet in warp_sum, lane 0 writes dst[row].
//   32-value types: lane = block; the warp reads 32 consecutive blocks.
//   K types:        8 lanes per 256-value block, 4 blocks per step.
// Lanes whose block is past the row end skip the step, so any ncols that is
// a multiple of the block size works, with any nrows.
//
// Weights: vx is a device allocation (4-aligned). Blocks of 2-aligned types
// (q4_0 q5_0 q8_0 q3_K q6_K) are read as aligned dwords re-aligned by funnel
// shifts (dq_funnel in dequant.h); such a read may reach up to 4 bytes past
// the block: inside the row, or after the last row in the slack the ABI
// guarantees. Those bytes are shifted out and never reach a result.
//
// No bit-exactness is needed here (float sums in any order): each weight is
// dequantized to a float by one fma (q * a + b, a and b per sub-block), or
// the sub-block factor is applied once to sum(q*y) and sum(y).
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
  const dq_f32x4 v = *(const dq_f32x4 *)p;  // align 4: one global_load_dwordx4
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
CRK_DEV dmmv_f4 dmmv_ld4(const float *p) { return {p[0], p[1], p[2], p[3]}; }
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

// acc + sum of q * y over the four bytes q of m.
CRK_DEV dmmv_f2 dmmv_dot4(dmmv_f2 acc, uint32_t m, dmmv_f4 y) {
  const dmmv_f4 q = dmmv_bytes(m);
  return acc + dmmv_lo(q) * dmmv_lo(y) + dmmv_hi(q) * dmmv_hi(y);
}

// Sum of the 8 floats y[0], y[1].
CRK_DEV float dmmv_sum8(const dmmv_f4 *y) {
  const dmmv_f4 s = y[0] + y[1];
  return dmmv_hsum(dmmv_lo(s) + dmmv_hi(s));
}

// All of a step's loads are issued above this point and no arithmetic is
// hoisted above it: the scheduler then cannot trade y loads in flight for
// dequantized weights held early (which costs more registers).
CRK_DEV void dmmv_loads_issued() {
#if defined(__AMDGCN__)
  __builtin_amdgcn_sched_barrier(0);
#endif
}

// Bits 0..3 of h spread to bit 0 of bytes 0..3 (the 5th bits of q5_0/q5_1):
// the four shifted copies of h cannot overlap, so the multiply never carries.
CRK_DEV uint32_t dmmv_spread4(uint32_t h) { return ((h & 15u) * 0x00204081u) & 0x01010101u; }

// Where a lane's block lives: row = the weight row's address rounded down
// to 4 (the same for the whole warp), off = the block's byte offset from it,
// yoff = the byte offset of the block's first y value. Addresses formed as
// base + one 32-bit offset let the compiler use an SGPR base and a single
// VGPR offset (global_load ... v_off, s[base:base+1]); rounding the row down
// keeps every aligned-down offset non-negative.
struct dmmv_at {
  const uint8_t *row;
  uint32_t off;
  const float *y;
  uint32_t yoff;
};
// N aligned dwords at block offset o (4-aligned types: o % 4 == 0).
template <int N>
CRK_DEV void dmmv_w(const dmmv_at &at, uint32_t o, uint32_t *w) { dq_ld_u32<N>(at.row + (at.off + o), w); }
// 2-aligned types, a run of bytes at block offset o (see dq_funnel): the
// funnel shift 8 * (address mod 4), and N aligned dwords from the run start
// rounded down to 4.
CRK_DEV uint32_t dmmv_mis8(const dmmv_at &at, uint32_t o) { return 8u * ((at.off + o) & 2u); }
template <int N>
CRK_DEV void dmmv_w_a2(const dmmv_at &at, uint32_t o, uint32_t *w) {
  dq_ld_u32<N>(at.row + ((at.off + o) & ~3u), w);
}
// The half at block offset o (2-aligned).
CRK_DEV float dmmv_half(const dmmv_at &at, uint32_t o) { return h2f(*(const crk_half *)(at.row + (at.off + o))); }
// y[e .. e+4) of the block.
CRK_DEV dmmv_f4 dmmv_y(const dmmv_at &at, uint32_t e) {
  return dmmv_ld4((const float *)((const uint8_t *)at.y + (at.yoff + 4u * e)));
}

// Row r = blockIdx.x of the weights as (address rounded down to 4, the
// remainder), and the lane's sum -> dst[r].
CRK_DEV const uint8_t *dmmv_row(const void *vx, int ncols, int qk, int block_bytes, uint32_t &rem) {
  const size_t off = (size_t)blockIdx.x * (size_t)(ncols / qk) * (size_t)block_bytes;
  rem = (uint32_t)off & 3u;  // vx itself is 4-aligned (a device allocation)
  return (const uint8_t *)vx + (off - rem);
}
CRK_DEV void dmmv_finish(float acc, float *dst) {
  acc = warp_sum(acc);
  if (threadIdx.x == 0) dst[blockIdx.x] = acc;
}

// ===========================================================================
// 32-value blocks, one per lane. Values j and j+16 (j < 16) come from byte
// qs[j]: low nibble -> j, high nibble -> j+16. y[4k..4k+4) is yv[k].
// The 4-aligned types load the block as aligned dwords w[]; the 2-aligned
// ones load the run after d that way (dword k = dq_funnel(w[k], w[k+1], sh))
// and d by itself.
// ===========================================================================

// Eight float4 of y: the 32 values of a 32-block.
CRK_DEV void dmmv_y32(const dmmv_at &at, dmmv_f4 *yv) {
#pragma unroll
  for (int k = 0; k < 8; ++k) yv[k] = dmmv_y(at, 4 * k);
}

// q4_0 (18 B, 2-aligned: d@0, qs[16]@2): v = d * q - 8d
CRK_DEV float dmmv_q4_0_block(const dmmv_at &at) {
  uint32_t w[5];
  dmmv_w_a2<5>(at, 2, w);  // qs[0..16)
  const float d = dmmv_half(at, 0);
  dmmv_f4 yv[8];
  dmmv_y32(at, yv);
  dmmv_loads_issued();
  const uint32_t sh = dmmv_mis8(at, 2);
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const uint32_t qs = dq_funnel(w[k], w[k + 1], sh);
    acc = dmmv_fma4(acc, qs & DMMV_LOW4, d, -8.0f * d, yv[k]);
    acc = dmmv_fma4(acc, (qs >> 4) & DMMV_LOW4, d, -8.0f * d, yv[4 + k]);
  }
  return dmmv_hsum(acc);
}

// q4_1 (20 B, 4-aligned: d@0, m@2, qs[16]@4): v = d * q + m
CRK_DEV float dmmv_q4_1_block(const dmmv_at &at) {
  uint32_t w[5];
  dmmv_w<5>(at, 0, w);
  dmmv_f4 yv[8];
  dmmv_y32(at, yv);
  dmmv_loads_issued();
  const float d = h2f((crk_half)w[0]), m = h2f((crk_half)(w[0] >> 16));
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    acc = dmmv_fma4(acc, w[1 + k] & DMMV_LOW4, d, m, yv[k]);
    acc = dmmv_fma4(acc, (w[1 + k] >> 4) & DMMV_LOW4, d, m, yv[4 + k]);
  }
  return dmmv_hsum(acc);
}

// q5_0 (22 B, 2-aligned: d@0, qh[4]@2, qs[16]@6): q = nibble | (bit e of the
// u32 qh) << 4, v = d * q - 16d.
CRK_DEV float dmmv_q5_0_block(const dmmv_at &at) {
  uint32_t w[6];
  dmmv_w_a2<6>(at, 2, w);  // qh[0..4), qs[0..16)
  const float d = dmmv_half(at, 0);
  dmmv_f4 yv[8];
  dmmv_y32(at, yv);
  dmmv_loads_issued();
  const uint32_t sh = dmmv_mis8(at, 2);
  const uint32_t qh = dq_funnel(w[0], w[1], sh);
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const uint32_t qs = dq_funnel(w[1 + k], w[2 + k], sh);
    const uint32_t lo = (qs & DMMV_LOW4) | (dmmv_spread4(qh >> (4 * k)) << 4);
    const uint32_t hi = ((qs >> 4) & DMMV_LOW4) | (dmmv_spread4(qh >> (16 + 4 * k)) << 4);
    acc = dmmv_fma4(acc, lo, d, -16.0f * d, yv[k]);
    acc = dmmv_fma4(acc, hi, d, -16.0f * d, yv[4 + k]);
  }
  return dmmv_hsum(acc);
}

// q5_1 (24 B, 4-aligned: d@0, m@2, qh[4]@4, qs[16]@8): v = d * q + m
CRK_DEV float dmmv_q5_1_block(const dmmv_at &at) {
  uint32_t w[6];
  dmmv_w<6>(at, 0, w);
  dmmv_f4 yv[8];
  dmmv_y32(at, yv);
  dmmv_loads_issued();
  const float d = h2f((crk_half)w[0]), m = h2f((crk_half)(w[0] >> 16));
  const uint32_t qh = w[1];
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const uint32_t qs = w[2 + k];
    const uint32_t lo = (qs & DMMV_LOW4) | (dmmv_spread4(qh >> (4 * k)) << 4);
    const uint32_t hi = ((qs >> 4) & DMMV_LOW4) | (dmmv_spread4(qh >> (16 + 4 * k)) << 4);
    acc = dmmv_fma4(acc, lo, d, m, yv[k]);
    acc = dmmv_fma4(acc, hi, d, m, yv[4 + k]);
  }
  return dmmv_hsum(acc);
}

// q8_0 (34 B, 2-aligned: d@0, qs[32]@2 signed): v = d * q, q = byte e.
// Flipping bit 7 turns each signed byte q into the unsigned byte u = q + 128,
// so v = d * u - 128d.
CRK_DEV float dmmv_q8_0_block(const dmmv_at &at) {
  uint32_t w[9];
  dmmv_w_a2<9>(at, 2, w);  // qs[0..32)
  const float d = dmmv_half(at, 0);
  dmmv_f4 yv[8];
  dmmv_y32(at, yv);
  dmmv_loads_issued();
  const uint32_t sh = dmmv_mis8(at, 2);
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 8; ++k)
    acc = dmmv_fma4(acc, dq_funnel(w[k], w[k + 1], sh) ^ 0x80808080u, d, -128.0f * d, yv[k]);
  return dmmv_hsum(acc);
}

template <int QK, int BB, float (*BLOCK)(const dmmv_at &)>
CRK_DEV void dmmv_q32(const void *vx, const float *y, float *dst, int ncols) {
  uint32_t rem;
  const uint8_t *row = dmmv_row(vx, ncols, QK, BB, rem);
  const int nb = ncols / QK;
  float acc = 0.0f;
  for (int ib = threadIdx.x; ib < nb; ib += CRK_WARP)
    acc += BLOCK(dmmv_at{row, rem + (uint32_t)ib * BB, y, (uint32_t)ib * (QK * 4)});
  dmmv_finish(acc, dst);
}

// ===========================================================================
// 256-value K blocks: 8 lanes per block (sub = lane % 8), 4 blocks per step.
// Each lane takes 32 values; yb = y of the block (256 floats).
// ===========================================================================

// y for the (h, l0) lanes of q2_K, q3_K, q6_K: values 128h + 32j + l0 + [0,8)
// for j < 4 -> yv[2j], yv[2j+1].
CRK_DEV void dmmv_y_hl(const dmmv_at &at, int h, int l0, dmmv_f4 *yv) {
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    yv[2 * j] = dmmv_y(at, 128 * h + 32 * j + l0);
    yv[2 * j + 1] = dmmv_y(at, 128 * h + 32 * j + l0 + 4);
  }
}

// q2_K (84 B, 4-aligned: scales[16]@0, qs[64]@16, d@80, dmin@82).
//   e = 128h + 32j + l: q = qs[32h + l] >> 2j & 3, sb = scales[e/16],
//   v = d * (sb & 15) * q - dmin * (sb >> 4).
// Lane: h = sub/4, l in [l0, l0+8) with l0 = 8*(sub%4), all four j: the
// 8 bytes qs[32h + l0 ..]; run j has scale byte scales[8h + 2j + l0/16].
CRK_DEV float dmmv_q2_K_lane(const dmmv_at &at, int sub) {
  const int h = sub >> 2, l0 = 8 * (sub & 3);
  uint32_t qs[2], sc[2], dd[1];
  dmmv_w<2>(at, 16 + 32 * h + l0, qs);
  dmmv_w<2>(at, 8 * h, sc);  // scales[8h .. 8h+8)
  dmmv_w<1>(at, 80, dd);
  dmmv_f4 yv[8];
  dmmv_y_hl(at, h, l0, yv);
  dmmv_loads_issued();
  const float d = h2f((crk_half)dd[0]), dmin = h2f((crk_half)(dd[0] >> 16));
  float sum = 0.0f, mins = 0.0f;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const uint32_t sb = dq_byte(sc[j >> 1], 2 * (j & 1) + (l0 >> 4));
    dmmv_f2 t = dmmv_zero2();
    t = dmmv_dot4(t, (qs[0] >> (2 * j)) & 0x03030303u, yv[2 * j]);
    t = dmmv_dot4(t, (qs[1] >> (2 * j)) & 0x03030303u, yv[2 * j + 1]);
    sum += (float)(sb & 15) * dmmv_hsum(t);
    mins += (float)(sb >> 4) * dmmv_sum8(yv + 2 * j);
  }
  return d * sum - dmin * mins;
}

// q3_K (110 B, 2-aligned: hmask[32]@0, qs[64]@32, scales[12]@96, d@108).
//   e = 128h + 32j + l: q = (qs[32h + l] >> 2j & 3) | (hmask[l] >> (4h + j) & 1) << 2,
//   v = d * (scale(e/16) - 32) * (q - 4), 6-bit scale s (see dequant.h):
//   low 4 bits scales[s % 8] >> 4*(s/8), high 2 bits scales[8 + s%4] >> 2*(s/4).
// Lane: h = sub/4, l in [l0, l0+8): bytes qs[32h + l0 ..] and hmask[l0 ..];
// run j has s = 8h + 2j + l0/16.
CRK_DEV float dmmv_q3_K_lane(const dmmv_at &at, int sub) {
  const int h = sub >> 2, l0 = 8 * (sub & 3);
  // All three runs start at an offset = 0 mod 4 from p, so share mis8.
  uint32_t qw[3], hw[3], sw[4];
  dmmv_w_a2<3>(at, 32 + 32 * h + l0, qw);
  dmmv_w_a2<3>(at, l0, hw);
  dmmv_w_a2<4>(at, 96, sw);  // scales[0..12) and d
  dmmv_f4 yv[8];
  dmmv_y_hl(at, h, l0, yv);
  const uint32_t mis8 = dmmv_mis8(at, 0);
  const float d = h2f((crk_half)(sw[3] >> mis8));  // bytes 108..109
  const uint32_t qs[2] = {dq_funnel(qw[0], qw[1], mis8), dq_funnel(qw[1], qw[2], mis8)};
  const uint32_t hm[2] = {dq_funnel(hw[0], hw[1], mis8), dq_funnel(hw[1], hw[2], mis8)};
  const uint32_t sc[3] = {dq_funnel(sw[0], sw[1], mis8), dq_funnel(sw[1], sw[2], mis8),
                          dq_funnel(sw[2], sw[3], mis8)};
  float sum = 0.0f;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    // s % 8 = 2j + l0/16: byte of sc[j/2]; s % 4 = 2(j%2) + l0/16: byte of sc[2]
    const int t = 8 * (2 * (j & 1) + (l0 >> 4));
    const int lo4 = (int)((sc[j >> 1] >> (t + 4 * h)) & 15u);
    const int hi2 = (int)((sc[2] >> (t + 2 * (2 * h + (j >> 1)))) & 3u);
    const int hb = 4 * h + j;
    dmmv_f2 qy = dmmv_zero2();
#pragma unroll
    for (int w = 0; w < 2; ++w) {
      const uint32_t q = ((qs[w] >> (2 * j)) & 0x03030303u) | (((hm[w] >> hb) & 0x01010101u) << 2);
      qy = dmmv_dot4(qy, q, yv[2 * j + w]);
    }
    // sum over the run of (q - 4) * y = sum q*y - 4 * sum y
    sum += (float)((lo4 | (hi2 << 4)) - 32) * (dmmv_hsum(qy) - 4.0f * dmmv_sum8(yv + 2 * j));
  }
  return d * sum;
}

// The (scale, min) pairs of q4_K/q5_K sub-blocks 2g and 2g+1, branch-free,
// from hdr[0] = d | dmin << 16 and hdr[1..4) = the 12 scale bytes as words
// W0, W1, W2. GGML's get_scale_min_k4 for sub-block s, byte t = s % 4:
//   s < 4:  scale = W0.byte[t] & 63,  min = W1.byte[t] & 63
//   s >= 4: scale = (W2.byte[t] & 15) | (W0.byte[t] >> 6) << 4
//           min   = (W2.byte[t] >> 4) | (W1.byte[t] >> 6) << 4
// so one word of four scales and one of four mins serve both sub-blocks
// (t = 2g % 4 and t + 1). v = a * q + b with a = d * scale, b = -dmin * min.
struct dmmv_k4_coef { float a0, b0, a1, b1; };
CRK_DEV dmmv_k4_coef dmmv_k4_ab(const uint32_t *hdr, int g) {
  const uint32_t w0 = hdr[1], w1 = hdr[2], w2 = hdr[3];
  const bool hi = g >= 2;
  const uint32_t scw = hi ? (w2 & 0x0f0f0f0fu) | ((w0 >> 2) & 0x30303030u) : w0 & 0x3f3f3f3fu;
  const uint32_t mw = hi ? ((w2 >> 4) & 0x0f0f0f0fu) | ((w1 >> 2) & 0x30303030u) : w1 & 0x3f3f3f3fu;
  const int t = 2 * (g & 1);
  const float d = h2f((crk_half)hdr[0]), dmin = h2f((crk_half)(hdr[0] >> 16));
  dmmv_k4_coef c;
  c.a0 = d * (float)dq_byte(scw, t);
  c.a1 = d * (float)dq_byte(scw, t + 1);
  c.b0 = -(dmin * (float)dq_byte(mw, t));
  c.b1 = -(dmin * (float)dq_byte(mw, t + 1));
  return c;
}

// q4_K (144 B, 4-aligned: d@0, dmin@2, scales[12]@4, qs[128]@16).
//   e = 64g + l: l < 32 -> qs[32g + l] & 15 (sub-block 2g),
//                l >= 32 -> qs[32g + l - 32] >> 4 (sub-block 2g+1);
//   v = d * scale_s * q - dmin * min_s.
// Lane: g = sub/2, b0 = 16*(sub%2): the 16 bytes qs[32g + b0 ..] hold values
// 64g + b0 + [0,16) (low nibbles) and 64g + 32 + b0 + [0,16) (high).
CRK_DEV float dmmv_q4_K_lane(const dmmv_at &at, int sub) {
  const int g = sub >> 1, b0 = 16 * (sub & 1);
  uint32_t hdr[4], qs[4];
  dmmv_w<4>(at, 0, hdr);  // d | dmin << 16, then scales[0..12)
  dmmv_w<4>(at, 16 + 32 * g + b0, qs);
  dmmv_f4 ylo[4], yhi[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    ylo[k] = dmmv_y(at, 64 * g + b0 + 4 * k);
    yhi[k] = dmmv_y(at, 64 * g + 32 + b0 + 4 * k);
  }
  const dmmv_k4_coef c = dmmv_k4_ab(hdr, g);
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    acc = dmmv_fma4(acc, qs[k] & DMMV_LOW4, c.a0, c.b0, ylo[k]);
    acc = dmmv_fma4(acc, (qs[k] >> 4) & DMMV_LOW4, c.a1, c.b1, yhi[k]);
  }
  return dmmv_hsum(acc);
}

// q5_K (176 B, 4-aligned: d@0, dmin@2, scales[12]@4, qh[32]@16, qs[128]@48).
//   As q4_K with q += 16 * (qh[l % 32] >> s & 1), s = e/32 the sub-block.
// Lane as q4_K, plus the 16 bytes qh[b0 ..] (bit 2g: low, bit 2g+1: high).
CRK_DEV float dmmv_q5_K_lane(const dmmv_at &at, int sub) {
  const int g = sub >> 1, b0 = 16 * (sub & 1);
  uint32_t hdr[4], qh[4], qs[4];
  dmmv_w<4>(at, 0, hdr);
  dmmv_w<4>(at, 16 + b0, qh);
  dmmv_w<4>(at, 48 + 32 * g + b0, qs);
  dmmv_f4 ylo[4], yhi[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    ylo[k] = dmmv_y(at, 64 * g + b0 + 4 * k);
    yhi[k] = dmmv_y(at, 64 * g + 32 + b0 + 4 * k);
  }
  const dmmv_k4_coef c = dmmv_k4_ab(hdr, g);
  dmmv_f2 acc = dmmv_zero2();
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const uint32_t lo = (qs[k] & DMMV_LOW4) | (((qh[k] >> (2 * g)) & 0x01010101u) << 4);
    const uint32_t hi = ((qs[k] >> 4) & DMMV_LOW4) | (((qh[k] >> (2 * g + 1)) & 0x01010101u) << 4);
    acc = dmmv_fma4(acc, lo, c.a0, c.b0, ylo[k]);
    acc = dmmv_fma4(acc, hi, c.a1, c.b1, yhi[k]);
  }
  return dmmv_hsum(acc);
}

// q6_K (210 B, 2-aligned: ql[128]@0, qh[64]@128, scales[16]@192 int8, d@208).
//   e = 128h + 32k + l: q = (ql[64h + 32(k&1) + l] >> 4(k>>1) & 15)
//                         | (qh[32h + l] >> 2k & 3) << 4,
//   v = d * scales[e/16] * (q - 32).
// Lane: h = sub/4, l in [l0, l0+8): bytes ql[64h + l0 ..] (k = 0 low, 2 high),
// ql[64h + 32 + l0 ..] (k = 1 low, 3 high), qh[32h + l0 ..]; run k has scale
// scales[8h + 2k + l0/16].
CRK_DEV float dmmv_q6_K_lane(const dmmv_at &at, int sub) {
  const int h = sub >> 2, l0 = 8 * (sub & 3);
  // All four runs start at an offset = 0 mod 4 from p, so share mis8.
  uint32_t aw[3], bw[3], hw[3], sw[3];
  dmmv_w_a2<3>(at, 64 * h + l0, aw);
  dmmv_w_a2<3>(at, 64 * h + 32 + l0, bw);
  dmmv_w_a2<3>(at, 128 + 32 * h + l0, hw);
  dmmv_w_a2<3>(at, 192 + 8 * h, sw);  // scales[8h .. 8h+8)
  const float d = dmmv_half(at, 208);
  dmmv_f4 yv[8];
  dmmv_y_hl(at, h, l0, yv);
  const uint32_t mis8 = dmmv_mis8(at, 0);
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const uint32_t *ql = (k & 1) ? bw : aw;
    const int scale = dq_sbyte(dq_funnel(sw[k >> 1], sw[(k >> 1) + 1], mis8), 2 * (k & 1) + (l0 >> 4));
    dmmv_f2 qy = dmmv_zero2();
#pragma unroll
    for (int w = 0; w < 2; ++w) {
      const uint32_t lo = dq_funnel(ql[w], ql[w + 1], mis8), hi = dq_funnel(hw[w], hw[w + 1], mis8);
      const uint32_t q = ((lo >> (4 * (k >> 1))) & DMMV_LOW4) | (((hi >> (2 * k)) & 0x03030303u) << 4);
      qy = dmmv_dot4(qy, q, yv[2 * k + w]);
    }
    // sum over the run of (q - 32) * y = sum q*y - 32 * sum y
    sum += (float)scale * (dmmv_hsum(qy) - 32.0f * dmmv_sum8(yv + 2 * k));
  }
  return d * sum;
}

template <int BB, float (*LANE)(const dmmv_at &, int)>
CRK_DEV void dmmv_qk(const void *vx, const float *y, float *dst, int ncols) {
  uint32_t rem;
  const uint8_t *row = dmmv_row(vx, ncols, QK_K, BB, rem);
  const int nb = ncols / QK_K, sub = threadIdx.x & 7;
  float acc = 0.0f;
  for (int ib = threadIdx.x >> 3; ib < nb; ib += CRK_WARP / 8)
    acc += LANE(dmmv_at{row, rem + (uint32_t)ib * BB, y, (uint32_t)ib * (QK_K * 4)}, sub);
  dmmv_finish(acc, dst);
}

#define DMMV_ARGS \
  const void *__restrict__ vx, const float *__restrict__ y, float *__restrict__ dst, int ncols, int nrows

#define DMMV_Q32(T, BB)                                                                     \
  CRK_KERNEL void __launch_bounds__(32) dequantize_mul_mat_vec_##T##_cuda(DMMV_ARGS) { \
    (void)nrows; /* grid = nrows */                                                         \
    dmmv_q32<32, BB, dmmv_##T##_block>(vx, y, dst, ncols);                                  \
  }
#define DMMV_QK(T, LOWER, BB)                                                               \
  CRK_KERNEL void __launch_bounds__(32) dequantize_mul_mat_vec_##LOWER(DMMV_ARGS) {  \
    (void)nrows;                                                                            \
    dmmv_qk<BB, dmmv_##T##_lane>(vx, y, dst, ncols);                                        \
  }

DMMV_Q32(q4_0, 18)
DMMV_Q32(q4_1, 20)
DMMV_Q32(q5_0, 22)
DMMV_Q32(q5_1, 24)
DMMV_Q32(q8_0, 34)
DMMV_QK(q2_K, q2_k, 84)
DMMV_QK(q3_K, q3_k, 110)
DMMV_QK(q4_K, q4_k, 144)
DMMV_QK(q5_K, q5_k, 176)
DMMV_QK(q6_K, q6_k, 210)
