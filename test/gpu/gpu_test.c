/* gpu_test.c: the cases of gpu_test: every kernel of the QUANTIZED module,
 * run on the GPU and checked against the CPU reference (test/ref). The
 * runner (runner.c: the command line, the child processes) calls
 * cases_kernel() for one kernel at a time.
 *
 * Each kernel is looked up by name through the loader and launched with the
 * exact shapes of kernel-abi.md (test/gpu/kernels.c), on GGML's own vectors
 * (testdata/ggml under $CRK_DATA, default the current directory) and on seeded
 * random data, at shapes that break careless kernels: odd row counts, one
 * row, columns a multiple of the block but not of 512, more than 65535 rows
 * (quantize_q8_1 split launches), get_rows with its gy capped at 65535,
 * mat-vec batches 1 to 8, strided outputs, and weights whose slack past the
 * last row holds NaN bytes (results must equal those with zero slack, bit
 * for bit). Outputs are poisoned with NaN bytes before each launch, and a
 * guard past every output must come back untouched.
 *
 * Small shapes (--small, cases_setup(1)) keep every one of those cases at
 * sizes an ISA emulator runs in minutes (make emu-test): fewer random rows
 * and columns (still odd, still no multiple of 512), and the host's limits
 * lowered (host_rows_per_launch, host_gy_cap: 3) so that quantize's split
 * launches and get_rows' capped gy happen at a few rows and columns instead
 * of 65536.
 *
 * Bounds, per family:
 *   quantize_q8_1       bit-exact (the reference sums in the kernel's order)
 *   dequantize, get_rows  f32 out: |got - want| <= 4 ulp of the largest
 *                       value of the quantization block (the GPU may contract
 *                       GGML's a*q - b into one fma, and order d*sc*q
 *                       differently: a few roundings of terms no larger than
 *                       the block's values); f16 out: the half nearest that,
 *                       or its neighbour when the value is that close to
 *                       the tie; float tables (get_rows_f32/f16/bf16): exact
 *   dequantize_mul_mat_vec  ref_matmul_f32_tolerance (test/ref/tolerance.c)
 *   mul_mat_vec, mul_mat, indexed_moe  ref_matmul_q8_1_tolerance
 * A line per kernel and shape: "ok - NAME [shape]: max err ..." or "FAIL - ...";
 * a kernel the module lacks is "SKIP - NAME: not in the module".
 */
#include "cases.h"
#include "gpu.h"
#include "hostdata.h"
#include "ref.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define GUARD 4096   /* bytes checked past every output */
#define POISON 0xFF  /* NaN as f32 and as f16 */

static int small; /* emulator-sized shapes */

/* ---- reporting (in the child) ------------------------------------------ */

static const kernel_desc *cur;
static int k_ok, k_fail, k_skip; /* lines of the current kernel */

static void line(const char *tag, const char *shape, const char *fmt, va_list ap) {
  printf("%s - %s", tag, cur->name);
  if (shape) printf(" [%s]", shape);
  printf(": ");
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
}
static void ok_line(const char *shape, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  line("ok", shape, fmt, ap);
  va_end(ap);
  k_ok++;
}
static void fail_line(const char *shape, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  line("FAIL", shape, fmt, ap);
  va_end(ap);
  k_fail++;
}
static void skip_line(const char *shape, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  line("SKIP", shape, fmt, ap);
  va_end(ap);
  k_skip++;
}

/* A runtime call inside a case: on failure, report it and leave the case. */
#define G(call)                                  \
  do {                                           \
    if (call) {                                  \
      fail_line(shape, "%s", gpu_error());       \
      goto done;                                 \
    }                                            \
  } while (0)

/* ---- comparing ------------------------------------------------------------ */

typedef struct {
  int64_t n, bad, inexact, worst;
  double max_err, max_ratio, worst_got, worst_want, worst_tol;
} cmp;

static void cmp_val(cmp *c, int64_t i, float got, double want, double tol) {
  double err = fabs((double)got - want);
  double ratio = err <= tol ? (tol > 0 ? err / tol : 0) : (tol > 0 && !isnan(err) ? err / tol : INFINITY);
  if (!(err <= tol)) c->bad++;
  if (got != (float)want) c->inexact++;
  if (!isnan(err) && err > c->max_err) c->max_err = err;
  if (c->n == 0 || ratio > c->max_ratio) {
    c->max_ratio = ratio;
    c->worst = i;
    c->worst_got = got;
    c->worst_want = want;
    c->worst_tol = tol;
  }
  c->n++;
}

