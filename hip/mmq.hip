// mmq.hip: the tiled quantized matrix-matrix kernels mul_mat_{T}
// (kernel-abi.md section 3, "mul_mat_{T}").
//
//   dst[j*nrows_dst + r] = sum_c W[r][c] * y_j[c]    r < nrows_x, j < ncols_y
//
// W: nrows_x x ncols_x weights of type T; y_j: q8_1 row j of vy (nrows_y/32
// blocks, nrows_y = pad(ncols_x)). Host launch: workgroup (32,4,1), grid
// (ceil(nrows_x/MY), ceil(ncols_y/MX), 1), (MX, MY) fixed per type.
//
// Workgroup (bx, by) computes the tile of weight rows row0 = bx*MY .. +MY and
// activation columns by*MX .. +MX. It walks K in slices of 64 values
// (mmq_tiles.h): all 128 threads copy the slice of the MY weight rows
// (unpacked to int8) and of the activation columns into LDS, then every
// thread multiplies its own 4 x NC sub-tile out of LDS. With MX*MY > 8192 (q3_K)
// the tile is done in two passes of MX/2 columns, each a full walk over K, so
// that no thread holds more than 64 accumulators.
//
// Thread (tx, ty), RL = MY/4 lanes along rows, CL = 32/RL along columns:
//   rows  r = tx % RL + RL*i              i < 4
//   cols  c = ty*CL + tx / RL + 4*CL*j    j < NC = MXP / (4*CL)
// (columns relative to the pass). A logical warp thus reads RL different
// weight rows and CL activation columns (broadcasts) per LDS load; everything
// is phrased on the logical 32-lane warp: correct with wave64 (gfx9) and
// wave32 (RDNA, NVIDIA) alike.
//
// Per 32 values of K each output adds, in integers, sum of dot4_i8 over 8
// ints, then turns it into a float once with the scales of its mode.
//
// Matrix path (CRK_MMA, hip/mma.h: gfx942 MFMA, gfx11/gfx12 WMMA, NVIDIA
// mma.sync): the same slices, LDS tiles and fills; the multiply is
// mmq_mma's instead (each wave a block of 16x16 output tiles, the int32 sum
// of each 32-value block from the matrix unit, scaled as above). Every
// other arch takes the dot4 multiply below, unchanged.
// Edges: weight rows past nrows_x are read as the last real row and activation
// columns past ncols_y as the last real column (so nothing is read outside the
// buffers); neither is written. Weight blocks past the end of a row (ncols_x %
// 64 == 32) are zeros in LDS, never read, so no result depends on slack.
#include "mmq_tiles.h"
#include "mma.h"

// Prefetch: the global loads of slice s+1 are issued before slice s is
// multiplied, so their latency hides behind the multiply, for ~20-30 more
// registers (loading at the top of each slice was measured slower:
// bench/notes.md).

// AMD scheduling controls for mmq_multiply (no-ops on NVIDIA):
// MMQ_SCHED_FENCE: no instruction moves across it.
// MMQ_PIN(x): x is materialized here, opaque to the optimizer; keeps the SLP
//   vectorizer from pairing float updates of different columns (which drags
//   them, and all the integer sums they wait for, past the fences).
#if CRK_AMD
#  define MMQ_SCHED_FENCE() __builtin_amdgcn_sched_barrier(0)
#  define MMQ_PIN(x) asm volatile("" : "+v"(x))
#else
#  define MMQ_SCHED_FENCE() ((void)0)
#  define MMQ_PIN(x) ((void)0)
#endif

// a*b + c for |a|, |b| < 2^23: full rate on AMD (v_mad_i32_i24), where a
// 32-bit multiply runs at a quarter rate; NVIDIA multiplies 32 bits at full
// rate. Used for a 16-value sum (|x| <= 16*32*127) times an int8 scale.
CRK_DEV int mmq_mad24(int a, int b, int c) {
#if CRK_AMD
  return __mul24(a, b) + c;
#else
  return a * b + c;
#endif
}

// Integer sums become floats by a plain conversion (full rate on AMD). The
// NVIDIA proxy build runs this same path on purpose, with no NVIDIA-only
// tricks, so its timings say something about this source on AMD.

// Activations: the q8_1 blocks 2s and 2s+1 of each activation column make
// slice s. A q8_1 block is 36 bytes, so its fields are 4-byte aligned: d|s
// as one word, then 8 words of qs. mmq_fetch_y only loads (see the weight
// loaders in mmq_tiles.h); mmq_store_y fills column c, block b of the tile.
struct mmq_yraw { uint32_t ds; int q[8]; };

CRK_DEV mmq_yraw mmq_fetch_y(const block_q8_1 *__restrict__ ycol, int s, int b) {
  const block_q8_1 *yb = ycol + 2 * s + b;
  mmq_yraw x;
  x.ds = (uint32_t)mmq_load_a4(yb);
#pragma unroll
  for (int k = 0; k < 8; ++k) x.q[k] = mmq_load_a4(yb->qs + 4 * k);
  return x;
}

