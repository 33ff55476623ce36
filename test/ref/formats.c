/* formats.c: the type table and the bit layouts of kernel-abi.md section 1
 * (GGML's block formats), as pack/unpack between bytes and ref_block_raw. */
#include <string.h>

#include "blocks.h"

static const crk_qtype_info infos[CRK_QTYPE_COUNT] = {
  [CRK_Q4_0] = {"q4_0", 32, 18},   [CRK_Q4_1] = {"q4_1", 32, 20},
  [CRK_Q5_0] = {"q5_0", 32, 22},   [CRK_Q5_1] = {"q5_1", 32, 24},
  [CRK_Q8_0] = {"q8_0", 32, 34},   [CRK_Q2_K] = {"q2_K", 256, 84},
  [CRK_Q3_K] = {"q3_K", 256, 110}, [CRK_Q4_K] = {"q4_K", 256, 144},
  [CRK_Q5_K] = {"q5_K", 256, 176}, [CRK_Q6_K] = {"q6_K", 256, 210},
  [CRK_Q8_K] = {"q8_K", 256, 292},
};

const crk_qtype_info *ref_qtype_info(crk_qtype t) {
  return (unsigned)t < CRK_QTYPE_COUNT ? &infos[t] : NULL;
}

/* Case-insensitive on the letters, so "q2_k" names q2_K. */
static int name_eq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a, y = *b;
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
    if (x != y) return 0;
  }
  return *a == *b;
}

int ref_qtype_from_name(const char *name) {
  if (!name) return -1;
  for (int t = 0; t < CRK_QTYPE_COUNT; t++)
    if (name_eq(name, infos[t].name)) return t;
  return -1;
}

static const char *plain_names[] = {"f32", "f16", "bf16"};

int ref_srctype_from_name(const char *name) {
  const int t = ref_qtype_from_name(name);
  if (t >= 0 || !name) return t;
  for (int i = 0; i < 3; i++)
    if (name_eq(name, plain_names[i])) return CRK_F32 + i;
  return -1;
}

const char *ref_srctype_name(int type) {
  if (type >= 0 && type < CRK_QTYPE_COUNT) return infos[type].name;
  if (type >= CRK_F32 && type < CRK_SRCTYPE_COUNT) return plain_names[type - CRK_F32];
  return "?";
}

size_t ref_row_bytes(crk_qtype t, int64_t ncols) {
  return (size_t)(ncols / infos[t].block_elems) * (size_t)infos[t].block_bytes;
}

int ref_sub_count(crk_qtype t) {
  switch (t) {
  case CRK_Q2_K: case CRK_Q3_K: case CRK_Q6_K: return 16;
  case CRK_Q4_K: case CRK_Q5_K: return 8;
  default: return 1;  /* 32-value types and q8_K: one scale for the block */
  }
}

int ref_sub_len(crk_qtype t) { return infos[t].block_elems / ref_sub_count(t); }

float ref_ldf32(const uint8_t *p) { const uint32_t u = ref_ld32(p); float f; memcpy(&f, &u, 4); return f; }
void ref_stf32(uint8_t *p, float f) { uint32_t u; memcpy(&u, &f, 4); ref_st32(p, u); }

/* ---- 32-value types -------------------------------------------------------
 * Value j (< 16) keeps its low 4 bits in the low nibble of qs[j], value j+16
 * in the high nibble. q5_*: the 5th bit of value j is bit j of the u32 qh. */
static void unpack_nibbles(const uint8_t *qs, int16_t *q) {
  for (int j = 0; j < 16; j++) { q[j] = qs[j] & 15; q[j + 16] = qs[j] >> 4; }
}
static void pack_nibbles(const int16_t *q, uint8_t *qs) {
  for (int j = 0; j < 16; j++) qs[j] = (uint8_t)((q[j] & 15) | ((q[j + 16] & 15) << 4));
}
static void unpack_fifth_bits(const uint8_t *qh, int16_t *q) {
  const uint32_t h = ref_ld32(qh);
  for (int j = 0; j < 32; j++) q[j] = (int16_t)(q[j] | (((h >> j) & 1) << 4));
}
static void pack_fifth_bits(const int16_t *q, uint8_t *qh) {
  uint32_t h = 0;
  for (int j = 0; j < 32; j++) h |= (uint32_t)((q[j] >> 4) & 1) << j;
  ref_st32(qh, h);
}