static void cmp_report(const cmp *c, const char *shape, const char *extra) {
  if (c->bad)
    fail_line(shape, "%lld of %lld values out of bound; worst [%lld]: got %.9g, want %.9g, bound %.3g%s",
              (long long)c->bad, (long long)c->n, (long long)c->worst, c->worst_got, c->worst_want,
              c->worst_tol, extra ? extra : "");
  else
    ok_line(shape, "max err %.3g (%.3g of bound), %lld of %lld not bit-exact%s", c->max_err,
            c->max_ratio, (long long)c->inexact, (long long)c->n, extra ? extra : "");
}

/* Dequantized values: f32 within 4 ulp of the block's largest magnitude;
 * f16 (got16 non-NULL) that plus half an ulp of the half. */
static void cmp_dequant(cmp *c, const float *got, const uint16_t *got16, const float *want, int64_t n,
                        int block, int64_t base) {
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    float bm = 0;
    for (int64_t i = b0; i < b0 + block && i < n; i++) bm = fmaxf(bm, fabsf(want[i]));
    double tol32 = 4 * ulp_f32(bm);
    for (int64_t i = b0; i < b0 + block && i < n; i++) {
      if (got16) {
        /* Against want rounded to half; the neighbouring half also passes
         * when want lies within tol32 of the tie between the two. */
        float g = ref_f16_to_f32(got16[i]), h = ref_f16_to_f32(ref_f32_to_f16(want[i]));
        double tol = tol32;
        if (fabs((double)want[i] - ((double)g + (double)h) / 2) <= tol32) tol += fabs((double)g - h);
        cmp_val(c, base + i, g, h, tol);
      } else {
        cmp_val(c, base + i, got[i], want[i], tol32);
      }
    }
  }
}

/* ---- device buffers --------------------------------------------------------- */

typedef struct {
  gpu_ptr p;
  size_t n;      /* bytes in use */
  size_t extra;  /* bytes past them: weight slack, or the output guard */
} dbuf;

/* n bytes plus `extra`, all filled with `fill`; then src (if any) uploaded. */
static int dnew(dbuf *b, const void *src, size_t n, size_t extra, unsigned char fill) {
  b->n = n;
  b->extra = extra;
  if (gpu_alloc(&b->p, n + extra) || gpu_fill(b->p, fill, n + extra)) return -1;
  return src ? gpu_upload(b->p, src, n) : 0;
}
static void dfree(dbuf *b) {
  if (b->p) gpu_free(b->p);
  b->p = 0;
}
static int count_not(const unsigned char *p, size_t n, unsigned char v) {
  int k = 0;
  for (size_t i = 0; i < n; i++) k += p[i] != v;
  return k;
}
/* Downloads an output with its guard; *guard_bad counts changed guard bytes. */
static int dget(void *host, const dbuf *b, int *guard_bad) {
  unsigned char *g = xmalloc(b->extra);
  int rc = gpu_download(host, b->p, b->n) || gpu_download(g, b->p + b->n, b->extra);
  if (!rc) *guard_bad = count_not(g, b->extra, POISON);
  free(g);
  return rc;
}

static uint64_t case_seed(const char *shape) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = cur->name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  for (const char *p = shape; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return h;
}

/* Random weights of type t: nrows x ncols floats quantized by the reference. */
static unsigned char *random_weights(int t, int nrows, int ncols, uint64_t seed) {
  rng r;
  rng_seed(&r, seed);
  float *f = xmalloc((size_t)nrows * ncols * sizeof(float));
  fill_weights(&r, f, nrows, ncols);
  unsigned char *w = xmalloc(type_bytes(t, (int64_t)nrows * ncols));
  ref_quantize((crk_qtype)t, f, w, (int64_t)nrows * ncols);
  free(f);
  return w;
}

static ggml_case *ggml;
static int nggml;

/* ---- quantize_q8_1 ----------------------------------------------------------- */

static void quantize_case(void *fn, const char *shape, const float *x, int kx, int rows) {
  int kxp = pad512(kx), guard_bad = 0;
  size_t nblocks = (size_t)rows * kxp / 32, ybytes = nblocks * 36;
  unsigned char *got = xmalloc(ybytes), *want = xmalloc(ybytes);
  dbuf dx = {0}, dy = {0};
  G(dnew(&dx, x, (size_t)rows * kx * sizeof(float), 0, 0));
  G(dnew(&dy, NULL, ybytes, GUARD, POISON));
  G(launch_quantize_q8_1(fn, dx.p, dy.p, kx, rows));
  G(gpu_sync());
  G(dget(got, &dy, &guard_bad));
  ref_quantize_q8_1(x, want, kx, kxp, rows);
  size_t bad = 0, first = 0;
  for (size_t b = 0; b < nblocks; b++)
    if (memcmp(got + b * 36, want + b * 36, 36) != 0 && bad++ == 0) first = b;
  if (bad) {
    const unsigned char *g = got + first * 36, *w = want + first * 36;
    fail_line(shape, "%zu of %zu blocks differ; first: row %zu block %zu: d %04x/%04x s %04x/%04x "
              "q[0..3] %d %d %d %d / %d %d %d %d (got/want)", bad, nblocks, first / (kxp / 32),
              first % (kxp / 32), g[0] | g[1] << 8, w[0] | w[1] << 8, g[2] | g[3] << 8,
              w[2] | w[3] << 8, (int8_t)g[4], (int8_t)g[5], (int8_t)g[6], (int8_t)g[7],
              (int8_t)w[4], (int8_t)w[5], (int8_t)w[6], (int8_t)w[7]);
  } else if (guard_bad) {
    fail_line(shape, "wrote %d bytes past the output", guard_bad);
  } else {
    ok_line(shape, "max err 0: all %zu blocks bit-exact", nblocks);
  }
done:
  dfree(&dx), dfree(&dy);
  free(got), free(want);
}

