// vecdot.h: dot products of quantized weight blocks with q8_1 activations,
// the shared core of the mat-vec kernels (mmvq.hip) and of the MoE kernels
// (moe.hip). kernel-abi.md sections 1-3 are the contract; the block layouts
// below are GGML's (ggml-quants.c dequantize_row_*), restated per type.
//
// Work unit. Everything here works on a *group*: 32 consecutive values of a
// weight row, i.e. exactly one q8_1 activation block. A group is a whole
// block for the 32-value types and one eighth of a superblock for the
// K-quants (group g = 0..7 of superblock sb holds values 32g..32g+31). One
// lane handles one group (or one 16-value half of it, section 3) per step,
// so each lane streams the contiguous bytes of its group with a few wide
// loads and needs exactly one q8_1 block of each activation vector.
//
// Per type, a struct vdot_w_<type><NQ> holds one lane's unit of one row,
// decoded into
//   q[NQ]  words of four int8 lanes: byte i of q[k] is the quant of value
//          4k+i of the unit (so q[k] pairs with word k of the activations),
//          offset to its signed value where the type has an offset (or,
//          with whole groups, left unsigned and the offset subtracted as
//          offset x sum of the activation quants: vdot_offset_in_y),
//   plus the group's float/int scales.
// load(row, gi, h) fills it from the weight row, group index gi and half h;
// dot(y) returns the sum over the unit's values of w * y, y being the
// dequantized q8_1 values (y.d * q; the types with a min also use y.s).
//
// Integer sums go through dot4_i8 (common.h) and are exact; the largest, of
// q6_K, stays below 2^24 in magnitude (see vdot_w_q6_K), so converting a
// group's sum to float is exact too. Only the float scaling and the
// accumulation over groups round.
#pragma once
#include "common.h"

// Launch bounds of the kernels: T = the host's workgroup size. On NVIDIA
// the second argument, minimum workgroups per multiprocessor, bounds the
// registers: ptxas compiling relocatable code (the NVIDIA build uses -rdc)
// otherwise takes up to 63 registers for the one-row kernels and 158 for
// B = 8. It is the counterpart of the 64-VGPR bound the AMD kernels carry.
#if CRK_AMD
#define VDOT_LAUNCH_BOUNDS(T, NV_MIN_BLOCKS) __launch_bounds__(T)
#else
#define VDOT_LAUNCH_BOUNDS(T, NV_MIN_BLOCKS) __launch_bounds__(T, NV_MIN_BLOCKS)
#endif

// A point the AMD instruction scheduler may not move code across.
#if CRK_AMD
#define VDOT_SCHED_BARRIER() __builtin_amdgcn_sched_barrier(0)
#else
#define VDOT_SCHED_BARRIER() ((void)0)
#endif

// Values the optimizer cannot see into (no code is emitted). On AMD:
//  - the per-row products, so that gfx90a's SLP vectorizer does not pair
//    the two rows into packed-fp32 ops, whose register pairs cost more
//    VGPRs than they save;
//  - the decoded weights of a group (vdot_pin), so that they are computed
//    once and held, not rematerialized per activation vector from the raw
//    loads (which keeps more registers live).
#if CRK_AMD
CRK_DEV float vdot_opaque(float x) {
  __asm__("" : "+v"(x));
  return x;
}
CRK_DEV void vdot_pin(float &x) { __asm__("" : "+v"(x)); }
CRK_DEV void vdot_pin(int &x) { __asm__("" : "+v"(x)); }
#define VDOT_OPAQUE_F(x) vdot_opaque(x)
#else
CRK_DEV void vdot_pin(float &) {}
CRK_DEV void vdot_pin(int &) {}
#define VDOT_OPAQUE_F(x) (x)
#endif
template <int N>
CRK_DEV void vdot_pin(int (&q)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) vdot_pin(q[i]);
}

// ---------------------------------------------------------------------------
// 1. Loads
//
// Block strides are 18, 20, 22, 24, 34 (32-value types), 84, 110, 144, 176,
// 210 (K-quants) and 36 (q8_1) bytes, so a block is only 2- or 4-byte
// aligned. The kernels still read wide:
//  - AMD: global_load_dwordx2/x4 need only dword alignment, so a run of
//    dwords at a 4-aligned address is read as it is; a 2-aligned run is read
//    from the dword below and funnel-shifted by 16 bits (v_alignbit).
//  - NVIDIA: vector loads need natural alignment, so a run is read as the
//    16-byte aligned chunks that cover it (ld.global.nc.v4) and its words are
//    picked out with selects on the offset and a funnel shift.
//
// Addresses are a workgroup-uniform 16-byte aligned base (vdot_src, in scalar
// registers on AMD) plus a per-lane 32-bit byte offset: the offset's low
// bits are the address's, and on AMD the loads take the base+offset form.
// ---------------------------------------------------------------------------
// A byte stream: base rounded down to 16 bytes, and where the data starts.
struct vdot_src {
  const uint8_t *base;  // 16-byte aligned
  uint32_t start;       // 0..15: offset of the original pointer from base
};
// (Pointer arithmetic, not integer casts, so the compiler keeps knowing that
// the base is a global pointer.)
CRK_DEV vdot_src vdot_make_src(const void *p) {
  const uint8_t *q = (const uint8_t *)p;
  const uint32_t start = (uint32_t)(uintptr_t)q & 15u;
  return vdot_src{q - start, start};
}

// 16 bytes at base + off, off 16-aligned, as 4 words. (On NVIDIA a plain
// load: __ldg, the read-only path, measured no faster on the H100.)
CRK_DEV void vdot_ld16(const uint8_t *__restrict__ base, uint32_t off, uint32_t *w) {
#if CRK_AMD
  crk_ld_u32<4>(base + off, w);
#else
  const uint4 v = *(const uint4 *)(base + off);
  w[0] = v.x; w[1] = v.y; w[2] = v.z; w[3] = v.w;
#endif
}

// 16-bit and 32-bit scalars at 2- and 4-aligned offsets.
CRK_DEV uint32_t vdot_ld_u16(const uint8_t *__restrict__ base, uint32_t off) {
  return *(const uint16_t *)(base + off);
}
CRK_DEV uint32_t vdot_ld_u32(const uint8_t *__restrict__ base, uint32_t off) {
  return *(const uint32_t *)(base + off);
}

