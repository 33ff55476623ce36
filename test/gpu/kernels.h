/* kernels.h: the 142 kernels of the QUANTIZED module as the host sees them:
 * their names, and launchers that pick grid and workgroup exactly as
 * spec/kernel-abi.md section 3 says a host does. The harness and
 * the benchmarks launch through these, so both exercise the real shapes.
 */
#ifndef CRK_GPU_KERNELS_H
#define CRK_GPU_KERNELS_H

#include "gpu.h"
#include "ref.h"

#include <stdint.h>

enum kernel_family {
  FAM_QUANTIZE,  /* quantize_q8_1 */
  FAM_DEQUANT,   /* dequantize_block_{T}_{f32,f16} */
  FAM_GET_ROWS,  /* get_rows_{T} */
  FAM_DMMV,      /* dequantize_mul_mat_vec_* (float activations) */
  FAM_MMVQ,      /* mul_mat_vec_{T}_q8_1_cuda{B} */
  FAM_MMQ,       /* mul_mat_{T} */
  FAM_MOE,       /* indexed_moe_forward_* */
  FAM_COUNT
};

typedef struct {
  char name[64];
  int family;   /* enum kernel_family */
  int type;     /* crk_qtype, or CRK_F32, CRK_F16 or CRK_BF16 (get_rows of a float table) */
  int f16_out;  /* dequantize_block_*_f16 */
  int batch;    /* mul_mat_vec: B, the number of activation vectors */
} kernel_desc;

#define KERNEL_COUNT 142

/* Fills out[0..KERNEL_COUNT) in the order of kernels.txt; returns the count. */
int kernel_catalog(kernel_desc *out);
const char *family_name(int family);
/* "q4_0", "q2_K", "f32", "bf16" */
const char *type_name(int type);
/* Values and bytes per block; 1 and the element size for CRK_F32, CRK_F16 or CRK_BF16. */
int type_block_elems(int type);
int type_block_bytes(int type);
/* Bytes of n values (n a multiple of the block). */
size_t type_bytes(int type, int64_t n);
/* Slack the host allocates past a weight buffer (kernel-abi.md section 4). */
size_t weight_slack_bytes(int type);
/* mul_mat (mmq) tile: values per workgroup along x (activations) and y (rows). */
void mmq_tile(int type, int *mmq_x, int *mmq_y);

/* pad(k) = ceil(k/512)*512, MATRIX_ROW_PADDING */
static inline int pad512(int k) { return (k + 511) / 512 * 512; }

/* The host's grid limits: 65535 rows of quantize_q8_1 per launch, get_rows'
 * gy capped at 65535 (kernel-abi.md). The harness's small mode (gpu_test
 * --small, for the ISA emulator) lowers both, so that the split launches and
 * the capped gy reach the same kernel code at sizes it can run. */
extern int host_rows_per_launch;
extern int host_gy_cap;

/* Launchers. Each returns gpu_launch's status; none synchronizes. */
/* quantize_q8_1 over `rows` rows of kx floats; splits rows above
 * host_rows_per_launch into several launches with offset pointers, as the
 * host does. */
int launch_quantize_q8_1(void *fn, gpu_ptr x, gpu_ptr vy, int kx, int rows);
/* dequantize_block_{type}: n values (a multiple of the block). */
int launch_dequantize(void *fn, int type, gpu_ptr vx, gpu_ptr y, int64_t n);
/* get_rows_{type}: n_ids rows of ne00 values gathered to dst. */
int launch_get_rows(void *fn, int type, gpu_ptr src0, gpu_ptr ids, gpu_ptr dst, int n_ids,
                    int64_t ne00, size_t nb01);
/* The gy the host picks for get_rows (capped at host_gy_cap where the spec caps it). */
unsigned get_rows_gy(int type, int64_t ne00);
int launch_dmmv(void *fn, gpu_ptr vx, gpu_ptr y, gpu_ptr dst, int ncols, int nrows);
int launch_mmvq(void *fn, int batch, gpu_ptr vx, gpu_ptr vy, gpu_ptr dst, int ncols_x, int nrows_x,
                int nrows_dst);
int launch_mmq(void *fn, int type, gpu_ptr vx, gpu_ptr vy, gpu_ptr dst, int ncols_x, int nrows_x,
               int ncols_y, int nrows_dst);
int launch_moe(void *fn, gpu_ptr w, gpu_ptr xq, gpu_ptr ids, gpu_ptr out, int n, int k, int batch,
               int topk, int input_dim1);

#endif
