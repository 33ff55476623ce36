/* test_ref_quantize.c: the block layouts and the test-weight quantizers.
 *   - layout: random field values pack to bytes and unpack to the same
 *     fields, and random bytes unpack and pack back to the same bytes (so
 *     pack/unpack are inverse bijections: no bit lost or shared);
 *   - quantizers: for every type, on GGML's source vectors and on random and
 *     edge-case data, every value comes back within ref_quantize_error_bound,
 *     and the error on normal data is the small fraction a quantizer of that
 *     many bits should reach. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "blocks.h"
#include "check.h"
#include "test_ref_util.h"

/* Value ranges of each field code. */
static int q_bits(crk_qtype t) {
  switch (t) {
  case CRK_Q4_0: case CRK_Q4_1: case CRK_Q4_K: return 4;
  case CRK_Q5_0: case CRK_Q5_1: case CRK_Q5_K: return 5;
  case CRK_Q2_K: return 2;
  case CRK_Q3_K: return 3;
  case CRK_Q6_K: return 6;
  default: return 8;  /* q8_0, q8_K: signed bytes */
  }
}

static void random_raw(crk_qtype t, ref_rng *rng, ref_block_raw *r) {
  memset(r, 0, sizeof *r);
  const int n = ref_qtype_info(t)->block_elems, bits = q_bits(t);
  for (int i = 0; i < n; i++) {
    const int u = (int)(ref_rng_u64(rng) & ((1u << bits) - 1));
    r->q[i] = (int16_t)(bits == 8 ? (int8_t)u : u);
  }
  const int sc_bits = t == CRK_Q2_K ? 4 : t == CRK_Q6_K ? 8 : 6;
  const int has_scales = t == CRK_Q2_K || t == CRK_Q3_K || t == CRK_Q4_K || t == CRK_Q5_K || t == CRK_Q6_K;
  const int has_mins = t == CRK_Q2_K || t == CRK_Q4_K || t == CRK_Q5_K;
  for (int j = 0; has_scales && j < ref_sub_count(t); j++) {
    const int u = (int)(ref_rng_u64(rng) & ((1u << sc_bits) - 1));
    r->sc[j] = (int16_t)(sc_bits == 8 ? (int8_t)u : u);
    if (has_mins) r->mn[j] = (int16_t)(ref_rng_u64(rng) & ((1u << sc_bits) - 1));
  }
  if (t == CRK_Q8_K) {
    r->d32 = ref_rng_normal(rng);
    for (int j = 0; j < 16; j++) {
      int s = 0;
      for (int i = 0; i < 16; i++) s += r->q[16 * j + i];
      r->bsums[j] = (int16_t)s;
    }
  } else {
    r->d = (uint16_t)ref_rng_u64(rng);
    if (t == CRK_Q4_1 || t == CRK_Q5_1 || has_mins) r->dmin = (uint16_t)ref_rng_u64(rng);
  }
}

static void check_layout(crk_qtype t) {
  const crk_qtype_info *info = ref_qtype_info(t);
  ref_rng rng;
  ref_rng_seed(&rng, 100 + t);
  int bad_fields = 0, bad_bytes = 0;
  for (int trial = 0; trial < 2000; trial++) {
    ref_block_raw a, b;
    uint8_t bytes[512], again[512];
    random_raw(t, &rng, &a);
    memset(bytes, 0xee, sizeof bytes);
    ref_block_pack(t, &a, bytes);
    ref_block_unpack(t, bytes, &b);
    bad_fields += memcmp(&a, &b, sizeof a) != 0 || bytes[info->block_bytes] != 0xee;

    for (int i = 0; i < info->block_bytes; i++) bytes[i] = (uint8_t)ref_rng_u64(&rng);
    ref_block_unpack(t, bytes, &b);
    ref_block_pack(t, &b, again);
    /* q8_K's bsums are recomputed from the codes, not copied: compare the rest. */
    const int cmp = t == CRK_Q8_K ? 260 : info->block_bytes;
    bad_bytes += memcmp(bytes, again, (size_t)cmp) != 0;
  }
  char name[96];
  snprintf(name, sizeof name, "%s layout: fields -> bytes -> fields and bytes -> fields -> bytes", info->name);
  CHECK(bad_fields == 0 && bad_bytes == 0, name, "%d field and %d byte round trips of 2000 differ", bad_fields,
        bad_bytes);
}

/* Quantize x (n values), dequantize, compare with the bound; returns the
 * relative RMS error and counts values past their bound. */