template <int MODE, int MX, int MY>
CRK_DEV void mmq_store_y(mmq_smem<MODE, MX, MY> &sm, int c, int b, const mmq_yraw &x) {
  const mmq_int4 lo = {x.q[0], x.q[1], x.q[2], x.q[3]}, hi = {x.q[4], x.q[5], x.q[6], x.q[7]};
#if CRK_MMA
  // The matrix path reads 16 columns at one offset (mma_load), like the
  // weight rows: swizzled the same way (mmq_chunk), else columns c and c+2
  // share banks.
  *(mmq_int4 *)&sm.y_qs[mmq_chunk(c, 2 * b)] = lo;
  *(mmq_int4 *)&sm.y_qs[mmq_chunk(c, 2 * b + 1)] = hi;
#else
  *(mmq_int4 *)&sm.y_qs[c * MMQ_KI + 8 * b] = lo;
  *(mmq_int4 *)&sm.y_qs[c * MMQ_KI + 8 * b + 4] = hi;
#endif
  const float d = h2f((crk_half)(x.ds & 0xFFFFu));  // d in the low half, s in the high
#if CRK_MMA
  sm.y_c[c][b] = d;
  if (MODE == MMQ_DM) sm.y_c[c][2 + b] = h2f((crk_half)(x.ds >> 16));
#else
  sm.y_d[c][b] = d;
  if (MODE == MMQ_DM) sm.y_s[c][b] = h2f((crk_half)(x.ds >> 16));
#endif
  if (MODE == MMQ_SC16M) {
    // d * (sum of the 16 q) of the block's two sub-blocks of 16 values
    int s0 = 0, s1 = 0;
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      s0 = dot4_i8(x.q[k], 0x01010101, s0);
      s1 = dot4_i8(x.q[4 + k], 0x01010101, s1);
    }
#if CRK_MMA
    sm.y_c[c][2 + 2 * b] = d * (float)s0;
    sm.y_c[c][2 + 2 * b + 1] = d * (float)s1;
#else
    sm.y_m16[c][2 * b] = d * (float)s0;
    sm.y_m16[c][2 * b + 1] = d * (float)s1;
#endif
  }
}