/* Tiny activations. Row 0, block 0: amax = 0x1p-148f, whose amax/127
 * underflows to d = 0, so every q must be 0 (not the undefined conversion of
 * x/0 = inf). Block 1: amax = 0x1p-130f, d a nonzero subnormal, q defined.
 * Block 2: normal values. Row 1: the same blocks in another order, with the
 * subnormal-amax block last, its neighbours large. */
static void test_quantize_subnormal(void *fn) {
  const int kx = 96, rows = 2;
  float x[2 * 96];
  rng r;
  rng_seed(&r, case_seed("subnormal"));
  for (int i = 0; i < 32; i++) {
    float u = (float)(int32_t)rng_u32(&r) * 0x1p-31f; /* (-1, 1) */
    x[i] = i == 3 ? 0x1p-148f : i == 4 ? -0x1p-149f : i % 5 == 0 ? 0x1p-149f * (float)(i % 3) : 0.0f;
    x[32 + i] = u * 0x1p-130f;
    x[64 + i] = u * 4.0f;
  }
  x[32 + 7] = -0x1p-130f; /* amax exactly 0x1p-130f */
  for (int i = 0; i < 32; i++) {
    x[96 + i] = x[64 + i] * 1000.0f;
    x[128 + i] = x[32 + i];
    x[160 + i] = x[i];
  }
  /* The reference must itself give d = 0 and q = 0 for the underflowing
   * blocks, else the comparison below proves nothing. */
  unsigned char want[2 * 512 / 32 * 36];
  ref_quantize_q8_1(x, want, kx, pad512(kx), rows);
  const unsigned char *b0 = want, *b1 = want + (size_t)(pad512(kx) / 32 + 2) * 36;
  int nz = 0;
  for (int i = 0; i < 36; i++) nz += (i < 2 || i >= 4) && (b0[i] != 0 || b1[i] != 0);
  if (nz) {
    fail_line("2x96 subnormal amax", "reference: %d nonzero d/q bytes where amax/127 underflows", nz);
    return;
  }
  quantize_case(fn, "2x96 subnormal amax (d underflows to 0: q = 0) and subnormal d", x, kx, rows);
}

static void test_quantize(void *fn) {
  typedef struct { int kx, rows; const char *what; } qshape;
  static const qshape full[] = {
    {768, 37, "37x768"}, {96, 5, "5x96, padded to 512"}, {4096, 8, "8x4096"},
    {64, 65537, "65537x64, two launches"},
  }, reduced[] = {
    {768, 5, "5x768"}, {96, 5, "5x96, padded to 512"}, {4096, 2, "2x4096"},
    {64, 7, "7x64, three launches of at most 3 rows"},
  };
  const qshape *shapes = small ? reduced : full;
  for (size_t s = 0; s < sizeof full / sizeof *full; s++) {
    rng r;
    rng_seed(&r, case_seed(shapes[s].what));
    size_t n = (size_t)shapes[s].kx * shapes[s].rows;
    float *x = xmalloc(n * sizeof(float));
    fill_weights(&r, x, shapes[s].rows, shapes[s].kx);
    quantize_case(fn, shapes[s].what, x, shapes[s].kx, shapes[s].rows);
    free(x);
    if (gpu_lost()) return;
  }
  /* GGML's edge rows: an all-zero block (amax 0), constants, an outlier, tiny and large values. */
  const ggml_case *e = ggml_find(ggml, nggml, "q8_0", "edge");
  if (e) quantize_case(fn, "1x1536 ggml q8_0_edge inputs", e->src, e->cols, e->rows);
  if (gpu_lost()) return;
  test_quantize_subnormal(fn);
}

/* ---- dequantize_block ---------------------------------------------------------- */

