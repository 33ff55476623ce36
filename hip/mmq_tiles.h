// mmq_tiles.h: the shared-memory tiles of the mul_mat_* kernels (mmq.hip)
// and, per quantization type, the loader that fills the weight tile.
//
// The kernels walk K (ncols_x) in SLICES of MMQ_KS = 64 values. For one
// slice a workgroup holds in LDS:
//   - the weight tile: MY rows x 64 values, every value UNPACKED to a signed
//     int8 (so all ten types meet the activations in the same plain int8 dot
//     product), plus the scales that turn those integers back into floats;
//   - the activation tile: MX q8_1 columns x 64 values (int8, as quantized),
//     plus each 32-block's d (and s, or 16-value sums, where a type needs
//     them).
// A slice is two q8_1 blocks of every activation column; for 32-value weight
// types it is two weight blocks of every row, for 256-value (K) types one
// quarter of a weight block.
//
// Format facts (kernel-abi.md section 1, GGML bit packing) are spelled out in
// the comment of each loader. Everything here is prefixed mmq_ / MMQ_: the
// NVIDIA build may put several .hip files into one translation unit.
#pragma once
#include "common.h"
#include "mma.h"

#define MMQ_KS 64               /* K values per slice */
#define MMQ_KI (MMQ_KS / 4)     /* ints (4 int8 values each) per tile row */
#define MMQ_NT 128              /* threads per workgroup: (32,4,1) */

// How a type's integer dot products become floats (the mode of its tile):
//   MMQ_D     one float scale per (row, 32 values); v = d*q
//   MMQ_DM    as MMQ_D plus a float min per (row, 32 values); v = d*q + m,
//             the min term uses the q8_1 block sum s
//   MMQ_SC16  one float d per row and slice, an int8 scale per 16 values;
//             v = d*sc*q
//   MMQ_SC16M as MMQ_SC16 plus a min per 16 values (q2_K); v = d*sc*q - dmin*mn,
//             the min term uses exact integer sums of 16 activations
enum { MMQ_D = 0, MMQ_DM = 1, MMQ_SC16 = 2, MMQ_SC16M = 3 };

// 16-byte vector: LDS tiles move in 16-byte chunks (ds_read_b128 / LDS.128).
#if CRK_AMD
typedef int mmq_int4 __attribute__((ext_vector_type(4)));
#else
typedef int4 mmq_int4;
#endif

// Weight-tile rows are 64 bytes = 4 chunks of 16. In the multiply, the
// lanes of a logical warp read 16 bytes each from consecutive rows; 8 lanes x
// 16 bytes fill the 32 banks once, and rows r and r+2 would hit the same
// banks. So chunk k of weight row r is stored at chunk position
// k ^ ((r >> 1) & 3): 8 consecutive rows then use 8 distinct bank groups.
// (The dot4 path's activation reads are broadcasts: its activation tile is
// not swizzled. The matrix path reads 16 columns at once and swizzles it
// the same way: mmq_store_y.)
CRK_DEV int mmq_chunk(int r, int k) { return r * MMQ_KI + ((k ^ ((r >> 1) & 3)) << 2); }

// Byte-wise x - c for bytes x in [0,127] with x - c in [-128,127]: the 0x80
// bias keeps each byte from borrowing from its neighbour.
CRK_DEV int mmq_sub_bytes(int x, int c) {
  return (int)((((uint32_t)x | 0x80808080u) - (uint32_t)c * 0x01010101u) ^ 0x80808080u);
}

// 4-byte load of a field that is 4-byte aligned in its block, in a format
// whose block size is a multiple of 4 (q4_1 q5_1 q2_K q4_K q5_K, and q8_1),
// from a device allocation (which is at least 4-byte aligned).
CRK_DEV int mmq_load_a4(const void *p) { return *(const int *)p; }

