/* ref.h: the CPU reference of the QUANTIZED kernels (spec/kernel-abi.md).
 *
 * Plain C11, no global state, no allocation visible to callers (some
 * functions allocate scratch internally and free it before returning).
 * Compiled into the sanitized unit tests and into the GPU harness and the
 * benchmarks: list the sources with $(REF_SRCS) and compile them with
 * $(REF_CFLAGS) (test/ref/ref.mk), which turns float contraction off so that
 * the reference rounds exactly like GGML's scalar code.
 *
 * Block buffers are read and written byte by byte (little-endian), so any
 * alignment is fine: rows of 18- or 210-byte blocks may start anywhere.
 */
#ifndef CRK_REF_H
#define CRK_REF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------ */
typedef enum { CRK_Q4_0, CRK_Q4_1, CRK_Q5_0, CRK_Q5_1, CRK_Q8_0, CRK_Q2_K, CRK_Q3_K, CRK_Q4_K,
               CRK_Q5_K, CRK_Q6_K, CRK_Q8_K, CRK_QTYPE_COUNT } crk_qtype;

/* The non-quantized element types get_rows also gathers from. Their values
 * follow the quantized ones so one int names any source type. */
enum { CRK_F32 = CRK_QTYPE_COUNT, CRK_F16, CRK_BF16, CRK_SRCTYPE_COUNT };

typedef struct {
  const char *name;   /* "q4_0", "q2_K" (as in GGML) */
  int block_elems;    /* 32 or 256 */
  int block_bytes;
} crk_qtype_info;

/* NULL for a value outside 0..CRK_QTYPE_COUNT-1. */
const crk_qtype_info *ref_qtype_info(crk_qtype t);
/* -1 if unknown; accepts q2_K and q2_k. */
int ref_qtype_from_name(const char *name);
/* Any source type of get_rows: a crk_qtype name, "f32", "f16" or "bf16"; -1 if unknown. */
int ref_srctype_from_name(const char *name);
const char *ref_srctype_name(int type);
/* Bytes of one row of ncols values (ncols a multiple of the block). */
size_t ref_row_bytes(crk_qtype t, int64_t ncols);

/* ------------------------------------------------------------------------
 * Half and bfloat16 (own code: IEEE binary16, round to nearest even,
 * subnormals, infinities; NaN stays NaN, keeping the top payload bits)
 * ------------------------------------------------------------------------ */
float ref_f16_to_f32(uint16_t h);
uint16_t ref_f32_to_f16(float f);
float ref_bf16_to_f32(uint16_t b);          /* exact widening */
uint16_t ref_f32_to_bf16(float f);          /* round to nearest even; NaN stays NaN */

/* ------------------------------------------------------------------------
 * Weight formats
 * ------------------------------------------------------------------------ */
/* Dequantize n values (n a multiple of block_elems), bit-exact with GGML's
 * to_float: every value is a*v - b in float with GGML's a, b and order. */
void ref_dequantize(crk_qtype t, const void *blocks, float *out, int64_t n);
/* The same rounded to half: what dequantize_block_T_f16 writes. */
void ref_dequantize_f16(crk_qtype t, const void *blocks, uint16_t *out, int64_t n);
/* Quantize n floats to blocks of type t: a valid, round-to-nearest encoding
 * (not GGML's search), for test weights. Per value the error is at most half
 * a step of its sub-block; ref_quantize_error_bound says how large that is. */
void ref_quantize(crk_qtype t, const float *src, void *dst, int64_t n);
/* The bound on |src[i] - dequantize(quantize(src))[i]| that ref_quantize
 * guarantees, for each i of one block of src (block_elems values). */
void ref_quantize_error_bound(crk_qtype t, const float *src, float *bound);

/* ------------------------------------------------------------------------
 * q8_1 activations (kernel-abi.md section 2)
 * ------------------------------------------------------------------------ */
#define CRK_Q8_1_BYTES 36
#define CRK_ROW_PADDING 512
/* pad(k) = ceil(k/512)*512 */
int ref_pad(int k);
/* Rows of kx floats -> rows of kx_padded/32 q8_1 blocks. Columns kx..kx_padded
 * count as 0. d = amax/127, q = roundf(x/d) (0 when amax is 0), s = the float
 * sum of the 32 values, d and s stored as half. The sum is taken in the order
 * of the kernel's 32-lane butterfly (pairs 16 apart, then 8, 4, 2, 1), so a
 * correct GPU quantize_q8_1 matches this bit for bit. */
void ref_quantize_q8_1(const float *x, void *vy, int kx, int kx_padded, int rows);
/* n values (multiple of 32) of consecutive q8_1 blocks: half(d)*q. */
void ref_dequantize_q8_1(const void *vy, float *out, int64_t n);

/* ------------------------------------------------------------------------
 * Products. W is nrows x ncols of type t, rows ref_row_bytes(t, ncols) apart.
 * Accumulation is in double; each output is rounded to float once.
 * ------------------------------------------------------------------------ */