static void dequant_case(void *fn, int t, int f16, const char *shape, const void *blocks, int64_t n,
                         const float *expect) {
  size_t qbytes = type_bytes(t, n), esize = f16 ? 2 : 4;
  float *want = xmalloc((size_t)n * sizeof(float)), *got = NULL;
  uint16_t *got16 = NULL;
  dbuf dq = {0}, dy = {0};
  int guard_bad = 0;
  if (expect) memcpy(want, expect, (size_t)n * sizeof(float));
  else ref_dequantize((crk_qtype)t, blocks, want, n);
  if (f16) got16 = xmalloc((size_t)n * 2);
  else got = xmalloc((size_t)n * 4);
  G(dnew(&dq, blocks, qbytes, weight_slack_bytes(t), POISON));
  G(dnew(&dy, NULL, (size_t)n * esize, GUARD, POISON));
  G(launch_dequantize(fn, t, dq.p, dy.p, n));
  G(gpu_sync());
  G(dget(f16 ? (void *)got16 : (void *)got, &dy, &guard_bad));
  if (guard_bad) {
    fail_line(shape, "wrote %d bytes past the %lld outputs", guard_bad, (long long)n);
  } else {
    cmp c = {0};
    cmp_dequant(&c, got, got16, want, n, type_block_elems(t), 0);
    cmp_report(&c, shape, NULL);
  }
done:
  dfree(&dq), dfree(&dy);
  free(want), free(got), free(got16);
}

static void test_dequantize(void *fn, const kernel_desc *k) {
  char shape[128];
  const char *kinds[] = {"edge", "mat"};
  for (int i = 0; i < 2; i++) {
    const ggml_case *g = ggml_find(ggml, nggml, type_name(k->type), kinds[i]);
    if (!g) continue;
    snprintf(shape, sizeof shape, "n=%d ggml %s, vs GGML's floats", g->rows * g->cols, g->name);
    dequant_case(fn, k->type, k->f16_out, shape, g->q, (int64_t)g->rows * g->cols, g->deq);
    if (gpu_lost()) return;
  }
  /* Random blocks: a count that is no multiple of the workgroup's span. */
  int be = type_block_elems(k->type);
  int64_t n = be == 32 ? 32 * (small ? 129 : 4097) : 256 * (small ? 11 : 1001);
  snprintf(shape, sizeof shape, "n=%lld random", (long long)n);
  unsigned char *w = random_weights(k->type, 1, (int)n, case_seed(shape));
  dequant_case(fn, k->type, k->f16_out, shape, w, n, NULL);
  free(w);
}

/* ---- get_rows ------------------------------------------------------------------ */

/* src: src_rows rows nb01 bytes apart; deq: their values, src_rows x ne00. */
static void get_rows_case(void *fn, int t, const char *shape, const void *src, int src_rows,
                          int64_t ne00, size_t nb01, const float *deq, const uint32_t *ids,
                          int n_ids) {
  size_t sbytes = (size_t)src_rows * nb01, dn = (size_t)n_ids * (size_t)ne00;
  float *got = xmalloc(dn * sizeof(float));
  dbuf ds = {0}, di = {0}, dd = {0};
  int guard_bad = 0;
  G(dnew(&ds, src, sbytes, weight_slack_bytes(t), POISON));
  G(dnew(&di, ids, (size_t)n_ids * sizeof(uint32_t), 0, 0));
  G(dnew(&dd, NULL, dn * sizeof(float), GUARD, POISON));
  G(launch_get_rows(fn, t, ds.p, di.p, dd.p, n_ids, ne00, nb01));
  G(gpu_sync());
  G(dget(got, &dd, &guard_bad));
  if (guard_bad) {
    fail_line(shape, "wrote %d bytes past dst", guard_bad);
  } else {
    cmp c = {0};
    for (int i = 0; i < n_ids; i++) {
      const float *want = deq + (size_t)ids[i] * (size_t)ne00;
      const float *g = got + (size_t)i * (size_t)ne00;
      if (t >= CRK_F32) {
        for (int64_t j = 0; j < ne00; j++) cmp_val(&c, (int64_t)i * ne00 + j, g[j], want[j], 0);
      } else {
        cmp_dequant(&c, g, NULL, want, ne00, type_block_elems(t), (int64_t)i * ne00);
      }
    }
    char extra[64];
    snprintf(extra, sizeof extra, ", gy=%u", get_rows_gy(t, ne00));
    cmp_report(&c, shape, extra);
  }
done:
  dfree(&ds), dfree(&di), dfree(&dd);
  free(got);
}

/* A float table of rows x ne00 of type t (f32/f16/bf16), with its values. */
static void *float_table(int t, int rows, int64_t ne00, float **vals, uint64_t seed) {
  size_t n = (size_t)rows * (size_t)ne00, es = (size_t)type_block_bytes(t);
  unsigned char *tab = xmalloc(n * es);
  float *v = xmalloc(n * sizeof(float));
  rng r;
  rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++) {
    float f = (float)((int32_t)rng_u32(&r)) * 0x1p-28f; /* uniform in [-8, 8): cheap for 2^25 values */
    if (t == CRK_F32) {
      memcpy(tab + 4 * i, &f, 4);
    } else {
      uint16_t h = t == CRK_F16 ? ref_f32_to_f16(f) : ref_f32_to_bf16(f);
      memcpy(tab + 2 * i, &h, 2);
      f = t == CRK_F16 ? ref_f16_to_f32(h) : ref_bf16_to_f32(h);
    }
    v[i] = f;
  }
  *vals = v;
  return tab;
}