#if !CRK_MMA
template <int MODE, int MX, int MY> struct alignas(16) mmq_smem {
  static constexpr bool PER32 = MODE == MMQ_D || MODE == MMQ_DM;
  int w_qs[MY * MMQ_KI];                  // int8 weights, chunks at mmq_chunk(r, k)
  int y_qs[MX * MMQ_KI];                  // int8 activations, column c at c*MMQ_KI
  float w_d[MY][MODE == MMQ_SC16 ? 1 : 2]; // D/DM: d of each 32-block; SC16: block d; SC16M: d, dmin
  float w_m[MODE == MMQ_DM ? MY : 1][2];  // MMQ_DM: min of each 32-block
  float y_d[MX][2];                       // d of each q8_1 block
  float y_s[MODE == MMQ_DM ? MX : 1][2];  // MMQ_DM: s of each q8_1 block
  float y_m16[MODE == MMQ_SC16M ? MX : 1][4]; // SC16M: d * (sum of 16 q) per 16 values
  int8_t w_sc[PER32 ? 1 : MY][4];         // SC16*: int8 scale per 16 values
  int8_t w_mn[MODE == MMQ_SC16M ? MY : 1][4]; // SC16M: min per 16 values (times -dmin)
};

// The loaders' stores of the row constants of tile row r.
template <class S> CRK_DEV void mmq_set_d(S &sm, int r, int k, float v) { sm.w_d[r][k] = v; }
template <class S> CRK_DEV void mmq_set_m(S &sm, int r, int b, float v) { sm.w_m[r][b] = v; }
// SC16: the int8 scales of the 16-value sub-blocks 2h and 2h+1.
template <class S> CRK_DEV void mmq_set_sc2(S &sm, int r, int h, int sc0, int sc1) {
  sm.w_sc[r][2 * h] = (int8_t)sc0;
  sm.w_sc[r][2 * h + 1] = (int8_t)sc1;
}
#else
// The matrix path's tiles: the same weight and activation ints (the
// activation tile swizzled like the weight tile), and the constants in
// planes without padding (q2_K's tile is exactly 16 KiB: 4 workgroups per
// gfx942 CU). Row constants: plane k of w_c holds one float per weight row,
// row r at slot mma_slot(r) (mma.h: a lane reads its rows of a tile as
// 16-byte vectors):
//   D     d of block b: plane b
//   DM    d of block b: plane b, min of block b: plane 2+b
//   SC16  d: plane 0, int scales of sub-blocks 2b, 2b+1: planes 1+2b, 2+2b
//         (int bits; mmq_set_sc2)
//   SC16M d: plane 0, -dmin*mn of sub-block m: plane 1+m (the scales are
//         folded into the weights: mmq_q2_K)
// Column constants: y_c[c] holds column c's d of block b at b, and s of
// block b at 2+b (DM) or d * (sum of the 16 q of sub-block m) at 2+m (SC16M).
template <int MODE, int MX, int MY> struct alignas(16) mmq_smem {
  static constexpr int NWC = MODE == MMQ_D ? 2 : MODE == MMQ_DM ? 4 : 5;
  static constexpr int NYC = MODE == MMQ_DM ? 4 : MODE == MMQ_SC16M ? 6 : 2;
  int w_qs[MY * MMQ_KI];                  // int8 weights, chunks at mmq_chunk(r, k)
  int y_qs[MX * MMQ_KI];                  // int8 activations, chunks at mmq_chunk(c, k)
  float w_c[NWC][MY];
  float y_c[MX][NYC];
};

template <class S> CRK_DEV void mmq_set_d(S &sm, int r, int k, float v) { sm.w_c[k][mma_slot(r)] = v; }
template <class S> CRK_DEV void mmq_set_m(S &sm, int r, int b, float v) { sm.w_c[2 + b][mma_slot(r)] = v; }
// SC16 (h: the 32-value block of the slice): planes 1+2h and 2+2h hold the
// scales of its halves, sc0 and sc1; on gfx942, whose products are the
// whole block and its first half (mmq_mma::product), sc0 - sc1 and sc1.
template <class S> CRK_DEV void mmq_set_sc2(S &sm, int r, int h, int sc0, int sc1) {
#if defined(CRK_MMA_MFMA)
  sm.w_c[1 + 2 * h][mma_slot(r)] = __int_as_float(sc0 - sc1);
#else
  sm.w_c[1 + 2 * h][mma_slot(r)] = __int_as_float(sc0);
#endif
  sm.w_c[2 + 2 * h][mma_slot(r)] = __int_as_float(sc1);
}
#endif