/* dst[j*nrows_dst + r] = sum_c deq(W)[r][c] * y[j*y_stride + c]  (j < ny, r < nrows).
 * dequantize_mul_mat_vec_* is the ny == 1 case. */
void ref_matmul_f32(crk_qtype t, const void *w, int nrows, int ncols,
                    const float *y, int ny, int y_stride, float *dst, int nrows_dst);
/* Same with q8_1 activations: y_j = dequantized q8_1 row j, rows
 * y_stride_blocks blocks apart (pad(ncols)/32 for a host's buffers). */
void ref_matmul_q8_1(crk_qtype t, const void *w, int nrows, int ncols,
                     const void *vy, int ny, int y_stride_blocks, float *dst, int nrows_dst);

/* Per-output error bounds of GPU kernels against the two products above,
 * derived in tolerance.c: float accumulation (gamma_{k+16} times the sum of
 * magnitudes), the reordering of GGML's dequantization arithmetic, the final
 * float rounding, and for q8_1 kernels that may take a block's sum from s
 * (q4_0, q5_0 offsets; q4_1, q5_1, q2_K, q4_K, q5_K mins) the exact size of
 * that choice, |sum over blocks of offset * (s - d*sum(q))| (s is the sum of
 * the original floats, so this is a real difference, not rounding). The
 * bounds hold whether or not a kernel reads s. Fills tol like dst.
 * The float term is a worst case growing with k (about k * 2^-24 of the sum
 * of |w*y|): short rows (k <= 1024) give the sharpest checks. */
void ref_matmul_q8_1_tolerance(crk_qtype t, const void *w, int nrows, int ncols,
                               const void *vy, int ny, int y_stride_blocks, float *tol, int nrows_dst);
void ref_matmul_f32_tolerance(crk_qtype t, const void *w, int nrows, int ncols,
                              const float *y, int ny, int y_stride, float *tol, int nrows_dst);
/* Flags of the _ex forms. */
#define REF_TOL_HALF_INTERMEDIATES 1u  /* kernel rounds scale products (d*sc, d_w*d_y) to half */
void ref_matmul_q8_1_tolerance_ex(crk_qtype t, const void *w, int nrows, int ncols,
                                  const void *vy, int ny, int y_stride_blocks, float *tol,
                                  int nrows_dst, unsigned flags);
void ref_matmul_f32_tolerance_ex(crk_qtype t, const void *w, int nrows, int ncols,
                                 const float *y, int ny, int y_stride, float *tol,
                                 int nrows_dst, unsigned flags);

/* ------------------------------------------------------------------------
 * Other kernel semantics (kernel-abi.md section 3)
 * ------------------------------------------------------------------------ */
/* get_rows_T: dst[i*ne00 + c] = value c of src0 row ids[i], i < n_ids.
 * type: a crk_qtype of get_rows (q4_0..q6_K; q8_K works too) or CRK_F32,
 * CRK_F16, CRK_BF16. Row r starts nb01*r bytes into src0 for every type (the
 * plain-type kernels may ignore nb01, so pass ne00 * element size there).
 * ne00 is a multiple of the block for quantized types. */
void ref_get_rows(int type, const void *src0, const uint32_t *ids, int n_ids,
                  float *dst, int64_t ne00, size_t nb01);

/* QK of indexed_moe_forward's expert stride: 32 for q8_0, else 256. */
int ref_moe_qk(crk_qtype t);
/* indexed_moe_forward_T_q8_1: for task t = b*topk + i (b < batch, i < topk):
 * e = ids[t], x = q8_1 row (input_dim1 == 1 ? b : t) of xq (k_padded/32
 * blocks a row), W_e = the n x k matrix starting at block e*n*k/ref_moe_qk(t)
 * of w, out[t*n + r] = sum_c W_e[r][c] * x[c] in double. */
void ref_indexed_moe_forward(crk_qtype t, const void *w, const void *xq, const uint32_t *ids,
                             float *out, int n, int k, int batch, int topk, int k_padded,
                             int input_dim1);
/* ref_matmul_q8_1_tolerance applied to each task of the above. */
void ref_indexed_moe_tolerance(crk_qtype t, const void *w, const void *xq, const uint32_t *ids,
                               float *tol, int n, int k, int batch, int topk, int k_padded,
                               int input_dim1);

/* ------------------------------------------------------------------------
 * Deterministic test data (state lives in the caller's struct)
 * ------------------------------------------------------------------------ */
typedef struct { uint64_t s; } ref_rng;
void ref_rng_seed(ref_rng *r, uint64_t seed);
uint64_t ref_rng_u64(ref_rng *r);
float ref_rng_uniform(ref_rng *r);   /* [0, 1) */
float ref_rng_normal(ref_rng *r);    /* standard normal */

#ifdef __cplusplus
}
#endif
#endif