#if !CRK_MMA
// The thread's NR x NC products for the slice in LDS, added to acc.
template <int MODE, int MX, int MY>
CRK_DEV void mmq_multiply(const mmq_smem<MODE, MX, MY> &sm, float (&acc)[MX * MY / 512][4], int tx, int ty) {
  constexpr int RL = MY / 4, CL = 32 / RL, NR = 4, NC = MX / (4 * CL);
  constexpr bool PER32 = MODE == MMQ_D || MODE == MMQ_DM;
  const int rl = tx % RL, cb = ty * CL + tx / RL;  // first row and column
  // Every LDS address below is one of a few per-thread base pointers plus a
  // compile-time offset (row i: +RL*i rows, column j: +4CL*j columns), so the
  // compiler folds the offsets into the load instructions instead of keeping
  // an address register per (i, j). Weight chunk k of the thread's rows
  // (rl + RL*i share the swizzle (rl >> 1) & 3, RL being a multiple of 8) is
  // at wq[k] + i*RL*MMQ_KI.
  const int sw = (rl >> 1) & 3;
  const int *wq[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) wq[k] = sm.w_qs + rl * MMQ_KI + ((k ^ sw) << 2);
  const int *yq = sm.y_qs + cb * MMQ_KI;       // column cb; column cb+4CL*j at +4CL*j*MMQ_KI
  constexpr int WDS = MODE == MMQ_SC16 ? 1 : 2;  // floats per row of w_d
  const float *wdp = &sm.w_d[rl][0];           // row rl; row rl+RL*i at +RL*i rows
  const float *wmp = &sm.w_m[MODE == MMQ_DM ? rl : 0][0];
  const int8_t *wmnp = &sm.w_mn[MODE == MMQ_SC16M ? rl : 0][0];
  const int8_t *wscp = &sm.w_sc[PER32 ? 0 : rl][0];
  const float *ydp = &sm.y_d[cb][0];
  const float *ysp = &sm.y_s[MODE == MMQ_DM ? cb : 0][0];
  const float *ym16p = &sm.y_m16[MODE == MMQ_SC16M ? cb : 0][0];

#pragma unroll
  for (int b = 0; b < 2; ++b) {  // the two 32-value blocks of the slice
    // Weights: ints 8b..8b+7 (chunks 2b, 2b+1) of each of the thread's rows,
    // and the row scales of this block.
    int w[NR][8];
    float wd[NR], wm[NR], wm16[NR][2];
    int sc[NR][2];
#pragma unroll
    for (int i = 0; i < NR; ++i) {
      const mmq_int4 a = *(const mmq_int4 *)(wq[2 * b] + RL * i * MMQ_KI);
      const mmq_int4 c = *(const mmq_int4 *)(wq[2 * b + 1] + RL * i * MMQ_KI);
      w[i][0] = a.x; w[i][1] = a.y; w[i][2] = a.z; w[i][3] = a.w;
      w[i][4] = c.x; w[i][5] = c.y; w[i][6] = c.z; w[i][7] = c.w;
      if (PER32) {
        wd[i] = wdp[RL * i * WDS + b];
        wm[i] = MODE == MMQ_DM ? wmp[RL * i * 2 + b] : 0.0f;
      } else {
        wd[i] = wdp[RL * i * WDS];
        // int8 scales of the sub-blocks 2b (values 0..15 of the block) and
        // 2b+1 (16..31)
        sc[i][0] = wscp[RL * i * 4 + 2 * b];
        sc[i][1] = wscp[RL * i * 4 + 2 * b + 1];
        if (MODE == MMQ_SC16M) {  // -dmin * mn of the two sub-blocks
          const float ndmin = -wdp[RL * i * WDS + 1];
          wm16[i][0] = ndmin * (float)wmnp[RL * i * 4 + 2 * b];
          wm16[i][1] = ndmin * (float)wmnp[RL * i * 4 + 2 * b + 1];
        }
      }
    }
    // Activations of column cb + 4CL*j, loaded one column ahead of their use.
    // Only what the mode uses is loaded: the rest is dead code.
    mmq_int4 ya = *(const mmq_int4 *)(yq + 8 * b), yc = *(const mmq_int4 *)(yq + 8 * b + 4);
    float yd = ydp[b], ys = ysp[b], ym0 = ym16p[2 * b], ym1 = ym16p[2 * b + 1];
#pragma unroll
    for (int j = 0; j < NC; ++j) {
      const mmq_int4 ya0 = ya, yc0 = yc;
      const float yd0 = yd, ys0 = ys, ym00 = ym0, ym10 = ym1;
      if (j + 1 < NC) {
        const int jn = 4 * CL * (j + 1);  // column offset of the next column
        ya = *(const mmq_int4 *)(yq + jn * MMQ_KI + 8 * b);
        yc = *(const mmq_int4 *)(yq + jn * MMQ_KI + 8 * b + 4);
        yd = ydp[jn * 2 + b];
        if (MODE == MMQ_DM) ys = ysp[jn * 2 + b];
        if (MODE == MMQ_SC16M) {
          ym0 = ym16p[jn * 4 + 2 * b];
          ym1 = ym16p[jn * 4 + 2 * b + 1];
        }
      }
#pragma unroll
      for (int i = 0; i < NR; ++i) {
        if (PER32) {
          // one scale for the 32 values: sum them all, v = d*q (+ m)
          int sum = dot4_i8_from<0>(w[i][0], ya0.x);
          sum = dot4_i8(w[i][1], ya0.y, sum);
          sum = dot4_i8(w[i][2], ya0.z, sum);
          sum = dot4_i8(w[i][3], ya0.w, sum);
          sum = dot4_i8(w[i][4], yc0.x, sum);
          sum = dot4_i8(w[i][5], yc0.y, sum);
          sum = dot4_i8(w[i][6], yc0.z, sum);
          sum = dot4_i8(w[i][7], yc0.w, sum);
          acc[j][i] = fmaf(wd[i], (float)sum * yd0, acc[j][i]);
          // min term: m * sum of the block's activations = m * s
          if (MODE == MMQ_DM) acc[j][i] = fmaf(wm[i], ys0, acc[j][i]);
        } else {
          // a scale per 16 values: lo covers values 0..15, hi 16..31
          int lo = dot4_i8_from<0>(w[i][0], ya0.x);
          lo = dot4_i8(w[i][1], ya0.y, lo);
          lo = dot4_i8(w[i][2], ya0.z, lo);
          lo = dot4_i8(w[i][3], ya0.w, lo);
          int hi = dot4_i8_from<0>(w[i][4], yc0.x);
          hi = dot4_i8(w[i][5], yc0.y, hi);
          hi = dot4_i8(w[i][6], yc0.z, hi);
          hi = dot4_i8(w[i][7], yc0.w, hi);
          const int sum = mmq_mad24(hi, sc[i][1], mmq_mad24(lo, sc[i][0], 0));
          acc[j][i] = fmaf(wd[i], (float)sum * yd0, acc[j][i]);
          if (MODE == MMQ_SC16M) {
            // min term: (-dmin*mn) * (d_y * sum of the 16 q)
            acc[j][i] = fmaf(wm16[i][0], ym00, acc[j][i]);
            acc[j][i] = fmaf(wm16[i][1], ym10, acc[j][i]);
          }
        }
      }
      // Schedule each column on its own: left free, the AMDGPU scheduler
      // runs the dot products of many columns ahead of their float updates
      // and keeps all those integer sums live (spilling q2_K and q3_K).
      MMQ_SCHED_FENCE();
#pragma unroll
      for (int i = 0; i < NR; ++i) MMQ_PIN(acc[j][i]);
    }
  }
}