// Store the 8 ints of one 32-value half h of tile row r: values 32h..32h+31.
template <class S> CRK_DEV void mmq_store_w(S &sm, int r, int h, const int (&v)[8]) {
  const mmq_int4 a = {v[0], v[1], v[2], v[3]}, b = {v[4], v[5], v[6], v[7]};
  *(mmq_int4 *)&sm.w_qs[mmq_chunk(r, 2 * h)] = a;
  *(mmq_int4 *)&sm.w_qs[mmq_chunk(r, 2 * h + 1)] = b;
}

// ---------------------------------------------------------------------------
// Weight loaders. Each type provides
//   QK, BYTES, MODE, MX, MY   block size, block bytes, tile mode, tile shape
//   raw                       the words of one 32-value half, as loaded
//   fetch(row, h, s, nb)      global loads of half h (values 32h..32h+31) of
//                             slice s of a weight row: only loads, so that
//                             the next slice can be in flight during a multiply
//   store(sm, r, h, s, raw)   unpacks it into tile row r: 8 tile ints through
//                             mmq_store_w and the scales of those 32 values
// row points at the weight row (already clamped to a real row); nb is the
// number of blocks in a row. For 32-value types half h is block kb = 2s+h; a
// block kb >= nb (when ncols_x % 64 == 32) lies past the row: nothing is read
// for it and its raw words are zeros, so its scales (and its min) are 0 and it
// adds exactly 0. For 256-value (K) types slice s is quarter q = s%4 of block
// s/4 (values 64q+32h..), sub-blocks of 16 values 4q+2h and 4q+2h+1, of 32
// values 2q+h; ncols_x is a multiple of 256 there, so no block lies past the
// row.
// ---------------------------------------------------------------------------

// Spread 4 bits to bit 4 of each byte: bit i of h -> bit 8i+4.
CRK_DEV uint32_t mmq_bits_to_b4(uint32_t h) {
  return ((h & 1u) << 4) | ((h & 2u) << 11) | ((h & 4u) << 18) | ((h & 8u) << 25);
}

// Unpack 4 nibble-packed qs ints (32 values) to 8 tile ints: qs int k (bytes
// 4k..4k+3) holds values 4k.. in its low nibbles (tile int k) and 16+4k.. in
// its high nibbles (tile int 4+k). hi5: the 5th bits (bit j = value j) or 0.
// off: subtracted from every value (8 for q4_0, 16 for q5_0, 0 with a min).
CRK_DEV void mmq_unpack_nibbles(const uint32_t (&q)[4], uint32_t hi5, int off, int (&v)[8]) {
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const uint32_t lo = (q[k] & 0x0F0F0F0Fu) | mmq_bits_to_b4((hi5 >> (4 * k)) & 15u);
    const uint32_t hi = ((q[k] >> 4) & 0x0F0F0F0Fu) | mmq_bits_to_b4((hi5 >> (16 + 4 * k)) & 15u);
    v[k] = off ? mmq_sub_bytes((int)lo, off) : (int)lo;
    v[4 + k] = off ? mmq_sub_bytes((int)hi, off) : (int)hi;
  }
}

// q4_0 (18 B: d@0 qs@2): value j<16 = low nibble of qs[j], value j+16 = high
// nibble; v = d*(q-8).
struct mmq_q4_0 {
  static constexpr int QK = 32, BYTES = 18, MODE = MMQ_D, MX = 64, MY = 128;
  struct raw { uint32_t q[4]; crk_half d; };
  CRK_DEV raw fetch(const char *row, int h, int s, int nb) {
    raw x = {{0, 0, 0, 0}, 0};
    const int kb = 2 * s + h;
    if (kb < nb) {
      const block_q4_0 *b = (const block_q4_0 *)row + kb;
#pragma unroll
      for (int k = 0; k < 4; ++k) x.q[k] = (uint32_t)load_i32_a2(b->qs + 4 * k);
      x.d = b->d;
    }
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int, const raw &x) {
    int v[8];
    mmq_unpack_nibbles(x.q, 0, 8, v);
    mmq_store_w(sm, r, h, v);
    mmq_set_d(sm, r, h, h2f(x.d));
  }
};