/* Rows of `rows` x ne00 quantized values re-laid nb01 bytes apart (the gaps hold NaN bytes). */
static unsigned char *restride(int t, const unsigned char *q, int rows, int64_t ne00, size_t nb01) {
  size_t rb = type_bytes(t, ne00);
  unsigned char *s = xmalloc((size_t)rows * nb01);
  memset(s, POISON, (size_t)rows * nb01);
  for (int r = 0; r < rows; r++) memcpy(s + (size_t)r * nb01, q + (size_t)r * rb, rb);
  return s;
}

static void test_get_rows(void *fn, const kernel_desc *k) {
  static const uint32_t ids7[] = {5, 0, 36, 5, 12, 1, 36};
  int t = k->type;
  char shape[160];
  if (t >= CRK_F32) {
    float *v;
    void *tab = float_table(t, 37, 300, &v, case_seed("small"));
    get_rows_case(fn, t, "7 ids of 37x300", tab, 37, 300, (size_t)300 * type_block_bytes(t), v, ids7, 7);
    free(tab), free(v);
    if (gpu_lost()) return;
    /* gy = ceil(ne00/256) = cap + 1 is capped: the kernel must still cover the row. */
    const int64_t big = (int64_t)host_gy_cap * 256 + 256;
    static const uint32_t ids3[] = {1, 0, 1};
    tab = float_table(t, 2, big, &v, case_seed("big"));
    snprintf(shape, sizeof shape, "3 ids of 2x%lld, gy capped", (long long)big);
    get_rows_case(fn, t, shape, tab, 2, big, (size_t)big * type_block_bytes(t), v, ids3, 3);
    free(tab), free(v);
    return;
  }
  const ggml_case *g = ggml_find(ggml, nggml, type_name(t), "mat");
  if (g) {
    snprintf(shape, sizeof shape, "7 ids of ggml %s 37x768", g->name);
    get_rows_case(fn, t, shape, g->q, g->rows, g->cols, (size_t)g->row_bytes, g->deq, ids7, 7);
    if (gpu_lost()) return;
    size_t nb01 = (size_t)g->row_bytes + 2 * (size_t)type_block_bytes(t);
    unsigned char *s = restride(t, g->q, g->rows, g->cols, nb01);
    snprintf(shape, sizeof shape, "7 ids of ggml %s, rows %zu bytes apart", g->name, nb01);
    get_rows_case(fn, t, shape, s, g->rows, g->cols, nb01, g->deq, ids7, 7);
    free(s);
    if (gpu_lost()) return;
  }
  /* 32-value types: gy = ceil(ne00/512) = cap + 1 is capped.
   * K-quants: gy = ne00/256 exactly, so a modest odd count of blocks. */
  int be = type_block_elems(t);
  int64_t ne00 = be == 32 ? ((int64_t)host_gy_cap + 1) * 512 : 2816;
  int rows = be == 32 ? 2 : 5;
  static const uint32_t ids_big[] = {1, 0}, ids_k[] = {4, 0, 2};
  snprintf(shape, sizeof shape, "%d ids of random %dx%lld%s", be == 32 ? 2 : 3, rows,
           (long long)ne00, be == 32 ? ", gy capped" : "");
  unsigned char *w = xmalloc(type_bytes(t, (int64_t)rows * ne00));
  float *v = xmalloc((size_t)rows * (size_t)ne00 * sizeof(float));
  rng r;
  rng_seed(&r, case_seed(shape));
  for (int64_t i = 0; i < rows * ne00; i++) v[i] = (float)((int32_t)rng_u32(&r)) * 0x1p-31f;
  ref_quantize((crk_qtype)t, v, w, rows * ne00);
  ref_dequantize((crk_qtype)t, w, v, rows * ne00);
  get_rows_case(fn, t, shape, w, rows, ne00, type_bytes(t, ne00), v, be == 32 ? ids_big : ids_k,
                be == 32 ? 2 : 3);
  free(w), free(v);
}

/* ---- weight matrices for the product kernels -------------------------------------- */

typedef struct {
  char what[96];
  const unsigned char *w;  /* nrows x ncols of the kernel's type */
  int nrows, ncols;
  unsigned char *owned;
} weights;

/* The shapes every product kernel sees: GGML's 37x768 (odd rows, 768 a
 * multiple of 256 but not of 512), a random 129x2816 (--small: 17x1280,
 * odd too, 1280 no multiple of 512 either), and a single row. */