// out[k] = bytes [off + 4k, off + 4k + 4) after base (little-endian), for
// k < ceil(NB/4): the NB bytes at off, off a multiple of A (2 or 4). Bytes
// of the last word past off + NB are unspecified. The loads stay inside the
// aligned dwords (AMD) or 16-byte chunks (NVIDIA) holding a byte of
// [off, off + NB), except on AMD with A == 2, where the last dword can reach
// 2 bytes past off + NB (into the next block, or into the slack the ABI
// puts after the last weight row).
template <int NB, int A>
CRK_DEV void vdot_gather(const uint8_t *__restrict__ base, uint32_t off, uint32_t *out) {
  static_assert(A == 2 || A == 4, "alignment");
  constexpr int NW = (NB + 3) / 4;
#if CRK_AMD
  if constexpr (A == 4) {
    crk_ld_u32<NW>(base + off, out);
  } else {
    constexpr int L = (NB + 2 + 3) / 4;  // dwords covering [off, off + NB) from off & ~3
    uint32_t w[L + 1];
    crk_ld_u32<L>(base + (off & ~3u), w);
    w[L] = 0;
    const uint32_t sh = (off & 2u) * 8u;  // 0 or 16
#pragma unroll
    for (int k = 0; k < NW; ++k) out[k] = crk_funnel(w[k], w[k + 1], sh);
  }
#else
  constexpr int C = (16 - A + NB + 15) / 16;  // chunks for the worst offset
  const uint32_t o = off & 15u, c0 = off - o;
  const uint32_t last = (o + NB - 1) >> 4;    // last chunk holding a wanted byte
  uint32_t raw[4 * C + 4];
#pragma unroll
  for (int c = 0; c < C; ++c) vdot_ld16(base, c0 + 16 * ((uint32_t)c < last ? c : last), raw + 4 * c);
#pragma unroll
  for (int i = 4 * C; i < 4 * C + 4; ++i) raw[i] = 0;
  // u[k] = raw[o/4 + k], by two selects on the bits of o/4.
  const uint32_t s = o >> 2;
  uint32_t t[NW + 2], u[NW + 1];
#pragma unroll
  for (int k = 0; k < NW + 2; ++k) t[k] = (s & 2u) ? raw[k + 2] : raw[k];
#pragma unroll
  for (int k = 0; k < NW + 1; ++k) u[k] = (s & 1u) ? t[k + 1] : t[k];
  if constexpr (A == 4) {
#pragma unroll
    for (int k = 0; k < NW; ++k) out[k] = u[k];
  } else {
    const uint32_t sh = (o & 2u) * 8u;
#pragma unroll
    for (int k = 0; k < NW; ++k) out[k] = crk_funnel(u[k], u[k + 1], sh);
  }
#endif
}

// A block that starts with a 16-bit field at off (2-aligned) and goes on
// with NW words at off + 2 (q4_0, q5_0, q8_0): h16 = the field in its low
// half, out[k] = the bytes [off + 2 + 4k, off + 6 + 4k). The loads are
// vdot_gather<2 + 4 NW, 2>'s. On AMD each word is one v_perm_b32 of the two
// dwords holding it, the selector set by off's alignment, where re-aligning
// the run to off and then skipping the field took two v_alignbit a word.
template <int NW>
CRK_DEV void vdot_gather_h16(const uint8_t *__restrict__ base, uint32_t off, uint32_t &h16, uint32_t *out) {
#if CRK_AMD
  uint32_t w[NW + 1];
  crk_ld_u32<NW + 1>(base + (off & ~3u), w);
  const uint32_t s = off & 2u;  // 0: the field in w0's low half, 2: in its high half
  h16 = crk_funnel(w[0], w[1], 8u * s);
  const uint32_t sel = 0x05040302u + s * 0x01010101u;  // bytes 2..5 or 4..7 of w[k+1]:w[k]
#pragma unroll
  for (int k = 0; k < NW; ++k) out[k] = __builtin_amdgcn_perm(w[k + 1], w[k], sel);
#else
  uint32_t w[NW + 1];
  vdot_gather<2 + 4 * NW, 2>(base, off, w);
  h16 = w[0];
#pragma unroll
  for (int k = 0; k < NW; ++k) out[k] = crk_funnel(w[k], w[k + 1], 16);
#endif
}

// ---------------------------------------------------------------------------
// 2. Byte arithmetic
// ---------------------------------------------------------------------------
// Each byte x_i of x (all in 0..127) minus k (0..128), as signed bytes: the
// top bit set first keeps every byte >= k, so no borrow crosses bytes; the
// final xor turns 128 + x_i - k back into the int8 x_i - k.
CRK_DEV int vdot_bsub(uint32_t x, uint32_t k) {
  return (int)(((x | 0x80808080u) - k * 0x01010101u) ^ 0x80808080u);
}


// Sum of the 4 products of a word of quants with a word of activations.
CRK_DEV int vdot_dot(int a, int b, int c) { return dot4_i8(a, b, c); }

// Chains start with common.h's dot4_i8_from / dot4_i8_start (no v_mov of
// the start value on the v_dot4c archs).
// A chain over N words, from the constant C or from the live value c.
template <int N, int C = 0>
CRK_DEV int vdot_chain_k(const int *a, const int *b) {
  int s = dot4_i8_from<C>(a[0], b[0]);
#pragma unroll
  for (int k = 1; k < N; ++k) s = vdot_dot(a[k], b[k], s);
  return s;
}
template <int N>
CRK_DEV int vdot_chain_v(const int *a, const int *b, int c) {
  int s = dot4_i8_start(a[0], b[0], c);
#pragma unroll
  for (int k = 1; k < N; ++k) s = vdot_dot(a[k], b[k], s);
  return s;
}
// The same with one word a for all N (a byte broadcast, e.g. ones).
template <int N, int C = 0>
CRK_DEV int vdot_chain1_k(int a, const int *b) {
  int s = dot4_i8_from<C>(a, b[0]);
#pragma unroll
  for (int k = 1; k < N; ++k) s = vdot_dot(a, b[k], s);
  return s;
}

// Sums over 4 words (16 values).
CRK_DEV int vdot_dot16(const int *a, const int *b) { return vdot_chain_k<4>(a, b); }
// Sum of 16 activation quants (a half group), exact.
CRK_DEV int vdot_sum16(const int *b) { return vdot_chain1_k<4>(0x01010101, b); }

// ---------------------------------------------------------------------------
// 3. Lane work units and the activation block
//
// A lane covers NQ/4 halves of one group per step: NQ = 8, the whole group,
// or NQ = 4, half h (0 or 1) of it; half hh holds values 16hh..16hh+15.
// Whole groups read the fewest, widest loads; halves hold half the decoded
// words, which the two-row kernels with many vectors need to stay within
// their register budget. In a lane's arrays, word 4i+k (k < 4) holds values
// 16hh+4k .. 16hh+4k+3 with hh = vdot_half<NQ>(i, h).
// ---------------------------------------------------------------------------
template <int NQ>
CRK_DEV int vdot_half(int i, int h) {
  static_assert(NQ == 4 || NQ == 8, "a lane covers a half or a whole group");
  return NQ == 8 ? i : h;
}

// The types with a min add m * (sum of the group's 32 activations) once per
// group: in half mode only the lane of half 0 does.
template <int NQ>
CRK_DEV float vdot_min_share(float m, int h) { return NQ == 8 || h == 0 ? m : 0.0f; }

// q8_1 (36 B: d@0, s@2, qs[32]@4), value i = d * qs[i]. s is the sum of the
// 32 ORIGINAL floats (kernel-abi.md section 2): it gives the min term of
// q4_1, q5_1, q4_K, q5_K as sum_i m * x_i = m * s. (q2_K's mins cover 16
// values each, so q2_K sums the quants exactly instead.)
template <int NQ>
struct vdot_y {
  float d, s;
  int q[NQ];
};