// q4_1 (20 B: d@0 m@2 qs@4): nibbles as q4_0, v = d*q + m (q unsigned).
struct mmq_q4_1 {
  static constexpr int QK = 32, BYTES = 20, MODE = MMQ_DM, MX = 64, MY = 128;
  struct raw { uint32_t q[4]; uint32_t dm; };
  CRK_DEV raw fetch(const char *row, int h, int s, int nb) {
    raw x = {{0, 0, 0, 0}, 0};
    const int kb = 2 * s + h;
    if (kb < nb) {
      const block_q4_1 *b = (const block_q4_1 *)row + kb;
#pragma unroll
      for (int k = 0; k < 4; ++k) x.q[k] = (uint32_t)mmq_load_a4(b->qs + 4 * k);
      x.dm = (uint32_t)mmq_load_a4(b);
    }
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int, const raw &x) {
    int v[8];
    mmq_unpack_nibbles(x.q, 0, 0, v);
    mmq_store_w(sm, r, h, v);
    mmq_set_d(sm, r, h, h2f((crk_half)(x.dm & 0xFFFFu)));
    mmq_set_m(sm, r, h, h2f((crk_half)(x.dm >> 16)));
  }
};

// q5_0 (22 B: d@0 qh@2 qs@6): nibbles as q4_0, the 5th bit of value j is bit
// j of the u32 qh; v = d*(q-16).
struct mmq_q5_0 {
  static constexpr int QK = 32, BYTES = 22, MODE = MMQ_D, MX = 128, MY = 64;
  struct raw { uint32_t q[4]; uint32_t qh; crk_half d; };
  CRK_DEV raw fetch(const char *row, int h, int s, int nb) {
    raw x = {{0, 0, 0, 0}, 0, 0};
    const int kb = 2 * s + h;
    if (kb < nb) {
      const block_q5_0 *b = (const block_q5_0 *)row + kb;
#pragma unroll
      for (int k = 0; k < 4; ++k) x.q[k] = (uint32_t)load_i32_a2(b->qs + 4 * k);
      x.qh = (uint32_t)load_i32_a2(b->qh);
      x.d = b->d;
    }
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int, const raw &x) {
    int v[8];
    mmq_unpack_nibbles(x.q, x.qh, 16, v);
    mmq_store_w(sm, r, h, v);
    mmq_set_d(sm, r, h, h2f(x.d));
  }
};

// q5_1 (24 B: d@0 m@2 qh@4 qs@8): as q5_0 without the -16, v = d*q + m.
struct mmq_q5_1 {
  static constexpr int QK = 32, BYTES = 24, MODE = MMQ_DM, MX = 128, MY = 64;
  struct raw { uint32_t q[4]; uint32_t qh, dm; };
  CRK_DEV raw fetch(const char *row, int h, int s, int nb) {
    raw x = {{0, 0, 0, 0}, 0, 0};
    const int kb = 2 * s + h;
    if (kb < nb) {
      const block_q5_1 *b = (const block_q5_1 *)row + kb;
#pragma unroll
      for (int k = 0; k < 4; ++k) x.q[k] = (uint32_t)mmq_load_a4(b->qs + 4 * k);
      x.qh = (uint32_t)mmq_load_a4(b->qh);
      x.dm = (uint32_t)mmq_load_a4(b);
    }
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int, const raw &x) {
    int v[8];
    mmq_unpack_nibbles(x.q, x.qh, 0, v);
    mmq_store_w(sm, r, h, v);
    mmq_set_d(sm, r, h, h2f((crk_half)(x.dm & 0xFFFFu)));
    mmq_set_m(sm, r, h, h2f((crk_half)(x.dm >> 16)));
  }
};

// q8_0 (34 B: d@0 qs@2): v = d*q.
struct mmq_q8_0 {
  static constexpr int QK = 32, BYTES = 34, MODE = MMQ_D, MX = 128, MY = 64;
  struct raw { int q[8]; crk_half d; };
  CRK_DEV raw fetch(const char *row, int h, int s, int nb) {
    raw x = {{0, 0, 0, 0, 0, 0, 0, 0}, 0};
    const int kb = 2 * s + h;
    if (kb < nb) {
      const block_q8_0 *b = (const block_q8_0 *)row + kb;
#pragma unroll
      for (int k = 0; k < 8; ++k) x.q[k] = load_i32_a2(b->qs + 4 * k);
      x.d = b->d;
    }
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int, const raw &x) {
    mmq_store_w(sm, r, h, x.q);
    mmq_set_d(sm, r, h, h2f(x.d));
  }
};