static int product_weights(int t, weights *out) {
  int n = 0;
  const ggml_case *g = ggml_find(ggml, nggml, type_name(t), "mat");
  if (g) {
    snprintf(out[n].what, sizeof out[n].what, "ggml %s 37x768", g->name);
    out[n].w = g->q, out[n].nrows = g->rows, out[n].ncols = g->cols, out[n].owned = NULL;
    n++;
  }
  static const int full[][2] = {{129, 2816}, {1, 256}}, reduced[][2] = {{17, 1280}, {1, 256}};
  const int (*shapes)[2] = small ? reduced : full;
  for (int s = 0; s < 2; s++) {
    snprintf(out[n].what, sizeof out[n].what, "random %dx%d", shapes[s][0], shapes[s][1]);
    out[n].owned = random_weights(t, shapes[s][0], shapes[s][1], case_seed(out[n].what) ^ (uint64_t)t);
    out[n].w = out[n].owned, out[n].nrows = shapes[s][0], out[n].ncols = shapes[s][1];
    n++;
  }
  return n;
}
static void free_weights(weights *w, int n) {
  for (int i = 0; i < n; i++) free(w[i].owned);
}

/* Runs a product twice, with the weight slack full of NaN bytes and then of
 * zeros, into the poisoned dst; the two results must agree bit for bit.
 * run() launches the kernel; dst has `outn` floats of which only those
 * with mask[i] set are outputs (the others must stay poisoned). */
typedef int (*product_launch)(void *ctx, gpu_ptr w, gpu_ptr dst);

static void product_case(void *ctx, product_launch run, int t, const char *shape, const void *w,
                         size_t wbytes, const float *want, const float *tol, const unsigned char *mask,
                         size_t outn) {
  float *got = xmalloc(outn * sizeof(float)), *again = xmalloc(outn * sizeof(float));
  dbuf dw = {0}, dd = {0};
  int guard_bad = 0, guard_bad2 = 0;
  size_t slack = weight_slack_bytes(t);
  G(dnew(&dw, w, wbytes, slack, POISON));
  G(dnew(&dd, NULL, outn * sizeof(float), GUARD, POISON));
  G(run(ctx, dw.p, dd.p));
  G(gpu_sync());
  G(dget(got, &dd, &guard_bad));
  G(gpu_fill(dw.p + wbytes, 0, slack));
  G(gpu_fill(dd.p, POISON, outn * sizeof(float)));
  G(run(ctx, dw.p, dd.p));
  G(gpu_sync());
  G(dget(again, &dd, &guard_bad2));
  size_t stray = 0, differ = 0;
  for (size_t i = 0; i < outn; i++) {
    uint32_t a, b;
    memcpy(&a, &got[i], 4), memcpy(&b, &again[i], 4);
    if (!mask[i]) stray += a != 0xFFFFFFFFu || b != 0xFFFFFFFFu;
    else differ += a != b;
  }
  if (guard_bad || guard_bad2) {
    fail_line(shape, "wrote %d bytes past dst", guard_bad ? guard_bad : guard_bad2);
  } else if (stray) {
    fail_line(shape, "wrote %zu values of dst that are not outputs (between strided rows)", stray);
  } else if (differ) {
    fail_line(shape, "%zu outputs depend on the weight slack (NaN bytes vs zeros)", differ);
  } else {
    cmp c = {0};
    for (size_t i = 0; i < outn; i++)
      if (mask[i]) cmp_val(&c, (int64_t)i, got[i], want[i], tol[i]);
    cmp_report(&c, shape, NULL);
  }
done:
  dfree(&dw), dfree(&dd);
  free(got), free(again);
}

/* ---- dequantize_mul_mat_vec --------------------------------------------------------- */

typedef struct { void *fn; gpu_ptr y; int ncols, nrows; } dmmv_ctx;
static int dmmv_run(void *p, gpu_ptr w, gpu_ptr dst) {
  dmmv_ctx *c = p;
  return launch_dmmv(c->fn, w, c->y, dst, c->ncols, c->nrows);
}