template <int NQ>
CRK_DEV void vdot_load_y(const vdot_src &row, int gi, int h, vdot_y<NQ> &y) {
  const uint32_t off = row.start + (uint32_t)gi * 36u;
  uint32_t ds;
  if constexpr (NQ == 8) {
    uint32_t w[9];  // w0 = d | s << 16, w1..w8 = qs
    vdot_gather<36, 4>(row.base, off, w);
    ds = w[0];
#pragma unroll
    for (int k = 0; k < 8; ++k) y.q[k] = (int)w[k + 1];
  } else {
    uint32_t w[4];  // qs[16h .. 16h+15]
    vdot_gather<16, 4>(row.base, off + 4 + 16 * h, w);
    ds = vdot_ld_u32(row.base, off);
#pragma unroll
    for (int k = 0; k < 4; ++k) y.q[k] = (int)w[k];
  }
  y.d = h2f((crk_half)(ds & 0xffffu));
  y.s = h2f((crk_half)(ds >> 16));
}

// Integer sums to scaled floats. A chain started at VDOT_M, the bits of the
// float 1.5 * 2^23, ends at the bits of the float 1.5 * 2^23 + S, exactly,
// for |S| < 2^22 (every unit sum below but q6_K's with whole groups: at most
// 2 * 32 * 16 * 4 * 127 for q3_K's, 32 * 127 * 127 for q8_0's). With a scale a
// of at most 21 significant bits (an f16, times an integer of at most 8
// bits for the K-quants' sub-scales) na = -a * 1.5 * 2^23 is exact, so
// fmaf(a, F, na) is a * S rounded once: the conversion and the product in one
// instruction (they were v_cvt_f32_i32 and a v_mul_f32). A unit's product with
// the activation vector then takes one fmaf more (vdot_acc).
#define VDOT_M 0x4B400000
#define VDOT_MF 12582912.0f
CRK_DEV float vdot_mf(int bits) { return __int_as_float(bits); }

// Exact integer dot of a lane's NQ quant words with its activation words,
// from the start C.
template <int NQ, int C = 0>
CRK_DEV int vdot_dotq(const int *a, const int *b) { return vdot_chain_k<NQ, C>(a, b); }

// Types whose quants carry an offset (q4_0 8, q5_0 16, q3_K 4, q6_K 32):
// sum (q - o) y = sum q y - o sum y. With whole groups (NQ = 8: the kernels
// with one row or few vectors) the quants stay unsigned and the offset is
// taken once per activation unit (NQ dot4 with ones, shared by the rows),
// instead of once per weight word and row (three ALU ops each); with half
// groups (many vectors, two rows) the weight words are offset in place.
template <int NQ>
CRK_DEV constexpr bool vdot_offset_in_y() { return NQ == 8; }
template <int NQ>
CRK_DEV int vdot_sumq(const int *b) { return vdot_chain1_k<NQ>(0x01010101, b); }
// A quant word with offset o: kept (OY: offset in y), or offset in place.
template <bool OY>
CRK_DEV int vdot_offq(uint32_t x, uint32_t o) { return OY ? (int)x : vdot_bsub(x, o); }
// C - O * (sum of N activation words' quants): the chain of the bytes -O
// with the activations, shared by the rows; their chains start from it.
template <int N, int O, int C>
CRK_DEV int vdot_ystart(const int *b) {
  constexpr int NEG = (int)(((256u - (uint32_t)O) & 0xffu) * 0x01010101u);
  int s = vdot_dot(NEG, b[0], C);
#pragma unroll
  for (int k = 1; k < N; ++k) s = vdot_dot(NEG, b[k], s);
  return s;
}
// C + the integer dot of N words of offset-O quants (N = NQ, or 4 for a
// 16-value half with its own scale) with activations.
template <bool OY, int N, int O, int C>
CRK_DEV int vdot_dotq_off(const int *a, const int *b) {
  if constexpr (OY)
    return vdot_chain_v<N>(a, b, vdot_ystart<N, O, C>(b));
  else
    return vdot_chain_k<N, C>(a, b);
}

// ---------------------------------------------------------------------------
// 4. 32-value types: group gi = block gi of the row. Value j (< 16) is the
//    low nibble of qs[j] and value 16+j the high nibble, so qs word k gives
//    values 4k..4k+3 (low nibbles, half 0) and 16+4k..16+4k+3 (high
//    nibbles, half 1): half hh takes the nibbles at shift 4hh.
// ---------------------------------------------------------------------------

// q4_0 (18 B: d@0, qs[16]@2): v = d * (nibble - 8).
template <int NQ>
struct vdot_w_q4_0 {
  static constexpr int QK = 32, BYTES = 18;
  static constexpr bool MIN = false, T2 = false, FUSED = true, OFF = true;
  float a, na;  // a = d
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(q); }
  template <bool OY>
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    uint32_t dh, w[4];  // d, qs word k = bytes 2+4k..5+4k
    vdot_gather_h16<4>(row.base, row.start + (uint32_t)gi * BYTES, dh, w);
    a = h2f((crk_half)(dh & 0xffffu));
    na = -a * VDOT_MF;
#pragma unroll
    for (int i = 0; i < NQ / 4; ++i) {
      const uint32_t sh = 4 * vdot_half<NQ>(i, h);
#pragma unroll
      for (int k = 0; k < 4; ++k) q[4 * i + k] = vdot_offq<OY>((w[k] >> sh) & 0x0f0f0f0fu, 8);
    }
  }
  template <bool OY>
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq_off<OY, NQ, 8, VDOT_M>(q, y.q)); }
};

// q4_1 (20 B: d@0, m@2, qs[16]@4): v = d * nibble + m.
template <int NQ>
struct vdot_w_q4_1 {
  static constexpr int QK = 32, BYTES = 20;
  static constexpr bool MIN = true, T2 = false, FUSED = true, OFF = false;
  float a, na, c;  // a = d, c = m
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(c); vdot_pin(q); }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    uint32_t w[5];  // w0 = d | m << 16, w1..w4 = qs
    vdot_gather<20, 4>(row.base, row.start + (uint32_t)gi * BYTES, w);
    a = h2f((crk_half)(w[0] & 0xffffu));
    na = -a * VDOT_MF;
    c = vdot_min_share<NQ>(h2f((crk_half)(w[0] >> 16)), h);
#pragma unroll
    for (int i = 0; i < NQ / 4; ++i) {
      const uint32_t sh = 4 * vdot_half<NQ>(i, h);
#pragma unroll
      for (int k = 0; k < 4; ++k) q[4 * i + k] = (int)((w[k + 1] >> sh) & 0x0f0f0f0fu);
    }
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq<NQ, VDOT_M>(q, y.q)); }
};

// The quants of q5_0/q5_1: the 5th bit of value e is bit e of the u32 qh, so
// values 16hh+4k.. take qh bits 16hh+4k .. 16hh+4k+3, each moved to bit 4 of
// its byte.
template <int NQ, bool OY>
CRK_DEV void vdot_q5_quants(const uint32_t *qs, uint32_t qh, int h, int offset, int *q) {
#pragma unroll
  for (int i = 0; i < NQ / 4; ++i) {
    const uint32_t hh = vdot_half<NQ>(i, h);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const uint32_t lo = (qs[k] >> (4 * hh)) & 0x0f0f0f0fu;
      const uint32_t hi = crk_spread4((qh >> (16 * hh + 4 * k)) & 15u) << 4;
      q[4 * i + k] = offset ? vdot_offq<OY>(lo | hi, offset) : (int)(lo | hi);
    }
  }
}