static double round_trip(crk_qtype t, const float *x, int64_t n, int64_t *over, int64_t *first) {
  const crk_qtype_info *info = ref_qtype_info(t);
  uint8_t *q = malloc((size_t)(n / info->block_elems) * info->block_bytes + 1);
  float *y = malloc((size_t)n * sizeof *y), *bound = malloc((size_t)n * sizeof *bound);
  ref_quantize(t, x, q, n);
  ref_dequantize(t, q, y, n);
  for (int64_t b = 0; b < n / info->block_elems; b++)
    ref_quantize_error_bound(t, x + b * info->block_elems, bound + b * info->block_elems);
  double err2 = 0.0, sig2 = 0.0;
  *over = 0;
  *first = -1;
  for (int64_t i = 0; i < n; i++) {
    const double e = fabs((double)x[i] - y[i]);
    if (!(e <= bound[i])) { if (*first < 0) *first = i; (*over)++; }
    err2 += e * e;
    sig2 += (double)x[i] * x[i];
  }
  /* q8_K keeps its bsums consistent with its codes. */
  if (t == CRK_Q8_K) {
    for (int64_t b = 0; b < n / 256; b++) {
      ref_block_raw r;
      ref_block_unpack(t, q + b * 292, &r);
      for (int j = 0; j < 16; j++) {
        int s = 0;
        for (int i = 0; i < 16; i++) s += r.q[16 * j + i];
        if (s != r.bsums[j]) (*over)++;
      }
    }
  }
  free(q);
  free(y);
  free(bound);
  return sig2 > 0 ? sqrt(err2 / sig2) : 0.0;
}

/* Edge data in stretches of 256 (one K block, eight 32-blocks each). */
static void make_edge(float *x, ref_rng *rng) {
  for (int i = 0; i < 256; i++) x[i] = 0.0f;                                   /* zero */
  for (int i = 0; i < 256; i++) x[256 + i] = -1.0f;                            /* constant negative */
  for (int i = 0; i < 256; i++) x[512 + i] = 0.01f * ref_rng_normal(rng);      /* noise + outlier */
  x[512 + 77] = 1000.0f;
  for (int i = 0; i < 256; i++) x[768 + i] = 1e-9f * ref_rng_normal(rng);      /* subnormal halves */
  for (int i = 0; i < 256; i++) x[1024 + i] = 3000.0f * ref_rng_normal(rng);   /* large */
  for (int i = 0; i < 256; i++) x[1280 + i] = 2.0f + ref_rng_uniform(rng);     /* all positive, offset */
  for (int i = 0; i < 256; i++) x[1536 + i] = (i % 16 == 3) ? 5.0f : 0.0f;     /* sparse */
  for (int i = 0; i < 256; i++) x[1792 + i] = 10000.0f * ref_rng_normal(rng);  /* large, scales far up the half range */
}

/* Relative RMS error a quantizer of this type must beat on normal data:
 * about twice what the levels allow (uniform rounding error of a step
 * ~ 2*amax/levels is step/sqrt(12)). */
static double rms_limit(crk_qtype t) {
  switch (t) {
  case CRK_Q8_0: case CRK_Q8_K: return 0.02;
  case CRK_Q6_K: return 0.06;
  case CRK_Q5_0: case CRK_Q5_1: case CRK_Q5_K: return 0.10;
  case CRK_Q4_0: case CRK_Q4_1: case CRK_Q4_K: return 0.20;
  case CRK_Q3_K: return 0.40;
  default: return 0.70;  /* q2_K */
  }
}

static void check_quantizer(crk_qtype t) {
  const crk_qtype_info *info = ref_qtype_info(t);
  char name[160];
  int64_t over, first;
  ref_rng rng;
  ref_rng_seed(&rng, 7 + t);

  enum { N = 64 * 256 };
  float *x = malloc(N * sizeof *x);
  for (int i = 0; i < N; i++) x[i] = ref_rng_normal(&rng) * (i < N / 2 ? 1.0f : 0.05f);
  const double rms = round_trip(t, x, N, &over, &first);
  snprintf(name, sizeof name, "%s quantize: normal data within the bound, relative RMS error %.4f < %.2f",
           info->name, rms, rms_limit(t));
  CHECK(over == 0 && rms < rms_limit(t), name, "%lld values past their bound (first %lld: %g)", (long long)over,
        (long long)first, first >= 0 ? x[first] : 0.0);

  make_edge(x, &rng);
  round_trip(t, x, 2048, &over, &first);
  snprintf(name, sizeof name, "%s quantize: edge data (zero, constant, outlier, tiny, large, offset, sparse)",
           info->name);
  CHECK(over == 0, name, "%lld values past their bound (first %lld: %g)", (long long)over, (long long)first,
        first >= 0 ? x[first] : 0.0);
  free(x);

  /* GGML's source vectors of this type, when present. */
  const char *kinds[] = {"edge", "mat"};
  for (int k = 0; k < 2; k++) {
    char path[1200];
    snprintf(path, sizeof path, "%s/testdata/ggml/%s_%s.src.f32", crk_data_dir(), info->name, kinds[k]);
    size_t len;
    float *src = read_file(path, &len);
    snprintf(name, sizeof name, "%s quantize: GGML's %s source within the bound", info->name, kinds[k]);
    if (!src) {
      CHECK(0, name, "cannot read %s", path);
      continue;
    }
    const int64_t n = (int64_t)(len / 4) / info->block_elems * info->block_elems;
    round_trip(t, src, n, &over, &first);
    CHECK(n > 0 && over == 0, name, "%lld of %lld values past their bound (first %lld: %g)", (long long)over,
          (long long)n, (long long)first, first >= 0 ? src[first] : 0.0);
    free(src);
  }
}

int main(void) {
  for (int t = 0; t < CRK_QTYPE_COUNT; t++) check_layout((crk_qtype)t);
  for (int t = 0; t < CRK_QTYPE_COUNT; t++) check_quantizer((crk_qtype)t);
  CHECK_EXIT();
}