/* ---- 2-bit planes of q2_K and q3_K ----------------------------------------
 * Value i = 128h + 32s + l (h < 2, s < 4, l < 32) is bits 2s..2s+1 of
 * qs[32h + l]. q3_K's third bit is bit 4h + s of hmask[l]. */
static void unpack_2bit(const uint8_t *qs, int16_t *q) {
  for (int i = 0; i < 256; i++) {
    const int h = i >> 7, s = (i >> 5) & 3, l = i & 31;
    q[i] = (qs[32 * h + l] >> (2 * s)) & 3;
  }
}
static void pack_2bit(const int16_t *q, uint8_t *qs) {
  memset(qs, 0, 64);
  for (int i = 0; i < 256; i++) {
    const int h = i >> 7, s = (i >> 5) & 3, l = i & 31;
    qs[32 * h + l] |= (uint8_t)((q[i] & 3) << (2 * s));
  }
}
static void unpack_q3_high(const uint8_t *hmask, int16_t *q) {
  for (int i = 0; i < 256; i++) {
    const int bit = i >> 5, l = i & 31;  /* bit = 4h + s */
    q[i] = (int16_t)(q[i] | (((hmask[l] >> bit) & 1) << 2));
  }
}
static void pack_q3_high(const int16_t *q, uint8_t *hmask) {
  memset(hmask, 0, 32);
  for (int i = 0; i < 256; i++) hmask[i & 31] |= (uint8_t)(((q[i] >> 2) & 1) << (i >> 5));
}

/* ---- q3_K scales: sixteen 6-bit codes in 12 bytes --------------------------
 * Code b keeps its low 4 bits in byte b (low nibble) for b < 8, byte b-8
 * (high nibble) for b >= 8; its high 2 bits are bits 2*(b/4).. of byte 8 + b%4. */
static void unpack_q3_scales(const uint8_t *s, int16_t *sc) {
  for (int b = 0; b < 16; b++) {
    const int lo = b < 8 ? (s[b] & 15) : (s[b - 8] >> 4);
    const int hi = (s[8 + (b & 3)] >> (2 * (b >> 2))) & 3;
    sc[b] = (int16_t)(lo | (hi << 4));
  }
}
static void pack_q3_scales(const int16_t *sc, uint8_t *s) {
  memset(s, 0, 12);
  for (int b = 0; b < 16; b++) {
    if (b < 8) s[b] |= (uint8_t)(sc[b] & 15);
    else s[b - 8] |= (uint8_t)((sc[b] & 15) << 4);
    s[8 + (b & 3)] |= (uint8_t)(((sc[b] >> 4) & 3) << (2 * (b >> 2)));
  }
}

/* ---- q4_K/q5_K scales and mins: eight 6-bit pairs in 12 bytes ---------------
 * j < 4: scale = s[j] & 63, min = s[j+4] & 63.
 * j >= 4: scale = low nibble of s[j+4] | (top 2 bits of s[j-4]) << 4,
 *         min = high nibble of s[j+4] | (top 2 bits of s[j]) << 4. */