// q5_0 (22 B: d@0, qh[4]@2, qs[16]@6): v = d * (q - 16).
template <int NQ>
struct vdot_w_q5_0 {
  static constexpr int QK = 32, BYTES = 22;
  static constexpr bool MIN = false, T2 = false, FUSED = true, OFF = true;
  float a, na;  // a = d
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(q); }
  template <bool OY>
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    uint32_t dh, w[5];  // d, then qh = w0, qs word k = w[k + 1]
    vdot_gather_h16<5>(row.base, row.start + (uint32_t)gi * BYTES, dh, w);
    a = h2f((crk_half)(dh & 0xffffu));
    na = -a * VDOT_MF;
    vdot_q5_quants<NQ, OY>(w + 1, w[0], h, 16, q);
  }
  template <bool OY>
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq_off<OY, NQ, 16, VDOT_M>(q, y.q)); }
};

// q5_1 (24 B: d@0, m@2, qh[4]@4, qs[16]@8): v = d * q + m.
template <int NQ>
struct vdot_w_q5_1 {
  static constexpr int QK = 32, BYTES = 24;
  static constexpr bool MIN = true, T2 = false, FUSED = true, OFF = false;
  float a, na, c;  // a = d, c = m
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(c); vdot_pin(q); }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    uint32_t w[6];  // w0 = d | m << 16, w1 = qh, w2..w5 = qs
    vdot_gather<24, 4>(row.base, row.start + (uint32_t)gi * BYTES, w);
    a = h2f((crk_half)(w[0] & 0xffffu));
    na = -a * VDOT_MF;
    c = vdot_min_share<NQ>(h2f((crk_half)(w[0] >> 16)), h);
    vdot_q5_quants<NQ, false>(w + 2, w[1], h, 0, q);
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq<NQ, VDOT_M>(q, y.q)); }
};

// q8_0 (34 B: d@0, qs[32]@2 int8): v = d * q.
template <int NQ>
struct vdot_w_q8_0 {
  static constexpr int QK = 32, BYTES = 34;
  static constexpr bool MIN = false, T2 = false, FUSED = true, OFF = false;
  float a, na;  // a = d
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(q); }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    const uint32_t b = row.start + (uint32_t)gi * BYTES;
    if constexpr (NQ == 8) {
      uint32_t dh, w[8];  // d, qs word k = bytes 2+4k..5+4k
      vdot_gather_h16<8>(row.base, b, dh, w);
      a = h2f((crk_half)(dh & 0xffffu));
#pragma unroll
      for (int k = 0; k < 8; ++k) q[k] = (int)w[k];
    } else {
      uint32_t w[4];  // qs[16h .. 16h+15]
      vdot_gather<16, 2>(row.base, b + 2 + 16 * h, w);
      a = h2f((crk_half)vdot_ld_u16(row.base, b));
#pragma unroll
      for (int k = 0; k < 4; ++k) q[k] = (int)w[k];
    }
    na = -a * VDOT_MF;
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq<NQ, VDOT_M>(q, y.q)); }
};

// ---------------------------------------------------------------------------
// 5. K-quants (256 values per superblock). Group gi of a row: superblock
//    sb = gi / 8, sub-group g = gi % 8, values 32g + l (l < 32) of sb; half
//    hh = l / 16. In the kernels gi advances by multiples of 8, so g (and h)
//    are fixed per lane. "piece + 16hh" below: a half reads only the 16
//    bytes of its values, a whole group the 32.
// ---------------------------------------------------------------------------

// Loads the bytes [off, off + 16*NQ/4) of a piece that holds the group's
// values in order (byte l = value l), or in half mode the 16 bytes of half h.
template <int NQ, int A>
CRK_DEV void vdot_piece(const uint8_t *__restrict__ base, uint32_t off, int h, uint32_t *w) {
  if constexpr (NQ == 8)
    vdot_gather<32, A>(base, off, w);
  else
    vdot_gather<16, A>(base, off + 16 * h, w);
}

// q2_K (84 B: scales[16]@0, qs[64]@16, d@80, dmin@82).
//   g = 4n + j (n < 2, j < 4): q = qs[32n + l] >> 2j & 3
//   scale byte sb = scales[2g + hh]: v = d * (sb & 15) * q - dmin * (sb >> 4)
//   (the min term is summed exactly: 16 activation quants per half)
template <int NQ>
struct vdot_w_q2_K {
  static constexpr int QK = 256, BYTES = 84;
  static constexpr bool MIN = false, T2 = true, FUSED = true, OFF = false;
  // Whole groups: a = d, b = -dmin, the 4-bit scales and mins of the two
  // halves as integers (sums of both halves in sumq, summ). Halves: the
  // half's scale and min folded into a = d * sc and b = -dmin * mn (exact:
  // 11 x 4 bits), so a vector costs no integer products, and the min term's
  // sum of 16 activation quants is the same for both rows.
  float a, na, b;
  int sc[NQ / 4], mn[NQ / 4];
  int q[NQ];
  CRK_MEMBER void pin() {
    vdot_pin(a); vdot_pin(na); vdot_pin(b); vdot_pin(q);
    if constexpr (NQ == 8) { vdot_pin(sc); vdot_pin(mn); }
  }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    const uint8_t *base = row.base;
    const uint32_t b = row.start + (uint32_t)(gi >> 3) * BYTES;
    const int g = gi & 7, n = g >> 2, j = g & 3;
    uint32_t w[NQ];
    vdot_piece<NQ, 4>(base, b + 16 + 32 * n, h, w);
    const uint32_t s2 = vdot_ld_u16(base, b + 2 * g);  // scales[2g] | scales[2g+1] << 8
    const uint32_t dd = vdot_ld_u32(base, b + 80);     // d | dmin << 16
    a = h2f((crk_half)(dd & 0xffffu));
    this->b = -h2f((crk_half)(dd >> 16));
#pragma unroll
    for (int i = 0; i < NQ / 4; ++i) {
      const uint32_t sb = (s2 >> (8 * vdot_half<NQ>(i, h))) & 0xffu;
      sc[i] = (int)(sb & 15u);
      mn[i] = (int)(sb >> 4);
    }
    if constexpr (NQ == 4) {
      a *= (float)sc[0];
      this->b *= (float)mn[0];
    }
    na = -a * VDOT_MF;
#pragma unroll
    for (int k = 0; k < NQ; ++k) q[k] = (int)((w[k] >> (2 * j)) & 0x03030303u);
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const {
    if constexpr (NQ == 4) {
      return vdot_mf(vdot_dotq<4, VDOT_M>(q, y.q));
    } else {
      int sumq = VDOT_M;
#pragma unroll
      for (int i = 0; i < 2; ++i) sumq += sc[i] * vdot_dot16(q + 4 * i, y.q + 4 * i);
      return vdot_mf(sumq);
    }
  }
  // The min term's integer sum (exact in float: at most 2 * 15 * 16 * 127).
  CRK_MEMBER float tsum(const vdot_y<NQ> &y) const {
    if constexpr (NQ == 4) {
      return (float)vdot_sum16(y.q);
    } else {
      int summ = 0;
#pragma unroll
      for (int i = 0; i < 2; ++i) summ += mn[i] * vdot_sum16(y.q + 4 * i);
      return (float)summ;
    }
  }
};