// q2_K (84 B: scales[16]@0 qs[64]@16 d@80 dmin@82). Value v = 128n + 32j + l
// (l < 32) is bits 2j..2j+1 of qs[32n + l]; sub-block v/16 has scale
// scales[v/16] & 15 and min scales[v/16] >> 4; v = d*sc*q - dmin*mn.
// Half h of quarter q: n = q/2, j = 2(q%2) + h.
struct mmq_q2_K {
  static constexpr int QK = 256, BYTES = 84, MODE = MMQ_SC16M, MX = 64, MY = 128;
  struct raw { uint32_t q[8]; uint32_t sc, dd; };  // sc: scales[4q..4q+3]; dd: d | dmin << 16
  CRK_DEV raw fetch(const char *row, int, int s, int) {
    const int q = s & 3, n = q >> 1;
    const block_q2_K *b = (const block_q2_K *)row + (s >> 2);
    raw x;
#pragma unroll
    for (int k = 0; k < 8; ++k) x.q[k] = (uint32_t)mmq_load_a4(b->qs + 32 * n + 4 * k);
    x.sc = (uint32_t)mmq_load_a4(b->scales + 4 * q);
    x.dd = (uint32_t)mmq_load_a4(&b->d);
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int s, const raw &x) {
    const int j = 2 * (s & 1) + h;  // (s & 3) & 1
    int v[8];
#if !CRK_MMA
#pragma unroll
    for (int k = 0; k < 8; ++k) v[k] = (int)((x.q[k] >> (2 * j)) & 0x03030303u);
    mmq_store_w(sm, r, h, v);
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const uint32_t sc = (x.sc >> (8 * (2 * h + e))) & 0xFFu;
      sm.w_sc[r][2 * h + e] = (int8_t)(sc & 15u);
      sm.w_mn[r][2 * h + e] = (int8_t)(sc >> 4);
    }
    if (h == 0) {
      sm.w_d[r][0] = h2f((crk_half)(x.dd & 0xFFFFu));
      sm.w_d[r][1] = h2f((crk_half)(x.dd >> 16));
    }
#else
    // The matrix path stores sc*q (0..45: no byte carries into the next)
    // as the weight, so that a 32-value block is one product whose int32
    // sum is sc0 * (sum of values 0..15) + sc1 * (sum of 16..31), the
    // integer the dot4 path forms; the min of sub-block m becomes the float
    // -dmin*mn, the product the dot4 path forms per use.
    const float ndmin = -h2f((crk_half)(x.dd >> 16));
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const uint32_t sc = (x.sc >> (8 * (2 * h + e))) & 0xFFu;
#pragma unroll
      for (int k = 4 * e; k < 4 * e + 4; ++k) v[k] = (int)(((x.q[k] >> (2 * j)) & 0x03030303u) * (sc & 15u));
      sm.w_c[1 + 2 * h + e][mma_slot(r)] = ndmin * (float)(int)(sc >> 4);
    }
    mmq_store_w(sm, r, h, v);
    if (h == 0) mmq_set_d(sm, r, 0, h2f((crk_half)(x.dd & 0xFFFFu)));
#endif
  }
};