static void unpack_k4_scales(const uint8_t *s, int16_t *sc, int16_t *mn) {
  for (int j = 0; j < 8; j++) {
    if (j < 4) {
      sc[j] = s[j] & 63;
      mn[j] = s[j + 4] & 63;
    } else {
      sc[j] = (int16_t)((s[j + 4] & 15) | ((s[j - 4] >> 6) << 4));
      mn[j] = (int16_t)((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
  }
}
static void pack_k4_scales(const int16_t *sc, const int16_t *mn, uint8_t *s) {
  memset(s, 0, 12);
  for (int j = 0; j < 4; j++) {
    s[j] = (uint8_t)((sc[j] & 63) | (((sc[j + 4] >> 4) & 3) << 6));
    s[j + 4] = (uint8_t)((mn[j] & 63) | (((mn[j + 4] >> 4) & 3) << 6));
    s[j + 8] = (uint8_t)((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
}

/* ---- q4_K/q5_K quants -------------------------------------------------------
 * Value i = 64c + 32u + l (c < 4, u < 2, l < 32) is the low (u = 0) or high
 * (u = 1) nibble of qs[32c + l]; q5_K's fifth bit is bit 2c + u of qh[l]. */
static void unpack_k4_quants(const uint8_t *qs, int16_t *q) {
  for (int i = 0; i < 256; i++) {
    const int c = i >> 6, u = (i >> 5) & 1, l = i & 31;
    q[i] = (qs[32 * c + l] >> (4 * u)) & 15;
  }
}
static void pack_k4_quants(const int16_t *q, uint8_t *qs) {
  memset(qs, 0, 128);
  for (int i = 0; i < 256; i++) {
    const int c = i >> 6, u = (i >> 5) & 1, l = i & 31;
    qs[32 * c + l] |= (uint8_t)((q[i] & 15) << (4 * u));
  }
}
static void unpack_k5_high(const uint8_t *qh, int16_t *q) {
  for (int i = 0; i < 256; i++) q[i] = (int16_t)(q[i] | (((qh[i & 31] >> (i >> 5)) & 1) << 4));
}
static void pack_k5_high(const int16_t *q, uint8_t *qh) {
  memset(qh, 0, 32);
  for (int i = 0; i < 256; i++) qh[i & 31] |= (uint8_t)(((q[i] >> 4) & 1) << (i >> 5));
}

/* ---- q6_K quants --------------------------------------------------------------
 * Value i = 128h + 32s + l (h < 2, s < 4, l < 32): low 4 bits are the low
 * (s < 2) or high (s >= 2) nibble of ql[64h + 32(s&1) + l]; high 2 bits are
 * bits 2s.. of qh[32h + l]. */
static void unpack_q6_quants(const uint8_t *ql, const uint8_t *qh, int16_t *q) {
  for (int i = 0; i < 256; i++) {
    const int h = i >> 7, s = (i >> 5) & 3, l = i & 31;
    const int lo = (ql[64 * h + 32 * (s & 1) + l] >> (4 * (s >> 1))) & 15;
    const int hi = (qh[32 * h + l] >> (2 * s)) & 3;
    q[i] = (int16_t)(lo | (hi << 4));
  }
}
static void pack_q6_quants(const int16_t *q, uint8_t *ql, uint8_t *qh) {
  memset(ql, 0, 128);
  memset(qh, 0, 64);
  for (int i = 0; i < 256; i++) {
    const int h = i >> 7, s = (i >> 5) & 3, l = i & 31;
    ql[64 * h + 32 * (s & 1) + l] |= (uint8_t)((q[i] & 15) << (4 * (s >> 1)));
    qh[32 * h + l] |= (uint8_t)(((q[i] >> 4) & 3) << (2 * s));
  }
}

/* Byte offsets of the fields (kernel-abi.md section 1):
 *   q4_0  d@0 qs@2          q4_1  d@0 m@2 qs@4
 *   q5_0  d@0 qh@2 qs@6     q5_1  d@0 m@2 qh@4 qs@8      q8_0  d@0 qs@2
 *   q2_K  scales@0 qs@16 d@80 dmin@82
 *   q3_K  hmask@0 qs@32 scales@96 d@108
 *   q4_K  d@0 dmin@2 scales@4 qs@16
 *   q5_K  d@0 dmin@2 scales@4 qh@16 qs@48
 *   q6_K  ql@0 qh@128 scales@192 d@208
 *   q8_K  d(float)@0 qs@4 bsums(i16)@260 */
void ref_block_unpack(crk_qtype t, const uint8_t *p, ref_block_raw *r) {
  memset(r, 0, sizeof *r);
  switch (t) {
  case CRK_Q4_0: r->d = ref_ld16(p); unpack_nibbles(p + 2, r->q); break;
  case CRK_Q4_1: r->d = ref_ld16(p); r->dmin = ref_ld16(p + 2); unpack_nibbles(p + 4, r->q); break;
  case CRK_Q5_0:
    r->d = ref_ld16(p); unpack_nibbles(p + 6, r->q); unpack_fifth_bits(p + 2, r->q); break;
  case CRK_Q5_1:
    r->d = ref_ld16(p); r->dmin = ref_ld16(p + 2);
    unpack_nibbles(p + 8, r->q); unpack_fifth_bits(p + 4, r->q); break;
  case CRK_Q8_0:
    r->d = ref_ld16(p);
    for (int i = 0; i < 32; i++) r->q[i] = (int8_t)p[2 + i];
    break;
  case CRK_Q2_K:
    for (int j = 0; j < 16; j++) { r->sc[j] = p[j] & 15; r->mn[j] = p[j] >> 4; }
    unpack_2bit(p + 16, r->q);
    r->d = ref_ld16(p + 80); r->dmin = ref_ld16(p + 82); break;
  case CRK_Q3_K:
    unpack_2bit(p + 32, r->q); unpack_q3_high(p, r->q);
    unpack_q3_scales(p + 96, r->sc); r->d = ref_ld16(p + 108); break;
  case CRK_Q4_K:
    r->d = ref_ld16(p); r->dmin = ref_ld16(p + 2);
    unpack_k4_scales(p + 4, r->sc, r->mn); unpack_k4_quants(p + 16, r->q); break;
  case CRK_Q5_K:
    r->d = ref_ld16(p); r->dmin = ref_ld16(p + 2);
    unpack_k4_scales(p + 4, r->sc, r->mn); unpack_k4_quants(p + 48, r->q);
    unpack_k5_high(p + 16, r->q); break;
  case CRK_Q6_K:
    unpack_q6_quants(p, p + 128, r->q);
    for (int j = 0; j < 16; j++) r->sc[j] = (int8_t)p[192 + j];
    r->d = ref_ld16(p + 208); break;
  case CRK_Q8_K:
    r->d32 = ref_ldf32(p);
    for (int i = 0; i < 256; i++) r->q[i] = (int8_t)p[4 + i];
    for (int j = 0; j < 16; j++) r->bsums[j] = (int16_t)ref_ld16(p + 260 + 2 * j);
    break;
  default: break;
  }
}

void ref_block_pack(crk_qtype t, const ref_block_raw *r, uint8_t *p) {
  switch (t) {
  case CRK_Q4_0: ref_st16(p, r->d); pack_nibbles(r->q, p + 2); break;
  case CRK_Q4_1: ref_st16(p, r->d); ref_st16(p + 2, r->dmin); pack_nibbles(r->q, p + 4); break;
  case CRK_Q5_0: ref_st16(p, r->d); pack_fifth_bits(r->q, p + 2); pack_nibbles(r->q, p + 6); break;
  case CRK_Q5_1:
    ref_st16(p, r->d); ref_st16(p + 2, r->dmin);
    pack_fifth_bits(r->q, p + 4); pack_nibbles(r->q, p + 8); break;
  case CRK_Q8_0:
    ref_st16(p, r->d);
    for (int i = 0; i < 32; i++) p[2 + i] = (uint8_t)r->q[i];
    break;
  case CRK_Q2_K:
    for (int j = 0; j < 16; j++) p[j] = (uint8_t)((r->sc[j] & 15) | ((r->mn[j] & 15) << 4));
    pack_2bit(r->q, p + 16);
    ref_st16(p + 80, r->d); ref_st16(p + 82, r->dmin); break;
  case CRK_Q3_K:
    pack_q3_high(r->q, p); pack_2bit(r->q, p + 32);
    pack_q3_scales(r->sc, p + 96); ref_st16(p + 108, r->d); break;
  case CRK_Q4_K:
    ref_st16(p, r->d); ref_st16(p + 2, r->dmin);
    pack_k4_scales(r->sc, r->mn, p + 4); pack_k4_quants(r->q, p + 16); break;
  case CRK_Q5_K:
    ref_st16(p, r->d); ref_st16(p + 2, r->dmin);
    pack_k4_scales(r->sc, r->mn, p + 4); pack_k5_high(r->q, p + 16);
    pack_k4_quants(r->q, p + 48); break;
  case CRK_Q6_K:
    pack_q6_quants(r->q, p, p + 128);
    for (int j = 0; j < 16; j++) p[192 + j] = (uint8_t)r->sc[j];
    ref_st16(p + 208, r->d); break;
  case CRK_Q8_K:
    ref_stf32(p, r->d32);
    for (int i = 0; i < 256; i++) p[4 + i] = (uint8_t)r->q[i];
    for (int j = 0; j < 16; j++) {
      int sum = 0;
      for (int i = 0; i < 16; i++) sum += r->q[16 * j + i];
      ref_st16(p + 260 + 2 * j, (uint16_t)sum);
    }
    break;
  default: break;
  }
}
