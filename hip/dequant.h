// dequant.h: GGML's dequantizers for the 11 block types, per value, on the
// device, plus the load helpers the dequantizing families share.
//
// Used by dequantize.hip, get_rows.hip (which must reproduce GGML's to_float
// exactly) and dmmv.hip (which only needs the layouts and the loads).
//
// Bit-exactness. Every value is computed with the same float operations in
// the same order as GGML's scalar dequantize_row_* (e.g. q4_K:
// (d*sc)*q - (dmin*m), q6_K: (d*sc)*q), and every product goes through
// dq_mul(), which the compiler may not fuse into an fma with the following
// add or subtract. So the results equal GGML's to the bit, not merely up to
// float contraction. Integer -> float conversions are exact (|q| < 2^24).
//
// Layout notes use: e = index of a value inside its block (0..31 or
// 0..255), "byte[i] >> s & m" = bit field of byte i.
#pragma once
#include "common.h"

// ---------------------------------------------------------------------------
// 1. Arithmetic that is never contracted
// ---------------------------------------------------------------------------
#if CRK_AMD
// The pragma clears the `contract` flag of this multiply, and LLVM fuses a
// multiply into an fma only when both the multiply and the add allow it.
CRK_DEV float dq_mul(float a, float b) {
#pragma clang fp contract(off)
  return a * b;
}
#else
CRK_DEV float dq_mul(float a, float b) { return __fmul_rn(a, b); }  // never fused (CUDA guide)
#endif

// Output element stores for the f32 and f16 variants.
CRK_DEV void dq_put(float *y, int64_t i, float v) { y[i] = v; }
CRK_DEV void dq_put(crk_f16 *y, int64_t i, float v) {
#if defined(__AMDGCN__)
  // Keep v a rounded f32: otherwise the multiply and this conversion become
  // one v_fma_mix (exact product rounded once to f16), which can differ from
  // GGML's float followed by a conversion to half (q6_K, q8_K).
  __asm__("" : "+v"(v));
#endif
  y[i] = f2f16(v);
}

// Byte i (0..3) of a little-endian 32-bit word, and a signed nibble/byte.
CRK_DEV uint32_t dq_byte(uint32_t w, int i) { return (w >> (8 * i)) & 0xffu; }
CRK_DEV int dq_sbyte(uint32_t w, int i) { return (int)(int8_t)(uint8_t)(w >> (8 * i)); }

// ---------------------------------------------------------------------------
// 2. Reading runs of a 2-aligned block (crk_ld_u32, crk_funnel: common.h)
// ---------------------------------------------------------------------------
// Blocks of 18, 22, 34, 110 or 210 bytes are only 2-aligned. A run of bytes
// [p, p + n) inside one (p 2-aligned) is read with wide loads as the aligned
// dwords w[] from p rounded down to 4, ceil(n/4) + 1 of them; its dword k is
// then crk_funnel(w[k], w[k+1], 8 * (p mod 4)), a shift of 0 or 16. The
// aligned dwords may end up to 4 bytes past p + n: callers use this only
// where that stays inside the block, or in the slack the ABI guarantees
// after the last weight row (dmmv.hip).

// ---------------------------------------------------------------------------
// 3. 32-value blocks: the pair (j, j+16), j < 16, that shares byte qs[j].
//    Value j uses the low nibble of qs[j], value j+16 the high nibble.
// ---------------------------------------------------------------------------

// q4_0 (18 B: d@0, qs[16]@2): v = (q - 8) * d.
CRK_DEV void dq_q4_0_pair(const block_q4_0 *b, int j, float &v0, float &v1) {
  const float d = h2f(b->d);
  const int q = b->qs[j];
  v0 = dq_mul((float)((q & 15) - 8), d);
  v1 = dq_mul((float)((q >> 4) - 8), d);
}

// q4_1 (20 B: d@0, m@2, qs[16]@4): v = q * d + m.
CRK_DEV void dq_q4_1_pair(const block_q4_1 *b, int j, float &v0, float &v1) {
  const float d = h2f(b->d), m = h2f(b->m);
  const int q = b->qs[j];
  v0 = dq_mul((float)(q & 15), d) + m;
  v1 = dq_mul((float)(q >> 4), d) + m;
}