#endif  // !CRK_MMA

#if CRK_MMA
// The matrix-instruction path (mma.h): the same slices, LDS tiles and scales
// as mmq_multiply, with each wave multiplying 16x16 tiles of the output.
// The workgroup's MY x MXP tile is a grid of (MY/16) x (MXP/16) such tiles,
// split over its NW waves (2 of 64 lanes on gfx942, 4 of 32 on RDNA and
// NVIDIA) as WR x WC blocks of NR x NC tiles: a wave loads NR + NC fragments
// per 32 values of K for NR*NC products. Each 32-value block's int32 tile is
// turned into floats with exactly the operations and order of mmq_multiply
// (d_w * ((float)sum * d_y), then the min terms), so the results equal the
// dot4 path's bit for bit: the integer sums are the same exact integers.
//
// The scales (mmq_tiles.h, matrix-path layout): a lane loads the column
// constants of its tile columns once per slice, and the row constants of
// its rows of a tile row once per tile row and block (16-byte vectors on
// AMD), instead of both per element. On gfx942 the 4 elements of a lane
// share their column, so elements 2p and 2p+1 take the same float
// operations as one packed pair (v_pk_mul_f32, v_pk_fma_f32: per element
// the same IEEE operations, the same results).

#if CRK_AMD
typedef float mmq_f4 __attribute__((ext_vector_type(4)));
#endif
#if defined(CRK_MMA_MFMA)
#  define MMQ_PK 1  // gfx940-942: packed fp32 archs (common.h, CRK_PK_F32)
#  if !defined(CRK_PK_F32)
#    error "hip/mmq.hip: the MFMA path pairs its floats, which needs CRK_PK_F32"
#  endif
#else
#  define MMQ_PK 0
#endif

// Views of the LDS tiles for mma_load: int k4 of 32-value block b of weight
// row r and of activation column c (both in swizzled chunks, mmq_chunk).
struct mmq_wview {
  const int *p;
  int b;
  CRK_MEMBER const int *at(int r, int k4) const { return p + mmq_chunk(r, 2 * b + (k4 >> 2)) + (k4 & 3); }
};
struct mmq_yview {
  const int *p;
  int b;
  CRK_MEMBER const int *at(int c, int k4) const { return p + mmq_chunk(c, 2 * b + (k4 >> 2)) + (k4 & 3); }
};