// q3_K (110 B: hmask[32]@0 qs[64]@32 scales[12]@96 d@108). Value v = 128n +
// 32j + l: low bits as q2_K, high bit = bit 4n+j of hmask[l]; q = low - 4 when
// that bit is clear; v = d*(sc-32)*q. The 6-bit scale of sub-block i (v/16):
// low 4 bits = nibble i/8 of scales[i%8], high 2 bits = bits 2(i/4).. of
// scales[8 + i%4]. Half h of quarter q: sub-blocks i = 4q+2h+e (e < 2), so
// i%8 = 4(q%2)+2h+e, i/8 = q/2, i%4 = 2h+e, i/4 = q.
struct mmq_q3_K {
  static constexpr int QK = 256, BYTES = 110, MODE = MMQ_SC16, MX = 128, MY = 128;
  // sl: scales[4(q%2)..+3] (low nibbles), sh: scales[8..11] (high bits)
  struct raw { uint32_t q[8], hm[8]; uint32_t sl, sh; crk_half d; };
  CRK_DEV raw fetch(const char *row, int, int s, int) {
    const int q = s & 3, n = q >> 1;
    const block_q3_K *b = (const block_q3_K *)row + (s >> 2);
    raw x;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      x.q[k] = (uint32_t)load_i32_a2(b->qs + 32 * n + 4 * k);
      x.hm[k] = (uint32_t)load_i32_a2(b->hmask + 4 * k);
    }
    x.sl = (uint32_t)load_i32_a2(b->scales + 4 * (q & 1));
    x.sh = (uint32_t)load_i32_a2(b->scales + 8);
    x.d = b->d;
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int s, const raw &x) {
    const int q = s & 3, n = q >> 1, j = 2 * (q & 1) + h;
    int v[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const uint32_t lo = (x.q[k] >> (2 * j)) & 0x03030303u;
      const uint32_t hb = (x.hm[k] >> (4 * n + j)) & 0x01010101u;
      v[k] = mmq_sub_bytes((int)(lo | (hb << 2)), 4);
    }
    mmq_store_w(sm, r, h, v);
    int sc[2];
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int m = 2 * h + e;  // byte of sl and sh
      const int lo = (x.sl >> (8 * m + 4 * (q >> 1))) & 15;
      const int hi = (x.sh >> (8 * m + 2 * q)) & 3;
      sc[e] = (lo | (hi << 4)) - 32;
    }
    mmq_set_sc2(sm, r, h, sc[0], sc[1]);
    if (h == 0) mmq_set_d(sm, r, 0, h2f(x.d));
  }
};

// The 6-bit scale and min of sub-block i (0..7) of q4_K/q5_K
// (the layout of crk_scale_min_k4) from the 12 scale bytes held as 3 words w: with
// k = i%4, scales[k], scales[k+4], scales[k+8] are byte k of w[0], w[1], w[2]
// (shifts and selects: no indexed array).
CRK_DEV void mmq_scale_min_k4(const uint32_t (&w)[3], int i, int *d, int *m) {
  const int k8 = 8 * (i & 3);
  // Branching here, not crk_scale_min_k4's selects: the dot4 path's
  // mul_mat_q4_K/q5_K code stays as it was, byte for byte.
  const int b0 = (int)((w[0] >> k8) & 0xFFu), b1 = (int)((w[1] >> k8) & 0xFFu), b2 = (int)((w[2] >> k8) & 0xFFu);
  if (i < 4) {
    *d = b0 & 63;
    *m = b1 & 63;
  } else {
    *d = (b2 & 15) | ((b0 >> 6) << 4);
    *m = (b2 >> 4) | ((b1 >> 6) << 4);
  }
}

// q4_K (144 B: d@0 dmin@2 scales[12]@4 qs[128]@16). Value v = 64c + 32h + l
// (l < 32) is nibble h of qs[32c + l]; sub-block v/32 = 2c+h;
// v = d*sc*q - dmin*mn. Quarter q is c = q.
struct mmq_q4_K {
  static constexpr int QK = 256, BYTES = 144, MODE = MMQ_DM, MX = 64, MY = 128;
  struct raw { uint32_t q[8]; uint32_t dm, sc[3]; };
  CRK_DEV raw fetch(const char *row, int, int s, int) {
    const int q = s & 3;
    const block_q4_K *b = (const block_q4_K *)row + (s >> 2);
    raw x;
#pragma unroll
    for (int k = 0; k < 8; ++k) x.q[k] = (uint32_t)mmq_load_a4(b->qs + 32 * q + 4 * k);
    x.dm = (uint32_t)mmq_load_a4(b);
#pragma unroll
    for (int k = 0; k < 3; ++k) x.sc[k] = (uint32_t)mmq_load_a4(b->scales + 4 * k);
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int s, const raw &x) {
    int v[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) v[k] = (int)((x.q[k] >> (4 * h)) & 0x0F0F0F0Fu);
    mmq_store_w(sm, r, h, v);
    int sc, mn;
    mmq_scale_min_k4(x.sc, 2 * (s & 3) + h, &sc, &mn);
    mmq_set_d(sm, r, h, h2f((crk_half)(x.dm & 0xFFFFu)) * (float)sc);
    mmq_set_m(sm, r, h, -h2f((crk_half)(x.dm >> 16)) * (float)mn);
  }
};