// q5_0 (22 B: d@0, qh[4]@2, qs[16]@6): the 5th bit of value e is bit e of
// the little-endian u32 qh; v = (q - 16) * d.
CRK_DEV void dq_q5_0_pair(const block_q5_0 *b, int j, float &v0, float &v1) {
  const float d = h2f(b->d);
  const uint32_t qh = (uint32_t)load_i32_a2(b->qh);
  const int q = b->qs[j];
  const int q0 = (q & 15) | (int)(((qh >> j) & 1u) << 4);
  const int q1 = (q >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
  v0 = dq_mul((float)(q0 - 16), d);
  v1 = dq_mul((float)(q1 - 16), d);
}

// q5_1 (24 B: d@0, m@2, qh[4]@4, qs[16]@8): as q5_0, v = q * d + m.
CRK_DEV void dq_q5_1_pair(const block_q5_1 *b, int j, float &v0, float &v1) {
  const float d = h2f(b->d), m = h2f(b->m);
  const uint32_t qh = (uint32_t)load_i32_a2(b->qh);
  const int q = b->qs[j];
  const int q0 = (q & 15) | (int)(((qh >> j) & 1u) << 4);
  const int q1 = (q >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
  v0 = dq_mul((float)q0, d) + m;
  v1 = dq_mul((float)q1, d) + m;
}

// q8_0 (34 B: d@0, qs[32]@2 signed): v = q * d. Pair (j, j+16) like the others.
CRK_DEV void dq_q8_0_pair(const block_q8_0 *b, int j, float &v0, float &v1) {
  const float d = h2f(b->d);
  v0 = dq_mul((float)b->qs[j], d);
  v1 = dq_mul((float)b->qs[j + 16], d);
}

// ---------------------------------------------------------------------------
// 4. 256-value K blocks: a run of N consecutive values v[0..N) = values
//    e0 .. e0+N-1, with N in {4, 8} and e0 a multiple of N (so the run shares
//    one sub-block scale and one bit position). Bytes are read as 32-bit
//    words: directly where the block is 4-aligned (q2_K 84 B, q4_K 144 B,
//    q5_K 176 B, q8_K 292 B), as two halves where it is only 2-aligned
//    (q3_K 110 B, q6_K 210 B). These never read outside the block.
// ---------------------------------------------------------------------------

// q2_K (84 B: scales[16]@0, qs[64]@16, d@80, dmin@82).
//   e = 128*h + 32*j + l  (h < 2, j < 4, l < 32)
//   q  = qs[32h + l] >> 2j & 3
//   sb = scales[e/16]: low nibble scale, high nibble min
//   v  = (d * (sb & 15)) * q - dmin * (sb >> 4)
template <int N>
CRK_DEV void dq_q2_K_run(const block_q2_K *b, int e0, float *v) {
  const int h = e0 >> 7, j = (e0 >> 5) & 3, l = e0 & 31;
  const uint32_t sb = b->scales[e0 >> 4];
  const float dl = dq_mul(h2f(b->d), (float)(sb & 15));
  const float ml = dq_mul(h2f(b->dmin), (float)(sb >> 4));
  const uint32_t *qs = (const uint32_t *)(b->qs + 32 * h + l);
#pragma unroll
  for (int w = 0; w < N / 4; ++w) {
    const uint32_t q = qs[w] >> (2 * j);
#pragma unroll
    for (int i = 0; i < 4; ++i) v[4 * w + i] = dq_mul(dl, (float)(dq_byte(q, i) & 3)) - ml;
  }
}

// q3_K (110 B: hmask[32]@0, qs[64]@32, scales[12]@96, d@108).
//   e = 128*h + 32*j + l  (h < 2, j < 4, l < 32)
//   q = (qs[32h + l] >> 2j & 3) - (hmask[l] >> (4h + j) & 1 ? 0 : 4)
//   6-bit scale of sub-block s = e/16 (16 values each), stored biased by 32:
//     low 4 bits:  s < 8 ? scales[s] & 15 : scales[s - 8] >> 4
//     high 2 bits: scales[8 + s%4] >> 2*(s/4) & 3
//   v = (d * (scale - 32)) * q
CRK_DEV int dq_q3_K_scale(const uint8_t *scales, int s) {
  const int lo = s < 8 ? (scales[s] & 15) : (scales[s - 8] >> 4);
  const int hi = (scales[8 + (s & 3)] >> (2 * (s >> 2))) & 3;
  return (lo | (hi << 4)) - 32;
}

template <int N>
CRK_DEV void dq_q3_K_run(const block_q3_K *b, int e0, float *v) {
  const int h = e0 >> 7, j = (e0 >> 5) & 3, l = e0 & 31;
  const float dl = dq_mul(h2f(b->d), (float)dq_q3_K_scale(b->scales, e0 >> 4));
  const int hbit = 4 * h + j;
#pragma unroll
  for (int w = 0; w < N / 4; ++w) {
    const uint32_t q = (uint32_t)load_i32_a2(b->qs + 32 * h + l + 4 * w) >> (2 * j);
    const uint32_t m = (uint32_t)load_i32_a2(b->hmask + l + 4 * w) >> hbit;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int qv = (int)(dq_byte(q, i) & 3) - ((dq_byte(m, i) & 1) ? 0 : 4);
      v[4 * w + i] = dq_mul(dl, (float)qv);
    }
  }
}

// q4_K and q5_K: scale and min of sub-block s, the layout of
// crk_scale_min_k4 (common.h) read straight from the bytes. Not a call of
// it: that form loads scales[s % 4 + 8] for s < 4 too and changes the code
// of dequantize_block_q4_K/q5_K and get_rows_q4_K/q5_K (one more byte load
// per thread on RDNA3), which the code objects were to keep byte for byte.
CRK_DEV void dq_scale_min_k4(const uint8_t *scales, int s, int &sc, int &m) {
  if (s < 4) {
    sc = scales[s] & 63;
    m = scales[s + 4] & 63;
  } else {
    sc = (scales[s + 4] & 15) | ((scales[s - 4] >> 6) << 4);
    m = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
  }
}

// q4_K (144 B: d@0, dmin@2, scales[12]@4, qs[128]@16).
//   e = 64*g + l  (g < 4, l < 64); sub-block s = e/32 = 2g + (l >= 32)
//   q = l < 32 ? qs[32g + l] & 15 : qs[32g + l - 32] >> 4
//   v = (d * scale_s) * q - dmin * min_s
template <int N>
CRK_DEV void dq_q4_K_run(const block_q4_K *b, int e0, float *v) {
  const int g = e0 >> 6, l = e0 & 31, s = e0 >> 5, shift = 4 * (s & 1);
  int sc, m;
  dq_scale_min_k4(b->scales, s, sc, m);
  const float d1 = dq_mul(h2f(b->d), (float)sc);
  const float m1 = dq_mul(h2f(b->dmin), (float)m);
  const uint32_t *qs = (const uint32_t *)(b->qs + 32 * g + l);
#pragma unroll
  for (int w = 0; w < N / 4; ++w) {
    const uint32_t q = qs[w] >> shift;
#pragma unroll
    for (int i = 0; i < 4; ++i) v[4 * w + i] = dq_mul(d1, (float)(dq_byte(q, i) & 15)) - m1;
  }
}

// q5_K (176 B: d@0, dmin@2, scales[12]@4, qh[32]@16, qs[128]@48).
//   As q4_K, plus a 5th bit: q += 16 * (qh[l % 32] >> s & 1), s = e/32.
//   v = (d * scale_s) * q - dmin * min_s
template <int N>
CRK_DEV void dq_q5_K_run(const block_q5_K *b, int e0, float *v) {
  const int g = e0 >> 6, l = e0 & 31, s = e0 >> 5, shift = 4 * (s & 1);
  int sc, m;
  dq_scale_min_k4(b->scales, s, sc, m);
  const float d1 = dq_mul(h2f(b->d), (float)sc);
  const float m1 = dq_mul(h2f(b->dmin), (float)m);
  const uint32_t *qs = (const uint32_t *)(b->qs + 32 * g + l);
  const uint32_t *qh = (const uint32_t *)(b->qh + l);
#pragma unroll
  for (int w = 0; w < N / 4; ++w) {
    const uint32_t q = qs[w] >> shift, hb = qh[w] >> s;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int qv = (int)(dq_byte(q, i) & 15) + ((dq_byte(hb, i) & 1) ? 16 : 0);
      v[4 * w + i] = dq_mul(d1, (float)qv) - m1;
    }
  }
}