// q3_K (110 B: hmask[32]@0, qs[64]@32, scales[12]@96, d@108).
//   g = 4n + j: q = (qs[32n + l] >> 2j & 3) - (hmask[l] >> g & 1 ? 0 : 4)
//   6-bit scale s = 2g + hh, stored biased by 32:
//     low 4 bits  s < 8 ? scales[s] & 15 : scales[s-8] >> 4
//                 = byte hh of u16 scales[2(g%4)..] >> (g < 4 ? 0 : 4)
//     high 2 bits scales[8 + s%4] >> 2(s/4) & 3
//                 = byte hh of u16 scales[8 + 2(g%2)..] >> 2(g/2)
//   v = d * (scale - 32) * q
template <int NQ>
struct vdot_w_q3_K {
  static constexpr int QK = 256, BYTES = 110;
  static constexpr bool MIN = false, T2 = false, FUSED = true, OFF = true;
  float a, na;  // a = d
  int sc[NQ / 4];
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(sc); vdot_pin(q); }
  template <bool OY>
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    const uint8_t *base = row.base;
    const uint32_t b = row.start + (uint32_t)(gi >> 3) * BYTES;
    const int g = gi & 7, n = g >> 2, j = g & 3;
    uint32_t qs[NQ], hm[NQ];
    vdot_piece<NQ, 2>(base, b + 32 + 32 * n, h, qs);
    vdot_piece<NQ, 2>(base, b, h, hm);
    const uint32_t lo = vdot_ld_u16(base, b + 96 + 2 * (g & 3)) >> (g < 4 ? 0 : 4);
    const uint32_t hi = vdot_ld_u16(base, b + 104 + 2 * (g & 1)) >> (2 * (g >> 1));
    a = h2f((crk_half)vdot_ld_u16(base, b + 108));
    na = -a * VDOT_MF;
#pragma unroll
    for (int i = 0; i < NQ / 4; ++i) {
      const uint32_t sh = 8 * vdot_half<NQ>(i, h);
      sc[i] = (int)(((lo >> sh) & 15u) | (((hi >> sh) & 3u) << 4)) - 32;
    }
#pragma unroll
    for (int k = 0; k < NQ; ++k) {
      const uint32_t v = ((qs[k] >> (2 * j)) & 0x03030303u) | (((hm[k] >> g) & 0x01010101u) << 2);
      q[k] = vdot_offq<OY>(v, 4);
    }
  }
  template <bool OY>
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const {
    int sumq = VDOT_M;
#pragma unroll
    for (int i = 0; i < NQ / 4; ++i) sumq += sc[i] * vdot_dotq_off<OY, 4, 4, 0>(q + 4 * i, y.q + 4 * i);
    return vdot_mf(sumq);
  }
};

// q4_K and q5_K: header d@0, dmin@2, scales[12]@4 = one 16-byte load, words
// H0 = d | dmin << 16, H1..H3 = scales[0..11]. Scale and min of group g
// (crk_scale_min_k4) from byte g % 4 of H1, H2, H3.
// Superblocks of 144 and 176 bytes keep rows 16-byte aligned, so every
// piece is read with aligned 16-byte loads.
CRK_DEV void vdot_k4_header(const uint8_t *__restrict__ base, uint32_t b, int g, float &dsc, float &dmn) {
  uint32_t hd[4];
  vdot_ld16(base, b, hd);
  const uint32_t sh = 8 * (g & 3);
  uint32_t sc, m;
  crk_scale_min_k4<uint32_t>((hd[1] >> sh) & 0xFFu, (hd[2] >> sh) & 0xFFu, (hd[3] >> sh) & 0xFFu, g, sc, m);
  dsc = h2f((crk_half)(hd[0] & 0xffffu)) * (float)sc;
  dmn = h2f((crk_half)(hd[0] >> 16)) * (float)m;
}

// 16-aligned piece: 16 bytes at off (+16 for a whole group) or at off + 16h.
template <int NQ>
CRK_DEV void vdot_piece16(const uint8_t *__restrict__ base, uint32_t off, int h, uint32_t *w) {
  if constexpr (NQ == 8) {
    vdot_ld16(base, off, w);
    vdot_ld16(base, off + 16, w + 4);
  } else {
    vdot_ld16(base, off + 16 * h, w);
  }
}

// q4_K (144 B: header@0, qs[128]@16).
//   g = 2i + t: q = qs[32i + l] >> 4t & 15;  v = d*sc * q - dmin*m
template <int NQ>
struct vdot_w_q4_K {
  static constexpr int QK = 256, BYTES = 144;
  static constexpr bool MIN = true, T2 = false, FUSED = true, OFF = false;
  float a, na, c;  // a = d * sc, c = -dmin * m
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(c); vdot_pin(q); }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    const uint8_t *base = row.base;
    const uint32_t b = row.start + (uint32_t)(gi >> 3) * BYTES;
    const int g = gi & 7;
    uint32_t w[NQ];
    vdot_piece16<NQ>(base, b + 16 + 32 * (g >> 1), h, w);
    vdot_k4_header(base, b, g, a, c);
    na = -a * VDOT_MF;
    c = -vdot_min_share<NQ>(c, h);
    const uint32_t sh = 4 * (g & 1);
#pragma unroll
    for (int k = 0; k < NQ; ++k) q[k] = (int)((w[k] >> sh) & 0x0f0f0f0fu);
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq<NQ, VDOT_M>(q, y.q)); }
};

// q5_K (176 B: header@0, qh[32]@16, qs[128]@48).
//   g = 2i + t: q = (qs[32i + l] >> 4t & 15) | (qh[l] >> g & 1) << 4
//   v = d*sc * q - dmin*m
template <int NQ>
struct vdot_w_q5_K {
  static constexpr int QK = 256, BYTES = 176;
  static constexpr bool MIN = true, T2 = false, FUSED = true, OFF = false;
  float a, na, c;  // a = d * sc, c = -dmin * m
  int q[NQ];
  CRK_MEMBER void pin() { vdot_pin(a); vdot_pin(na); vdot_pin(c); vdot_pin(q); }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    const uint8_t *base = row.base;
    const uint32_t b = row.start + (uint32_t)(gi >> 3) * BYTES;
    const int g = gi & 7;
    uint32_t w[NQ], qh[NQ];
    vdot_piece16<NQ>(base, b + 48 + 32 * (g >> 1), h, w);
    vdot_piece16<NQ>(base, b + 16, h, qh);
    vdot_k4_header(base, b, g, a, c);
    na = -a * VDOT_MF;
    c = -vdot_min_share<NQ>(c, h);
    const uint32_t sh = 4 * (g & 1);
#pragma unroll
    for (int k = 0; k < NQ; ++k)
      q[k] = (int)(((w[k] >> sh) & 0x0f0f0f0fu) | (((qh[k] >> g) & 0x01010101u) << 4));
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const { return vdot_mf(vdot_dotq<NQ, VDOT_M>(q, y.q)); }
};

