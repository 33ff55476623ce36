/* blocks.h: internal to the reference. Two views of one quantization block,
 * between the bytes of kernel-abi.md section 1 and the floats:
 *
 *   bytes  <-- ref_block_pack / ref_block_unpack -->  ref_block_raw
 *          (the stored fields, one integer per field: pure bit layout)
 *   ref_block_raw  -- ref_block_decode -->  ref_block_dec
 *          (value i = a[i>>sub_shift] * v[i] - b[i>>sub_shift], in float, with
 *           a and b computed exactly as GGML's to_float computes them)
 *
 * Keeping the layout apart from the arithmetic lets the tests check the
 * packing on its own (random fields round trip through bytes) and lets the
 * tolerance code see the integer quants, scales and mins of every value.
 */
#ifndef CRK_REF_BLOCKS_H
#define CRK_REF_BLOCKS_H

#include "ref.h"

#define REF_QK_MAX 256
#define REF_SUB_MAX 16

/* Every stored field of a block; which ones a type uses is listed at
 * ref_block_pack. Quants are the stored codes (unsigned, before any offset),
 * except q8_0 and q8_K whose codes are signed bytes. */
typedef struct {
  uint16_t d;                 /* half scale (all types but q8_K) */
  uint16_t dmin;              /* half min (q2_K q4_K q5_K) or m (q4_1 q5_1) */
  float d32;                  /* q8_K's float scale */
  int16_t sc[REF_SUB_MAX];    /* sub-block scale codes */
  int16_t mn[REF_SUB_MAX];    /* sub-block min codes */
  int16_t q[REF_QK_MAX];      /* value codes */
  int16_t bsums[REF_SUB_MAX]; /* q8_K: sums of 16 codes (as stored) */
} ref_block_raw;

/* The arithmetic view: value i = a[i >> sub_shift] * (float)v[i] - b[...]. */
typedef struct {
  int n;                      /* values in the block */
  int sub_shift;              /* log2 of values per sub-block: 4 (16) or 5 (32); 8 for q8_K */
  int16_t v[REF_QK_MAX];      /* integer quant with the type's offset removed */
  float a[REF_SUB_MAX];       /* GGML's float scale of the sub-block */
  float b[REF_SUB_MAX];       /* GGML's float amount subtracted (0 without a min) */
} ref_block_dec;

void ref_block_unpack(crk_qtype t, const uint8_t *src, ref_block_raw *raw);
/* Writes the block's bytes; q8_K's bsums are computed from the codes. */
void ref_block_pack(crk_qtype t, const ref_block_raw *raw, uint8_t *dst);
void ref_block_decode(crk_qtype t, const ref_block_raw *raw, ref_block_dec *dec);

/* Sub-blocks per block and values per sub-block of each type. */
int ref_sub_count(crk_qtype t);
int ref_sub_len(crk_qtype t);

/* Little-endian field access at any alignment. */
static inline uint16_t ref_ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline void ref_st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline uint32_t ref_ld32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void ref_st32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
float ref_ldf32(const uint8_t *p);
void ref_stf32(uint8_t *p, float f);

#endif