// q6_K (210 B: ql[128]@0, qh[64]@128, scales[16]@192 (int8), d@208).
//   e = 128*h + 32*k + l  (h < 2, k < 4, l < 32)
//   low 4 bits:  ql[64h + 32*(k&1) + l] >> 4*(k>>1) & 15
//   high 2 bits: qh[32h + l] >> 2k & 3
//   q = (low | high << 4) - 32;  v = (d * scales[e/16]) * q
template <int N>
CRK_DEV void dq_q6_K_run(const block_q6_K *b, int e0, float *v) {
  const int h = e0 >> 7, k = (e0 >> 5) & 3, l = e0 & 31;
  const float dl = dq_mul(h2f(b->d), (float)b->scales[e0 >> 4]);
#pragma unroll
  for (int w = 0; w < N / 4; ++w) {
    const uint32_t lo = (uint32_t)load_i32_a2(b->ql + 64 * h + 32 * (k & 1) + l + 4 * w) >> (4 * (k >> 1));
    const uint32_t hi = (uint32_t)load_i32_a2(b->qh + 32 * h + l + 4 * w) >> (2 * k);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int qv = (int)((dq_byte(lo, i) & 15) | ((dq_byte(hi, i) & 3) << 4)) - 32;
      v[4 * w + i] = dq_mul(dl, (float)qv);
    }
  }
}

// q8_K (292 B: d@0 float, qs[256]@4 signed, bsums[16]@260): v = d * q.
template <int N>
CRK_DEV void dq_q8_K_run(const block_q8_K *b, int e0, float *v) {
  const float d = b->d;
  const uint32_t *qs = (const uint32_t *)(b->qs + e0);
#pragma unroll
  for (int w = 0; w < N / 4; ++w) {
    const uint32_t q = qs[w];
#pragma unroll
    for (int i = 0; i < 4; ++i) v[4 * w + i] = dq_mul(d, (float)dq_sbyte(q, i));
  }
}