// q6_K (210 B: ql[128]@0, qh[64]@128, scales[16]@192 int8, d@208).
//   g = 4n + j: low 4 bits  ql[64n + 32(j%2) + l] >> 4(j/2) & 15
//               high 2 bits qh[32n + l] >> 2j & 3
//   q = (low | high << 4) - 32; scale s = 2g + hh = scales[8n + 2j + hh]
//   v = d * scale * q
// |int sum| <= 32 values * 32 * 127 * 128 < 2^24: exact in float.
template <int NQ>
struct vdot_w_q6_K {
  static constexpr int QK = 256, BYTES = 210;
  static constexpr bool MIN = false, T2 = false, FUSED = true, OFF = false;
  // Whole groups: a = d, the two half scales in sc, the sum converted (it
  // can reach 2^24: no VDOT_M), na = 0. Halves: a = d * scale (exact: 11 x
  // 8 bits), the sum of the half from VDOT_M.
  float a, na;
  int sc[NQ / 4];
  int q[NQ];
  CRK_MEMBER void pin() {
    vdot_pin(a); vdot_pin(na); vdot_pin(q);
    if constexpr (NQ == 8) vdot_pin(sc);
  }
  CRK_MEMBER void load(const vdot_src &row, int gi, int h) {
    const uint8_t *base = row.base;
    const uint32_t b = row.start + (uint32_t)(gi >> 3) * BYTES;
    const int g = gi & 7, n = g >> 2, j = g & 3;
    uint32_t ql[NQ], qh[NQ];
    vdot_piece<NQ, 2>(base, b + 64 * n + 32 * (j & 1), h, ql);
    vdot_piece<NQ, 2>(base, b + 128 + 32 * n, h, qh);
    const uint32_t s2 = vdot_ld_u16(base, b + 192 + 2 * g);  // scales[2g] | scales[2g+1] << 8
    a = h2f((crk_half)vdot_ld_u16(base, b + 208));
#pragma unroll
    for (int i = 0; i < NQ / 4; ++i) sc[i] = (int)(int8_t)(uint8_t)(s2 >> (8 * vdot_half<NQ>(i, h)));
    if constexpr (NQ == 4) {
      a *= (float)sc[0];
      na = -a * VDOT_MF;
    } else {
      na = 0.0f;
    }
    const uint32_t shl = 4 * (j >> 1), shh = 2 * j;
#pragma unroll
    for (int k = 0; k < NQ; ++k) {
      const uint32_t v = ((ql[k] >> shl) & 0x0f0f0f0fu) | (((qh[k] >> shh) & 0x03030303u) << 4);
      q[k] = vdot_offq<vdot_offset_in_y<NQ>()>(v, 32);
    }
  }
  CRK_MEMBER float fsum(const vdot_y<NQ> &y) const {
    if constexpr (NQ == 4) {
      return vdot_mf(vdot_dotq<4, VDOT_M>(q, y.q));
    } else {
      int sumq = 0;
#pragma unroll
      for (int i = 0; i < 2; ++i) sumq += sc[i] * vdot_dotq_off<true, 4, 32, 0>(q + 4 * i, y.q + 4 * i);
      return (float)sumq;
    }
  }
};

// ---------------------------------------------------------------------------
// 6. The mat-vec core shared by mmvq.hip and moe.hip.
//
// A workgroup is (32, NWARPS) threads: NWARPS logical 32-lane warps (two per
// wavefront on gfx9, one on RDNA and NVIDIA). It computes R rows (R = 1 or
// 2) against B activation vectors. A row is cut into units (groups, or
// half groups for NQ = 4; the two halves of a group go to adjacent lanes).
// Step s gives the workgroup's thread t unit NWARPS*32*s + t, so each step
// reads one contiguous stretch of the row. Each lane reads its unit of each
// row once and uses it for all B vectors; partial sums are then added
// across lanes and warps (vdot_mmvq_store).
// ---------------------------------------------------------------------------
// The types with an offset (W::OFF: q4_0 q5_0 q3_K) take it in y or in
// place by the kernel's plan (OY, vdot_mmvq_sums); the others have one way.
template <bool OY, class W>
CRK_DEV void vdot_load(W &w, const vdot_src &row, int gi, int h) {
  if constexpr (W::OFF)
    w.template load<OY>(row, gi, h);
  else
    w.load(row, gi, h);
}
template <bool OY, class W, class Y>
CRK_DEV float vdot_fsum(const W &w, const Y &y) {
  if constexpr (W::OFF)
    return w.template fsum<OY>(y);
  else
    return w.fsum(y);
}

// acc[r] += the dot of row r's unit w[r] with the activation block y:
//   y.d * (a S + b T) + c y.s,
// a S from the unit's integer sum S (fmaf(a, fsum, na): see VDOT_M), the
// term b T for q2_K's mins (W::T2), c y.s for the types with a min (W::MIN).
template <bool OY, class W, int R, int NQ>
CRK_DEV void vdot_acc(const W (&w)[R], const vdot_y<NQ> &y, float (&acc)[R]) {
  if constexpr (!W::FUSED) {
#pragma unroll
    for (int r = 0; r < R; ++r) acc[r] = VDOT_OPAQUE_F(acc[r] + VDOT_OPAQUE_F(w[r].dot(y)));
  } else {
#pragma unroll
    for (int r = 0; r < R; ++r) {
      float x = fmaf(w[r].a, vdot_fsum<OY>(w[r], y), w[r].na);
      if constexpr (W::T2) x = fmaf(w[r].b, w[r].tsum(y), x);
      float t = fmaf(VDOT_OPAQUE_F(x), y.d, acc[r]);
      if constexpr (W::MIN) t = fmaf(w[r].c, y.s, t);
      acc[r] = VDOT_OPAQUE_F(t);
    }
  }
}

// Packed fp32 (v_pk_fma_f32: gfx90a, gfx94x, gfx950): the two rows of a
// workgroup as the halves of one register pair, so vdot_acc's float work
// is one instruction for both rows. Each step pairs the rows' scales once
// (vdot_pair, pinned: 2-4 copies per step, against 2-4 instructions saved per
// vector) and the sums stay pairs throughout.
#if defined(CRK_PK_F32)
#define VDOT_PK_F32 1
CRK_DEV void vdot_pin(crk_f32x2 &x) { __asm__("" : "+v"(x)); }

// The scales of the two rows' units, paired.
template <class W>
struct vdot_pair {
  crk_f32x2 a, na, b, c;
  CRK_MEMBER void set(const W (&w)[2]) {
    a = crk_f32x2{w[0].a, w[1].a};
    na = crk_f32x2{w[0].na, w[1].na};
    vdot_pin(a);
    vdot_pin(na);
    if constexpr (W::T2) { b = crk_f32x2{w[0].b, w[1].b}; vdot_pin(b); }
    if constexpr (W::MIN) { c = crk_f32x2{w[0].c, w[1].c}; vdot_pin(c); }
  }
};
template <bool OY, class W, int NQ>
CRK_DEV void vdot_acc2(const W (&w)[2], const vdot_pair<W> &p, const vdot_y<NQ> &y, crk_f32x2 &acc) {
  crk_f32x2 x = crk_fma2(p.a, crk_f32x2{vdot_fsum<OY>(w[0], y), vdot_fsum<OY>(w[1], y)}, p.na);
  if constexpr (W::T2) x = crk_fma2(p.b, crk_f32x2{w[0].tsum(y), w[1].tsum(y)}, x);
  crk_f32x2 t = crk_fma2(x, crk_f32x2{y.d, y.d}, acc);
  if constexpr (W::MIN) t = crk_fma2(p.c, crk_f32x2{y.s, y.s}, t);
  vdot_pin(t);
  acc = t;
}
#else
#define VDOT_PK_F32 0
#endif