// q5_K (176 B: d@0 dmin@2 scales[12]@4 qh[32]@16 qs[128]@48): as q4_K plus
// a 5th bit: bit 2c+h (= the sub-block) of qh[l].
struct mmq_q5_K {
  static constexpr int QK = 256, BYTES = 176, MODE = MMQ_DM, MX = 64, MY = 128;
  struct raw { uint32_t q[8], qh[8]; uint32_t dm, sc[3]; };
  CRK_DEV raw fetch(const char *row, int, int s, int) {
    const int q = s & 3;
    const block_q5_K *b = (const block_q5_K *)row + (s >> 2);
    raw x;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      x.q[k] = (uint32_t)mmq_load_a4(b->qs + 32 * q + 4 * k);
      x.qh[k] = (uint32_t)mmq_load_a4(b->qh + 4 * k);
    }
    x.dm = (uint32_t)mmq_load_a4(b);
#pragma unroll
    for (int k = 0; k < 3; ++k) x.sc[k] = (uint32_t)mmq_load_a4(b->scales + 4 * k);
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int s, const raw &x) {
    const int sb = 2 * (s & 3) + h;  // the sub-block: also the qh bit
    int v[8];
#pragma unroll
    for (int k = 0; k < 8; ++k)
      v[k] = (int)(((x.q[k] >> (4 * h)) & 0x0F0F0F0Fu) | (((x.qh[k] >> sb) & 0x01010101u) << 4));
    mmq_store_w(sm, r, h, v);
    int sc, mn;
    mmq_scale_min_k4(x.sc, sb, &sc, &mn);
    mmq_set_d(sm, r, h, h2f((crk_half)(x.dm & 0xFFFFu)) * (float)sc);
    mmq_set_m(sm, r, h, -h2f((crk_half)(x.dm >> 16)) * (float)mn);
  }
};

// q6_K (210 B: ql[128]@0 qh[64]@128 scales[16]@192 (int8) d@208). Value
// v = 128n + 32j + l: low 4 bits = nibble j/2 of ql[64n + 32(j%2) + l], high
// 2 bits = bits 2j.. of qh[32n + l]; v = d*scales[v/16]*(q-32). Half h of
// quarter q: n = q/2, j = 2(q%2) + h, so j%2 = h and j/2 = q%2.
struct mmq_q6_K {
  static constexpr int QK = 256, BYTES = 210, MODE = MMQ_SC16, MX = 64, MY = 64;
  struct raw { uint32_t ql[8], qh[8]; uint32_t sc; crk_half d; };  // sc: scales[4q+2h..+1] in the low half
  CRK_DEV raw fetch(const char *row, int h, int s, int) {
    const int q = s & 3, n = q >> 1;
    const block_q6_K *b = (const block_q6_K *)row + (s >> 2);
    raw x;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      x.ql[k] = (uint32_t)load_i32_a2(b->ql + 64 * n + 32 * h + 4 * k);
      x.qh[k] = (uint32_t)load_i32_a2(b->qh + 32 * n + 4 * k);
    }
    x.sc = *(const uint16_t *)(b->scales + 4 * q + 2 * h);
    x.d = b->d;
    return x;
  }
  template <class S> CRK_DEV void store(S &sm, int r, int h, int s, const raw &x) {
    const int q = s & 3, j = 2 * (q & 1) + h;
    int v[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const uint32_t lo = (x.ql[k] >> (4 * (q & 1))) & 0x0F0F0F0Fu;
      const uint32_t hi = (x.qh[k] >> (2 * j)) & 0x03030303u;
      v[k] = mmq_sub_bytes((int)(lo | (hi << 4)), 32);
    }
    mmq_store_w(sm, r, h, v);
    mmq_set_sc2(sm, r, h, (int8_t)(x.sc & 0xFFu), (int8_t)(x.sc >> 8));
    if (h == 0) mmq_set_d(sm, r, 0, h2f(x.d));
  }
};