static void test_dmmv(void *fn, const kernel_desc *k) {
  weights ws[3];
  int nw = product_weights(k->type, ws);
  for (int i = 0; i < nw && !gpu_lost(); i++) {
    const weights *W = &ws[i];
    const char *shape = W->what;
    rng r;
    rng_seed(&r, case_seed(shape));
    float *y = xmalloc((size_t)W->ncols * sizeof(float));
    for (int c = 0; c < W->ncols; c++) y[c] = rng_normal(&r);
    float *want = xmalloc((size_t)W->nrows * 4), *tol = xmalloc((size_t)W->nrows * 4);
    unsigned char *mask = xmalloc((size_t)W->nrows);
    memset(mask, 1, (size_t)W->nrows);
    ref_matmul_f32((crk_qtype)k->type, W->w, W->nrows, W->ncols, y, 1, W->ncols, want, W->nrows);
    ref_matmul_f32_tolerance((crk_qtype)k->type, W->w, W->nrows, W->ncols, y, 1, W->ncols, tol, W->nrows);
    dbuf dy = {0};
    G(dnew(&dy, y, (size_t)W->ncols * 4, GUARD, POISON));
    dmmv_ctx ctx = {fn, dy.p, W->ncols, W->nrows};
    product_case(&ctx, dmmv_run, k->type, shape, W->w, type_bytes(k->type, (int64_t)W->nrows * W->ncols),
                 want, tol, mask, (size_t)W->nrows);
  done:
    dfree(&dy);
    free(y), free(want), free(tol), free(mask);
  }
  free_weights(ws, nw);
}

/* ---- mul_mat_vec (q8_1) and mul_mat ---------------------------------------------------- */

typedef struct { void *fn; int t, batch, mmq; gpu_ptr vy; int ncols, nrows, ny, nrows_dst; } prod_ctx;
static int prod_run(void *p, gpu_ptr w, gpu_ptr dst) {
  prod_ctx *c = p;
  if (c->mmq) return launch_mmq(c->fn, c->t, w, c->vy, dst, c->ncols, c->nrows, c->ny, c->nrows_dst);
  return launch_mmvq(c->fn, c->batch, w, c->vy, dst, c->ncols, c->nrows, c->nrows_dst);
}

/* ny activation rows against W into dst rows nrows_dst apart. */
static void q8_1_product(void *fn, const kernel_desc *k, int mmq, const weights *W, int ny,
                         int nrows_dst) {
  char shape[160];
  snprintf(shape, sizeof shape, "%s, %s=%d%s", W->what, mmq ? "ncols_y" : "B", ny,
           nrows_dst != W->nrows ? ", dst rows strided" : "");
  int kp = pad512(W->ncols);
  unsigned char *vy = random_q8_1(ny, W->ncols, case_seed(shape));
  size_t outn = (size_t)ny * nrows_dst;
  float *want = xmalloc(outn * 4), *tol = xmalloc(outn * 4);
  unsigned char *mask = calloc(outn, 1);
  for (int j = 0; j < ny; j++) memset(mask + (size_t)j * nrows_dst, 1, (size_t)W->nrows);
  ref_matmul_q8_1((crk_qtype)k->type, W->w, W->nrows, W->ncols, vy, ny, kp / 32, want, nrows_dst);
  ref_matmul_q8_1_tolerance((crk_qtype)k->type, W->w, W->nrows, W->ncols, vy, ny, kp / 32, tol, nrows_dst);
  dbuf dy = {0};
  G(dnew(&dy, vy, (size_t)ny * kp / 32 * 36, GUARD, POISON));
  prod_ctx ctx = {fn, k->type, ny, mmq, dy.p, W->ncols, W->nrows, ny, nrows_dst};
  product_case(&ctx, prod_run, k->type, shape, W->w, type_bytes(k->type, (int64_t)W->nrows * W->ncols),
               want, tol, mask, outn);
done:
  dfree(&dy);
  free(vy), free(want), free(tol), free(mask);
}

static void test_mmvq(void *fn, const kernel_desc *k) {
  weights ws[3];
  int nw = product_weights(k->type, ws);
  for (int i = 0; i < nw && !gpu_lost(); i++) {
    q8_1_product(fn, k, 0, &ws[i], k->batch, ws[i].nrows);
    /* dst rows further apart than nrows (the random matrix): the gaps must stay untouched */
    if (ws[i].owned && ws[i].nrows > 1 && !gpu_lost())
      q8_1_product(fn, k, 0, &ws[i], k->batch, ws[i].nrows + 2);
  }
  free_weights(ws, nw);
}

static void test_mmq(void *fn, const kernel_desc *k) {
  weights ws[3];
  int nw = product_weights(k->type, ws);
  for (int i = 0; i < nw && !gpu_lost(); i++) {
    static const int ny_small[] = {1, 7, 130};
    if (ws[i].nrows == 37) {
      for (int j = 0; j < 3 && !gpu_lost(); j++) q8_1_product(fn, k, 1, &ws[i], ny_small[j], 37);
    } else {
      q8_1_product(fn, k, 1, &ws[i], ws[i].nrows == 1 ? 3 : 67, ws[i].nrows);
    }
  }
  free_weights(ws, nw);
}

/* ---- indexed_moe_forward ------------------------------------------------------------ */

typedef struct { void *fn; gpu_ptr xq, ids; int n, k, batch, topk, input_dim1; } moe_ctx;
static int moe_run(void *p, gpu_ptr w, gpu_ptr dst) {
  moe_ctx *c = p;
  return launch_moe(c->fn, w, c->xq, c->ids, dst, c->n, c->k, c->batch, c->topk, c->input_dim1);
}