template <template <int> class WT, int B, int R, int NCW, int NQ>
CRK_DEV void vdot_mmvq_sums(const vdot_src (&w)[R], const uint8_t *__restrict__ vy,
                          size_t ystride_bytes, int ngroups, int cw, float (&acc)[B][R]) {
  using W = WT<NQ>;
  constexpr int UPG = 8 / NQ;  // units per group
  // The offset types' offset (W::OFF): in y, once per activation block and
  // shared by the rows, for whole groups with up to 4 vectors; in place, once
  // per weight word and row (vdot_bsub), for halves and for whole groups with
  // 5 or more vectors, where the vectors' NQ dot4 each would cost more.
  constexpr bool OY = NQ == 8 && B <= 4;
  // The q8_1 rows are pad(ncols)/32 blocks of 36 bytes apart, a multiple of
  // 576 bytes, so every row has row 0's offset from a 16-byte boundary and
  // one per-lane offset serves all B rows.
  vdot_src ys[B];
  ys[0] = vdot_make_src(vy);
#pragma unroll
  for (int j = 1; j < B; ++j) ys[j] = vdot_src{ys[0].base + j * ystride_bytes, ys[0].start};
#pragma unroll
  for (int j = 0; j < B; ++j)
#pragma unroll
    for (int r = 0; r < R; ++r) acc[j][r] = 0.0f;
#if VDOT_PK_F32
  constexpr bool PK = R == 2 && W::FUSED;
  crk_f32x2 acc2[PK ? B : 1];
#pragma unroll
  for (int j = 0; j < (PK ? B : 1); ++j) acc2[j] = crk_f32x2{0.0f, 0.0f};
#endif
  const int nunits = ngroups * UPG;
  for (int u0 = cw * CRK_WARP + (int)threadIdx.x; u0 < nunits; u0 += NCW * CRK_WARP) {
    // On AMD the loop counter is hidden from the optimizer here: otherwise
    // loop strength reduction keeps one 64-bit pointer per stream (B + R
    // register pairs) instead of one 32-bit offset next to scalar bases.
    int u = u0;
#if CRK_AMD
    __asm__ volatile("" : "+v"(u));
#endif
    const int gi = u / UPG, h = u % UPG;
    // Row by row: decoding several rows at once would hold their raw words
    // and decode temporaries together.
    W wr[R];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r > 0) VDOT_SCHED_BARRIER();
      vdot_load<OY>(wr[r], w[r], gi, h);
      wr[r].pin();
    }
    // One vector's block at a time: the scheduling barrier keeps the
    // compiler from hoisting all B loads at once.
#if VDOT_PK_F32
    if constexpr (PK) {
      vdot_pair<W> pr;
      pr.set(wr);
#pragma unroll
      for (int j = 0; j < B; ++j) {
        vdot_y<NQ> yv;
        vdot_load_y<NQ>(ys[j], gi, h, yv);
        vdot_acc2<OY, W, NQ>(wr, pr, yv, acc2[j]);
        VDOT_SCHED_BARRIER();
      }
      continue;
    }
#endif
#pragma unroll
    for (int j = 0; j < B; ++j) {
      vdot_y<NQ> yv;
      vdot_load_y<NQ>(ys[j], gi, h, yv);
      vdot_acc<OY, W, R, NQ>(wr, yv, acc[j]);
      VDOT_SCHED_BARRIER();
    }
  }
#if VDOT_PK_F32
  if constexpr (PK) {
#pragma unroll
    for (int j = 0; j < B; ++j) {
      acc[j][0] = acc2[j].x;
      acc[j][R - 1] = acc2[j].y;
    }
  }
#endif
}

// Adds acc over the workgroup and writes dst[j*dst_stride + r] for j < B,
// r < nr (the 1 or 2 real rows of this workgroup).
//
// Within a warp, the O = B*R sums (padded with zeros to N, a power of 2) are
// reduced by halving: at lane mask m the lanes with that bit set keep the
// upper half of their live values and send the lower half to the partner
// lane, which keeps the lower half, so each step halves the live values with
// N/2, N/4, ... shuffles. After log2(N) steps lane l holds a partial sum of
// output (l >> (5 - log2 N)) & (N - 1); the remaining masks add the partners.
// One float per warp and output then goes through LDS.
// One halving step of vdot_mmvq_store per level (a recursion, so that every
// index into v is a constant: a runtime index would put v in local memory).
template <int N, int MASK>
CRK_DEV void vdot_halve(float *v, int lane) {
  if constexpr (N > 1) {
    const bool up = (lane & MASK) != 0;
#pragma unroll
    for (int i = 0; i < N / 2; ++i) {
      const float keep = up ? v[i + N / 2] : v[i];
      const float send = up ? v[i] : v[i + N / 2];
      v[i] = keep + crk_shfl_xor(send, MASK);
    }
    vdot_halve<N / 2, MASK / 2>(v, lane);
  }
}

template <int B, int R, int NWARPS>
CRK_DEV void vdot_mmvq_store(float (&acc)[B][R], float *__restrict__ dst, int64_t dst_stride, int nr) {
  constexpr int O = B * R;
  constexpr int N = O <= 1 ? 1 : O <= 2 ? 2 : O <= 4 ? 4 : O <= 8 ? 8 : O <= 16 ? 16 : 32;
  static_assert(O <= 32, "at most 32 sums per thread");
  constexpr int LOGN = N == 1 ? 0 : N == 2 ? 1 : N == 4 ? 2 : N == 8 ? 3 : N == 16 ? 4 : 5;
  const int lane = threadIdx.x, warp = threadIdx.y;
  float v[N];
#pragma unroll
  for (int o = 0; o < N; ++o) v[o] = o < O ? acc[o / R][o % R] : 0.0f;
  vdot_halve<N, 16>(v, lane);
#pragma unroll
  for (int m = 16 >> LOGN; m > 0; m >>= 1) v[0] += crk_shfl_xor(v[0], m);

  __shared__ float vdot_red[NWARPS][N];
  if ((lane & ((32 >> LOGN) - 1)) == 0) vdot_red[warp][lane >> (5 - LOGN)] = v[0];
  __syncthreads();
  if (warp == 0 && lane < O) {
    float t = 0.0f;
#pragma unroll
    for (int w = 0; w < NWARPS; ++w) t += vdot_red[w][lane];
    const int j = lane / R, r = lane % R;
    if (r < nr) dst[j * dst_stride + r] = t;
  }
}

// ---------------------------------------------------------------------------
// 7. Bit-plane pieces at B = 1 (q3_K).
//
// In q3_K (and q2_K) the four groups g = 4n + j (j < 4) of a superblock
// share one 32-byte piece n of qs, each group taking the 2-bit plane at
// shift 2j, and q3_K's high bits (hmask) are shared by all eight groups.
// With one group per lane (section 6) four lanes read and re-align the same
// bytes and decode one plane each. Here a lane's unit is instead half hh of
// piece n: the 16 bytes holding values 16hh..16hh+15 of all four groups,
// read once and decoded plane by plane against the four activation
// half-blocks. Units per superblock: 4, in the order (n, hh), so adjacent
// lanes read adjacent 16-byte runs of the row. Used for the one-row kernel
// (B = 1), where each weight byte meets one activation vector and the
// decoding of section 6 (address, re-alignment, scale and plane work per
// group) is most of the instructions; the batch kernels keep one group per
// lane, since four groups decoded per lane for several vectors and two rows
// would not fit their registers.
//
// Half pieces rather than whole ones keep twice the lanes at work on short
// rows (K = 4096: 64 units for the workgroup's 128 lanes). With 64-lane
// waves a row of 14336 columns (224 units) fills its last pass by half.
// ---------------------------------------------------------------------------
// The units of superblock sb: unit u = 4 sb + 2n + hh.
struct vdot_plane_unit {
  int sb, n, hh;
};
CRK_DEV vdot_plane_unit vdot_plane_unit_of(int u) { return vdot_plane_unit{u >> 2, (u >> 1) & 1, u & 1}; }

