/* hostdata.h: host-side helpers of the harness and benchmarks: ulps, a
 * seeded generator of test values, and the GGML reference vectors from
 * testdata/ggml. (Half and bf16 conversions are the reference's:
 * ref_f16_to_f32 and friends in test/ref/ref.h.)
 */
#ifndef CRK_GPU_HOSTDATA_H
#define CRK_GPU_HOSTDATA_H

#include <stddef.h>
#include <stdint.h>

/* One unit in the last place of a float / of the half nearest to it. */
double ulp_f32(float x);
double ulp_f16(float x);

/* xorshift64*: deterministic, seeded per case, so a failure reproduces. */
typedef struct { uint64_t s; } rng;
void rng_seed(rng *r, uint64_t seed);
uint32_t rng_u32(rng *r);
float rng_uniform(rng *r);          /* [0, 1) */
float rng_normal(rng *r);           /* standard normal */
/* n values of normal noise, each row of `cols` scaled by its own factor in
 * [0.1, 2] (weights of real models vary by row). */
void fill_weights(rng *r, float *x, int64_t rows, int64_t cols);
/* q8_1 activations of ny rows of k columns (normal noise from seed), as a
 * host makes them: rows of pad(k)/32 blocks, by the CPU reference. */
unsigned char *random_q8_1(int ny, int k, uint64_t seed);

/* A GGML case of MANIFEST.tsv with its three files loaded. */
typedef struct {
  char name[64];
  char type[16];
  int rows, cols, row_bytes;
  float *src;          /* rows*cols inputs */
  unsigned char *q;    /* rows*row_bytes quantized bytes */
  float *deq;          /* rows*cols GGML dequantized values */
} ggml_case;

/* Reads testdata/ggml under $CRK_DATA (default: the current directory). Returns
 * the number of cases (0 and a reason in why when the data is missing). */
int ggml_load(ggml_case **cases, char *why, size_t why_len);
/* The case named "<type>_<kind>" (kind "edge" or "mat"), or NULL. */
const ggml_case *ggml_find(const ggml_case *cases, int n, const char *type, const char *kind);
void ggml_free(ggml_case *cases, int n);

void *xmalloc(size_t n);            /* exits with a message when out of memory */

#endif