static void moe_case(void *fn, const kernel_desc *k, int experts, int n, int kcols, int batch, int topk,
                     int input_dim1) {
  char shape[160];
  snprintf(shape, sizeof shape, "%d experts of %dx%d, batch %d, topk %d, input_dim1 %d", experts, n,
           kcols, batch, topk, input_dim1);
  int t = k->type, kp = pad512(kcols), ntask = batch * topk;
  int xrows = input_dim1 == 1 ? batch : ntask;
  size_t ebytes = type_bytes(t, (int64_t)n * kcols);
  unsigned char *w = random_weights(t, experts * n, kcols, case_seed(shape));
  unsigned char *xq = random_q8_1(xrows, kcols, case_seed(shape) + 1);
  uint32_t *ids = xmalloc((size_t)ntask * sizeof(uint32_t));
  rng r;
  rng_seed(&r, case_seed(shape) + 2);
  for (int i = 0; i < ntask; i++) ids[i] = rng_u32(&r) % (uint32_t)experts;
  ids[0] = (uint32_t)experts - 1; /* the last expert is always used: its slack follows */
  size_t outn = (size_t)ntask * n;
  float *want = xmalloc(outn * 4), *tol = xmalloc(outn * 4);
  unsigned char *mask = xmalloc(outn);
  memset(mask, 1, outn);
  for (int task = 0; task < ntask; task++) {
    const unsigned char *we = w + (size_t)ids[task] * ebytes;
    const unsigned char *x = xq + (size_t)(input_dim1 == 1 ? task / topk : task) * (kp / 32) * 36;
    ref_matmul_q8_1((crk_qtype)t, we, n, kcols, x, 1, kp / 32, want + (size_t)task * n, n);
    ref_matmul_q8_1_tolerance((crk_qtype)t, we, n, kcols, x, 1, kp / 32, tol + (size_t)task * n, n);
  }
  dbuf dx = {0}, di = {0};
  G(dnew(&dx, xq, (size_t)xrows * kp / 32 * 36, GUARD, POISON));
  G(dnew(&di, ids, (size_t)ntask * sizeof(uint32_t), 0, 0));
  moe_ctx ctx = {fn, dx.p, di.p, n, kcols, batch, topk, input_dim1};
  product_case(&ctx, moe_run, t, shape, w, ebytes * (size_t)experts, want, tol, mask, outn);
done:
  dfree(&dx), dfree(&di);
  free(w), free(xq), free(ids), free(want), free(tol), free(mask);
}

static void test_moe(void *fn, const kernel_desc *k) {
  moe_case(fn, k, 3, 37, 768, 3, 2, 1);
  if (!gpu_lost()) moe_case(fn, k, 3, 37, 768, 3, 2, 2);
  if (!gpu_lost()) {
    if (small) moe_case(fn, k, 4, 17, 1280, 5, 3, 1);
    else moe_case(fn, k, 4, 129, 2816, 5, 3, 1);
  }
}

/* ---- the entry points (cases.h) ------------------------------------------------------- */

void cases_setup(int small_shapes) {
  small = small_shapes;
  if (small) host_rows_per_launch = host_gy_cap = 3;
}

int cases_load(char *why, size_t why_len) {
  nggml = ggml_load(&ggml, why, why_len);
  return nggml;
}

void cases_unload(void) {
  ggml_free(ggml, nggml);
  ggml = NULL;
  nggml = 0;
}

static double now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

case_tally cases_kernel(crk_module *m, int device, const kernel_desc *k, int say_lookup_time) {
  cur = k;
  k_ok = k_fail = k_skip = 0;
  void *fn = NULL;
  double t0 = now_ms();
  crk_status st = crk_module_function(m, device, k->name, &fn);
  if (say_lookup_time) printf("# first lookup (loads the module): %.1f ms\n", now_ms() - t0);
  if (st == CRK_ERR_KERNEL_NOT_FOUND) {
    skip_line(NULL, "not in the module (not written yet)");
  } else if (st != CRK_OK) {
    fail_line(NULL, "crk_module_function: %s: %s", crk_status_string(st), crk_last_error());
  } else {
    switch (k->family) {
    case FAM_QUANTIZE: test_quantize(fn); break;
    case FAM_DEQUANT: test_dequantize(fn, k); break;
    case FAM_GET_ROWS: test_get_rows(fn, k); break;
    case FAM_DMMV: test_dmmv(fn, k); break;
    case FAM_MMVQ: test_mmvq(fn, k); break;
    case FAM_MMQ: test_mmq(fn, k); break;
    case FAM_MOE: test_moe(fn, k); break;
    }
  }
  return (case_tally){k_ok, k_fail, k_skip};
}