template <int MODE, int MXP, int MY> struct mmq_mma {
  typedef mmq_smem<MODE, MXP, MY> smem;
  static constexpr int NW = MMQ_NT / MMA_WAVE, NRT = MY / 16, NCT = MXP / 16;
  static constexpr int WR = NW == 2 ? (NRT > NCT ? 2 : 1) : 2, WC = NW / WR;
  static constexpr int NR = NRT / WR, NC = NCT / WC;
  static_assert(NW == 2 || NW == 4, "128 threads: 2 waves of 64 or 4 of 32");
  static_assert(NR * WR == NRT && NC * WC == NCT, "the tile grid splits evenly over the waves");
  static constexpr bool PER32 = MODE == MMQ_D || MODE == MMQ_DM;
  // SC16 scales the sums of the two 16-value halves apart; q2_K's scales
  // are in its weights (mmq_q2_K), so SC16M takes the whole block at once.
  static constexpr bool HALVES = MODE == MMQ_SC16;
  static constexpr int NM = MODE == MMQ_DM ? 1 : MODE == MMQ_SC16M ? 2 : 0;  // min terms per block
  static constexpr int NYC = smem::NYC;
  // The next tile row's row constants are loaded one tile ahead, except
  // where they do not fit: SC16 on wave32 (8 rows a lane, 24 registers a
  // tile row) spills on gfx1100 with them.
  static constexpr bool PREFETCH = !(HALVES && MMA_E == 8);
#if CRK_AMD && !MMQ_PK
  // RDNA: d_y twice (colc::yd2), except for SC16 with 64 accumulators a
  // lane (q3_K), which spills on gfx1100 with it.
  static constexpr bool YD2 = !(HALVES && NR * NC * MMA_E > 32);
  // DM: s twice as well, where the wave has at most 2 tile columns (q5_1,
  // with 4, spills on gfx1100 with it).
  static constexpr bool YS2 = MODE == MMQ_DM && NC <= 2;
#endif
#if MMQ_PK
  crk_f32x2 acc[NR][NC][MMA_E / 2];
#else
  float acc[NR][NC][MMA_E];
#endif
  int lane, r0, c0;  // the lane; the wave's first tile row and column

  CRK_MEMBER explicit mmq_mma(int t) {
    lane = t % MMA_WAVE;
    int w = t / MMA_WAVE;
#if CRK_AMD
    w = __builtin_amdgcn_readfirstlane(w);
#endif
    r0 = 16 * NR * (w % WR);
    c0 = 16 * NC * (w / WR);
#pragma unroll
    for (int i = 0; i < NR; ++i)
#pragma unroll
      for (int j = 0; j < NC; ++j)
#if MMQ_PK
#pragma unroll
        for (int p = 0; p < MMA_E / 2; ++p) acc[i][j][p] = 0.0f;
#else
#pragma unroll
        for (int e = 0; e < MMA_E; ++e) acc[i][j][e] = 0.0f;
#endif
  }
  CRK_MEMBER float get(int i, int j, int e) const {
#if MMQ_PK
    return acc[i][j][e >> 1][e & 1];
#else
    return acc[i][j][e];
#endif
  }

  // The int32 sums of product tile (i, j) for 32-value block b: the whole
  // block (d[0]), or (HALVES) its values 0..15 (d[0]) and 16..31 (d[1]).
  // gfx942 has no 16-k product: the halves are products with half of an
  // operand zeroed (mma_half), and d[1] is the whole block instead, d[0]
  // the product with z, the zeroed second half of the operand with fewer
  // fragments a wave (ZY: the activations'), so that fewer are zeroed; the
  // scales are sc0 - sc1 and sc1 there (mmq_set_sc2), and
  // (sc0 - sc1) * lo + sc1 * (lo + hi) is the same integer.
#if defined(CRK_MMA_MFMA)
  static constexpr bool ZY = NC <= NR;
#endif
  struct sums { mma_acc d[HALVES ? 2 : 1]; };
  CRK_MEMBER sums product(const mma_frag &a, const mma_frag &y, const mma_frag &z) const {
    sums s;
    s.d[0] = mma_zero();
    if (HALVES) {
      s.d[HALVES ? 1 : 0] = mma_zero();
#if defined(CRK_MMA_MFMA)
      mma_mul(s.d[0], ZY ? a : z, ZY ? z : y);
      mma_mul(s.d[HALVES ? 1 : 0], a, y);
#else
      (void)z;
      mma_mul_half(s.d[0], a, y, 0, lane);
      mma_mul_half(s.d[HALVES ? 1 : 0], a, y, 1, lane);
#endif
    } else {
      (void)z;
      mma_mul(s.d[0], a, y);
    }
    return s;
  }

  // The lane's row constants of one tile row for one block: d, the min
  // terms' row factors (DM: the block's min; SC16M: -dmin*mn of its two
  // sub-blocks) and the int scales of the halves (SC16), per lane row.
  struct rowc {
    float d[MMA_NROW];
    float m[NM ? NM : 1][MMA_NROW];
    int sc[HALVES ? 2 : 1][MMA_NROW];
  };
  // The lane's MMA_NROW values of row-constant plane p for the tile rows
  // rt .. rt+15.
  CRK_MEMBER void plane(const float *p, int rt, float (&v)[MMA_NROW]) const {
#if defined(CRK_MMA_PTX)
#pragma unroll
    for (int ri = 0; ri < MMA_NROW; ++ri) v[ri] = p[mma_slot(rt + mma_row_i(lane, ri))];
#else
#pragma unroll
    for (int u = 0; u < MMA_E / 4; ++u) {
      const mmq_f4 x = *(const mmq_f4 *)(p + rt + mma_slot0(lane) + 4 * u);
      v[4 * u] = x.x;
      v[4 * u + 1] = x.y;
      v[4 * u + 2] = x.z;
      v[4 * u + 3] = x.w;
    }
#endif
  }
  CRK_MEMBER rowc rows(const smem &sm, int i, int b) const {
    rowc c;
    const int rt = r0 + 16 * i;
    plane(sm.w_c[PER32 ? b : 0], rt, c.d);
    if (MODE == MMQ_DM) plane(sm.w_c[2 + b], rt, c.m[0]);
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      if (MODE == MMQ_SC16M) plane(sm.w_c[1 + 2 * b + e], rt, c.m[NM == 2 ? e : 0]);
      if (HALVES) {
        float f[MMA_NROW];
        plane(sm.w_c[1 + 2 * b + e], rt, f);
#pragma unroll
        for (int ri = 0; ri < MMA_NROW; ++ri) c.sc[HALVES ? e : 0][ri] = __float_as_int(f[ri]);
      }
    }
    return c;
  }

  // The lane's column constants of tile column j for the slice: y_c of
  // each of its columns.
  struct colc {
    float v[MMA_NCOL][NYC];
#if CRK_AMD && !MMQ_PK
    // RDNA dual-issues two independent VALU operations (VOPD) only where
    // their sources sit in different register banks: every element's
    // (float)sum * d_y reads d_y, so no two of those muls pair. Two copies
    // of each d_y in a register pair (adjacent registers: different banks),
    // one for the even elements and one for the odd, let them.
    crk_f32x2 yd2[2];
    crk_f32x2 ys2[2];  // DM: s the same way
#endif
  };
  CRK_MEMBER colc cols(const smem &sm, int j) const {
    colc c;
#pragma unroll
    for (int ci = 0; ci < MMA_NCOL; ++ci) {
      const float *p = sm.y_c[c0 + 16 * j + mma_col_i(lane, ci)];
#pragma unroll
      for (int k = 0; k < NYC; ++k) c.v[ci][k] = p[k];
    }
#if CRK_AMD && !MMQ_PK
#pragma unroll
    for (int b = 0; b < 2; ++b) {
      c.yd2[b] = c.v[0][b];
      if (YD2) MMQ_PIN(c.yd2[b]);
      c.ys2[b] = c.v[0][MODE == MMQ_DM ? 2 + b : b];
      if (YS2) MMQ_PIN(c.ys2[b]);
    }
#endif
    return c;
  }

  // The integer sum of element e: the block's, or the halves' scaled.
  CRK_MEMBER int sum(const sums &s, const rowc &rc, int e) const {
    if (HALVES) {
      const int ri = mma_ri(e);
      return mmq_mad24(mma_get(s.d[HALVES ? 1 : 0], e), rc.sc[HALVES ? 1 : 0][ri],
                       mmq_mad24(mma_get(s.d[0], e), rc.sc[0][ri], 0));
    }
    return mma_get(s.d[0], e);
  }

  // acc of tile (i, j) += the sums of block b, scaled as mmq_multiply does.
  CRK_MEMBER void scale_add(const sums &s, const rowc &rc, const colc &cc, int i, int j, int b) {
#if MMQ_PK
    // gfx942: one column (MMA_NCOL == 1), rows 2p and 2p+1 paired.
    const float yd = cc.v[0][b];
#pragma unroll
    for (int p = 0; p < MMA_E / 2; ++p) {
      const crk_f32x2 x = {(float)sum(s, rc, 2 * p), (float)sum(s, rc, 2 * p + 1)};
      crk_f32x2 v = acc[i][j][p];
      v = crk_fma2((crk_f32x2){rc.d[2 * p], rc.d[2 * p + 1]}, x * yd, v);
      if (MODE == MMQ_DM) v = crk_fma2((crk_f32x2){rc.m[0][2 * p], rc.m[0][2 * p + 1]}, (crk_f32x2)cc.v[0][2 + b], v);
      if (MODE == MMQ_SC16M) {
#pragma unroll
        for (int e = 0; e < 2; ++e)
          v = crk_fma2((crk_f32x2){rc.m[NM == 2 ? e : 0][2 * p], rc.m[NM == 2 ? e : 0][2 * p + 1]},
                       (crk_f32x2)cc.v[0][2 + 2 * b + e], v);
      }
      acc[i][j][p] = v;
    }
#else
#pragma unroll
    for (int e = 0; e < MMA_E; ++e) {
      const int ri = mma_ri(e), ci = mma_ci(e);
      float v = acc[i][j][e];
#if CRK_AMD
      v = fmaf(rc.d[ri], (float)sum(s, rc, e) * (YD2 ? cc.yd2[b][e & 1] : cc.v[ci][b]), v);
#else
      v = fmaf(rc.d[ri], (float)sum(s, rc, e) * cc.v[ci][b], v);
#endif
#if CRK_AMD
      if (MODE == MMQ_DM) v = fmaf(rc.m[0][ri], YS2 ? cc.ys2[b][e & 1] : cc.v[ci][2 + b], v);
#else
      if (MODE == MMQ_DM) v = fmaf(rc.m[0][ri], cc.v[ci][2 + b], v);
#endif
      if (MODE == MMQ_SC16M) {
#pragma unroll
        for (int k = 0; k < 2; ++k) v = fmaf(rc.m[NM == 2 ? k : 0][ri], cc.v[ci][2 + 2 * b + k], v);
      }
      acc[i][j][e] = v;
    }
#endif
  }

  // The slice in LDS, added to acc. The products of tile k+1 are issued
  // before tile k is scaled, so the matrix unit's latency hides behind the
  // float work, and the row constants of the next tile row are loaded with
  // the last tile of a row (PREFETCH); each tile is scheduled on its own
  // (MMQ_SCHED_FENCE), else the scheduler issues every product first and
  // keeps all their sums live (spilling on RDNA, AGPR copies on gfx942).
  CRK_MEMBER void multiply(const smem &sm) {
    constexpr int T = NR * NC;
    colc cc[NC];
#pragma unroll
    for (int j = 0; j < NC; ++j) cc[j] = cols(sm, j);
#pragma unroll
    for (int b = 0; b < 2; ++b) {  // the two 32-value blocks of the slice
      const mmq_wview wv = {sm.w_qs, b};
      const mmq_yview yv = {sm.y_qs, b};
      mma_frag a[NR], y[NC];
#pragma unroll
      for (int i = 0; i < NR; ++i) a[i] = mma_load(wv, r0 + 16 * i, lane);
#pragma unroll
      for (int j = 0; j < NC; ++j) y[j] = mma_load(yv, c0 + 16 * j, lane);
#if defined(CRK_MMA_MFMA)
      // SC16: the zeroed halves (product), of a[i] or y[j]
      mma_frag z[ZY ? NC : NR];
#pragma unroll
      for (int u = 0; u < (ZY ? NC : NR); ++u)
        if (HALVES) z[u] = mma_half(ZY ? y[u] : a[u], 0, lane);
#define MMQ_Z(i, j) z[ZY ? (j) : (i)]
#else
#define MMQ_Z(i, j) a[i]
#endif
      sums cur = product(a[0], y[0], MMQ_Z(0, 0));
      rowc rc = rows(sm, 0, b), rn = rc;
#pragma unroll
      for (int k = 0; k < T; ++k) {
        const int i = k / NC, j = k % NC;
        sums next = cur;
        if (k + 1 < T) {
          next = product(a[(k + 1) / NC], y[(k + 1) % NC], MMQ_Z((k + 1) / NC, (k + 1) % NC));
          // issued here, ahead of this tile's scaling (else the DAG
          // scheduler sinks it to its first use)
#pragma unroll
          for (int h = 0; h < (HALVES ? 2 : 1); ++h) MMQ_PIN(next.d[h].v);
        }
        if (PREFETCH && j == NC - 1 && i + 1 < NR) rn = rows(sm, i + 1, b);
        if (!PREFETCH && j == 0 && i > 0) rc = rows(sm, i, b);
        scale_add(cur, rc, cc[j], i, j, b);
        MMQ_SCHED_FENCE();
#if MMQ_PK
#pragma unroll
        for (int p = 0; p < MMA_E / 2; ++p) MMQ_PIN(acc[i][j][p]);
#else
#pragma unroll
        for (int e = 0; e < MMA_E; ++e) MMQ_PIN(acc[i][j][e]);
#endif
        if (PREFETCH && j == NC - 1) rc = rn;
        cur = next;
      }
#undef MMQ_Z
    }
  }

  // dst of the tile at (row0, col0): rows past nrows_x and columns past
  // ncols_y are not written.
  CRK_MEMBER void write(float *__restrict__ dst, int row0, int col0, int nrows_x, int ncols_y, int nrows_dst) const {
#pragma unroll
    for (int i = 0; i < NR; ++i)
#pragma unroll
      for (int j = 0; j < NC; ++j)
#pragma unroll
        for (int e = 0; e < MMA_E; ++e) {
          const int row = row0 + r0 + 16 * i + mma_row(lane, e), col = col0 + c0 + 16 * j + mma_col(lane, e);
          if (row < nrows_x && col < ncols_y) dst[(int64_t)col * nrows_dst + row] = get(i, j, e);
        }
  }
};
#endif  // CRK_MMA