// Bits [off, off + width) of x, width < 32 a constant, off + width <= 32.
CRK_DEV uint32_t vdot_bits(uint32_t x, uint32_t off, int width) { return (x >> off) & ((1u << width) - 1u); }

// The four activation half-blocks of a unit (groups 8sb + 4n + j, half hh),
// all loaded before any is used.
struct vdot_plane_ys {
  float d[4];
  int q[4][4];
};
CRK_DEV void vdot_plane_load_ys(const vdot_src &y, vdot_plane_unit p, vdot_plane_ys &ys) {
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    vdot_y<4> yv;
    vdot_load_y<4>(y, 8 * p.sb + 4 * p.n + j, p.hh, yv);
    ys.d[j] = yv.d;
#pragma unroll
    for (int k = 0; k < 4; ++k) ys.q[j][k] = yv.q[k];
  }
}

// Plane j of a word of 2-bit planes (q3_K's qs) without shifting it
// down where it can stay: planes 0..2 are masked in place (0x03030303 << 2j:
// bytes of at most 48, with q3_K's high bit above them 112, still positive
// int8), plane 3 is moved to plane 2's bits. So byte i holds vdot_plane_f(j) times
// the quant; the integer dot is that multiple of the true one, and the
// caller sums planes of one multiple together and scales each sum once.
// Saves the shift of planes 1 and 2 (two of four per word).
CRK_DEV constexpr int vdot_plane_f(int j) { return j == 0 ? 1 : j == 1 ? 4 : 16; }
CRK_DEV uint32_t vdot_plane_bits(uint32_t w, int j) {
  return j < 3 ? w & (0x03030303u << (2 * j)) : (w >> 2) & 0x30303030u;
}
// The bit of plane j's multiple: plane j's quant times vdot_plane_f(j) lies
// in bits [s, s + 2) with s = 2 min(j, 2).
CRK_DEV constexpr int vdot_plane_shift(int j) { return j < 3 ? 2 * j : 4; }

// q3_K unit: for j < 4, value l = 16hh + i of group g = 4n + j is
// (qs[32n + l] >> 2j & 3) | (hmask[l] >> g & 1) << 2, offset by 4; its 6-bit
// scale s = 2g + hh = 8n + 2j + hh (biased by 32) has
//   low 4 bits  scales[2j + hh] >> 4n & 15     = bits 16(j%2) + 8hh + 4n of scales word j/2
//   high 2 bits scales[8 + 2(j%2) + hh] >> 2(2n + j/2) & 3
//                                            = bits 16(j%2) + 2(j/2) + 8hh + 4n of scales word 2
// With the plane left in place (vdot_plane_bits, multiple f), the hmask bit
// g of each byte goes to bit 2 above it, vdot_plane_shift(j) + 2, by a
// rotation right by g - that bit (mod 32): each byte's bit g lands on its own
// byte's target bit, and no bit wrapping between byte 3 and byte 0 lands on
// a target bit. The offset 4 (times f) is a dot of the activations with
// bytes -4f, in the same chain.
// |sum| per plane <= 16 * 64 * 128 * 32 < 2^24: exact in float.
struct vdot_plane_q3_K {
  static constexpr int QK = 256, BYTES = 110;
  CRK_MEMBER static float dot(const vdot_src &row, const vdot_src &y, vdot_plane_unit p) {
    const uint8_t *base = row.base;
    const uint32_t b = row.start + (uint32_t)p.sb * BYTES;
    uint32_t qs[4], hm[4], sw[4];
    vdot_gather<16, 2>(base, b + 32 + 32 * p.n + 16 * p.hh, qs);
    vdot_gather<16, 2>(base, b + 16 * p.hh, hm);
    vdot_gather<14, 2>(base, b + 96, sw);  // scales[0..11], then d in the low half of word 3
    vdot_plane_ys ys;
    vdot_plane_load_ys(y, p, ys);
    VDOT_SCHED_BARRIER();  // every load issued before the first is waited for
    const uint32_t soff = 8u * (uint32_t)p.hh + 4u * (uint32_t)p.n;
    float sq[3] = {0.0f, 0.0f, 0.0f};  // by plane multiple 1, 4, 16: sums of y.d * scale * dot
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const uint32_t o = 16u * (j & 1) + soff;
      const int sc = (int)(vdot_bits(sw[j >> 1], o, 4) | vdot_bits(sw[2], o + 2u * (j >> 1), 2) << 4) - 32;
      const int hb = vdot_plane_shift(j) + 2;  // where the high bit goes
      const uint32_t rot = (uint32_t)(4 * p.n + j - hb) & 31u;
      const int off = (int)(((uint32_t)(-4 * vdot_plane_f(j)) & 0xffu) * 0x01010101u);  // bytes -4f
      int dq = 0;
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        const uint32_t v = vdot_plane_bits(qs[k], j) | (crk_funnel(hm[k], hm[k], rot) & (0x01010101u << hb));
        dq = k == 0 ? dot4_i8_from<0>((int)v, ys.q[j][0]) : vdot_dot((int)v, ys.q[j][k], dq);
      }
#pragma unroll
      for (int k = 0; k < 4; ++k) dq = vdot_dot(off, ys.q[j][k], dq);
      sq[j < 2 ? j : 2] = fmaf(ys.d[j], (float)(sc * dq), sq[j < 2 ? j : 2]);
    }
    const float s = sq[0] + 0.25f * sq[1] + 0.0625f * sq[2];
    return h2f((crk_half)(sw[3] & 0xffffu)) * s;
  }
};

// Which types have a plane unit: vdot_planes<WT>::type where ok.
template <template <int> class WT>
struct vdot_planes { static constexpr bool ok = false; using type = void; };
template <>
struct vdot_planes<vdot_w_q3_K> { static constexpr bool ok = true; using type = vdot_plane_q3_K; };

// One row against one q8_1 vector with plane units P: the lane's partial sum
// (added across the workgroup by vdot_mmvq_store<1, 1, NCW>).
template <class P, int NCW>
CRK_DEV float vdot_mmvq_planes(const vdot_src &w, const uint8_t *__restrict__ vy, int nsb, int cw) {
  const vdot_src y = vdot_make_src(vy);
  float acc = 0.0f;
  for (int u0 = cw * CRK_WARP + (int)threadIdx.x; u0 < 4 * nsb; u0 += NCW * CRK_WARP) {
    int u = u0;  // hidden from loop strength reduction, as in vdot_mmvq_sums
#if CRK_AMD
    __asm__ volatile("" : "+v"(u));
#endif
    acc += P::dot(w, y, vdot_plane_unit_of(u));
  }
  return acc;
}