// One workgroup's tile: see the top of the file.
template <class TR>
CRK_DEV void mmq_tile(const void *__restrict__ vx, const void *__restrict__ vy, float *__restrict__ dst,
                      int ncols_x, int nrows_x, int ncols_y, int nrows_y, int nrows_dst) {
  constexpr int MODE = TR::MODE, MX = TR::MX, MY = TR::MY;
  constexpr int PASSES = MX * MY > 64 * 128 ? 2 : 1, MXP = MX / PASSES;  // columns per pass
#if !CRK_MMA
  constexpr int RL = MY / 4, CL = 32 / RL, NR = 4, NC = MXP / (4 * CL);
#endif
  static_assert(MY == 64 || MY == 128, "4 rows per thread, RL a multiple of 8");
  static_assert(MXP == 64 || MXP == 128, "1 or 2 threads copy an activation column");
  __shared__ mmq_smem<MODE, MXP, MY> sm;

  const int tx = threadIdx.x, ty = threadIdx.y, t = ty * CRK_WARP + tx;
  const int row0 = blockIdx.x * MY;
  const int nb = ncols_x / TR::QK;                          // blocks per weight row
  const int nby = nrows_y / QK8_1;                          // q8_1 blocks per activation row
  const int nslices = (ncols_x + MMQ_KS - 1) / MMQ_KS;      // <= nrows_y/64: y is padded to 512
  // The weight row this thread copies, clamped to a real row.
  const int wr = min(row0 + t / (MMQ_NT / MY), nrows_x - 1);
  const char *wrow = (const char *)vx + (int64_t)wr * nb * TR::BYTES;
#if !CRK_MMA
  const int rl = tx % RL, cb = ty * CL + tx / RL;           // see mmq_multiply
#endif

  // Who copies what: tile row t / TPR, its halves e < WH (half TPR == 1 ? e :
  // t % 2); activation column t / TPC, its blocks e < YB (block TPC == 1 ? e :
  // t % 2).
  constexpr int TPR = MMQ_NT / MY, WH = 2 / TPR, TPC = MMQ_NT / MXP, YB = 2 / TPC;
  typename TR::raw wraw[WH];
  mmq_yraw yraw[YB];

  for (int pass = 0; pass < PASSES; ++pass) {
    const int col0 = blockIdx.y * MX + pass * MXP;
    // The activation column this thread copies, clamped to a real one.
    const int yc = min(col0 + t / TPC, ncols_y - 1);
    const block_q8_1 *ycol = (const block_q8_1 *)vy + (int64_t)yc * nby;
    // Global loads of slice s into wraw/yraw (registers).
    const auto fetch = [&](int s) {
#pragma unroll
      for (int e = 0; e < WH; ++e) wraw[e] = TR::fetch(wrow, TPR == 1 ? e : t % 2, s, nb);
#pragma unroll
      for (int e = 0; e < YB; ++e) yraw[e] = mmq_fetch_y(ycol, s, TPC == 1 ? e : t % 2);
    };

#if CRK_MMA
    mmq_mma<MODE, MXP, MY> mm(t);
#else
    float acc[NC][NR];
#pragma unroll
    for (int j = 0; j < NC; ++j)
#pragma unroll
      for (int i = 0; i < NR; ++i) acc[j][i] = 0.0f;
#endif

    fetch(0);
    for (int s = 0; s < nslices; ++s) {
#pragma unroll
      for (int e = 0; e < WH; ++e) TR::store(sm, t / TPR, TPR == 1 ? e : t % 2, s, wraw[e]);
#pragma unroll
      for (int e = 0; e < YB; ++e) mmq_store_y(sm, t / TPC, TPC == 1 ? e : t % 2, yraw[e]);
      __syncthreads();
      // The next slice's loads fly while this one is multiplied.
      if (s + 1 < nslices) fetch(s + 1);
#if CRK_MMA
      mm.multiply(sm);
#else
      mmq_multiply<MODE>(sm, acc, tx, ty);
#endif
      __syncthreads();  // the next slice overwrites the tiles
    }

#if CRK_MMA
    mm.write(dst, row0, col0, nrows_x, ncols_y, nrows_dst);
#else
#pragma unroll
    for (int j = 0; j < NC; ++j) {
      const int col = col0 + cb + 4 * CL * j;
      if (col >= ncols_y) break;  // columns grow with j
#pragma unroll
      for (int i = 0; i < NR; ++i) {
        const int row = row0 + rl + RL * i;
        if (row < nrows_x) dst[(int64_t)col * nrows_dst + row] = acc[j][i];
      }
    }
#endif
  }
}

// gfx942: at most 256 VGPRs (2 waves per SIMD). With the 512 of the
// unified file allowed, LLVM gives the MFMA results AGPRs and copies each
// one out (v_accvgpr_read) before it is scaled; within 256 it picks the
// VGPR form of the instruction and the copies go.
#if defined(CRK_MMA_MFMA)
#  define MMQ_KERNEL_ATTR __attribute__((amdgpu_waves_per_eu(2)))
#else
#  define MMQ_KERNEL_ATTR
#endif

#define MMQ_KERNEL(T)                                                                               \
  CRK_KERNEL void __launch_bounds__(MMQ_NT) MMQ_KERNEL_ATTR                                            \
      mul_mat_##T(const void *__restrict__ vx, const void *__restrict__ vy, float *__restrict__ dst,   \
                  int ncols_x, int nrows_x, int ncols_y, int nrows_y, int nrows_dst) {                 \
    mmq_tile<mmq_##T>(vx, vy, dst, ncols_x, nrows_x, ncols_y, nrows_y, nrows_dst);                \
  }

// Every 32-value integer sum stays below 2^24 (q6_K, the largest: 32*32*127*128),
// so its float conversion is exact.
MMQ_KERNEL(q4_0)
MMQ_KERNEL(q4_1)
MMQ_KERNEL(q5_0)
MMQ_KERNEL(q5_1)
MMQ_KERNEL(q8_0)
MMQ_KERNEL(q2_K)
MMQ_KERNEL(q3_K)
MMQ_KERNEL(q4_K)
MMQ_KERNEL(q5_K)
MMQ_KERNEL(q6_K)
