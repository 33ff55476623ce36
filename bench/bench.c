/* bench.c: how fast the QUANTIZED kernels run, as a ratio to the memory limit.
 *
 *   bench [--out FILE.md] [--commit ID] [--device N] [--quick] [--only LIST]
 *         [--types LIST] [--notes FILE.md]
 *
 * On LLM-sized weights (N x K = 4096x4096, 4096x14336, 14336x4096, 16384x14336) and for
 * each quant type: mul_mat_vec with B = 1 and 8 q8_1 activation vectors,
 * dequantize_mul_mat_vec (float activations), mul_mat at 512 tokens,
 * dequantize to f32 and f16; and quantize_q8_1 of 1 and 512 activation rows.
 * In the same run, the device-to-device copy bandwidth (bytes read plus
 * bytes written per second), so that every figure is also a fraction of what
 * the memory can do.
 *
 * Method: the inputs of every launch come from a pool of identical copies
 * larger than 4x the L2 cache (at least 256 MiB), used in turn, so each
 * launch reads its weights from device memory, as a model's layers do. A
 * timed round is one pass over the pool between two events; the figure is
 * the median of the rounds, after a warm-up pass. Weights are real blocks:
 * random normal rows quantized by the CPU reference, tiled to the full size.
 *
 * Mat-vec figures are weight bytes read per second (the activations are
 * small and stay in cache); mul_mat adds TOPS (2*N*K*tokens operations);
 * dequantize and quantize count bytes read plus written, like the copy.
 *
 * Writes the markdown tables to FILE.md (date, GPU, driver, commit) and
 * prints them; --notes appends FILE.md's text (hand-written notes on the
 * numbers) after them. --only mmvq,dmmv,mmq,dequant,quantize measures and
 * prints only those families, --types q4_0,q6_K only those types (to
 * compare builds quickly, or to profile a few kernels). Without a GPU it
 * says so, writes nothing and exits 0.
 */
#include "candle_rocm_kernels.h"
#include "gpu.h"
#include "hostdata.h"
#include "kernels.h"
#include "ref.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 7
#define TOKENS 512  /* mul_mat batch and quantize_q8_1 rows */

static const int dot_types[] = {CRK_Q4_0, CRK_Q4_1, CRK_Q5_0, CRK_Q5_1, CRK_Q8_0,
                                CRK_Q2_K, CRK_Q3_K, CRK_Q4_K, CRK_Q5_K, CRK_Q6_K};
#define NTYPES 10
/* N rows x K cols. 16384x14336 puts every type's weights past the L2
 * (60 MB on the H200): the targets below are read on it. */
static const int shapes[][2] = {{4096, 4096}, {4096, 14336}, {14336, 4096}, {16384, 14336}};
#define NSHAPES 4
#define TARGET_SHAPE 3

static crk_module *mod;
static int device;
static size_t pool_bytes;
static kernel_desc kernels[KERNEL_COUNT];
static int nkernels;
static const char *only;  /* comma-separated families to measure, NULL: all */
static const char *types; /* comma-separated types to measure, NULL: all */

static int in_list(const char *list, const char *word) {
  if (!list) return 1;
  size_t n = strlen(word);
  for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return 1;
  return 0;
}
static int measured(const char *family) { return in_list(only, family); }

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}
#define G(call) do { if (call) die("%s", gpu_error()); } while (0)

/* The kernel's handle, or NULL when the module lacks it (not written yet). */
static void *kernel(const char *name) {
  void *fn = NULL;
  crk_status st = crk_module_function(mod, device, name, &fn);
  if (st == CRK_ERR_KERNEL_NOT_FOUND) return NULL;
  if (st != CRK_OK) die("%s: %s", name, crk_last_error());
  return fn;
}

/* ---- timing ------------------------------------------------------------------- */

typedef int (*launch_fn)(void *ctx, int copy);

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median milliseconds of one launch, over ROUNDS passes over `copies` inputs. */
static double time_launches(launch_fn f, void *ctx, int copies) {
  gpu_event *a, *b;
  G(gpu_event_create(&a));
  G(gpu_event_create(&b));
  for (int c = 0; c < copies; c++) G(f(ctx, c)); /* warm-up: module, clocks, TLB */
  G(gpu_sync());
  double ms[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    G(gpu_event_record(a));
    for (int c = 0; c < copies; c++) G(f(ctx, c));
    G(gpu_event_record(b));
    float t;
    G(gpu_event_ms(a, b, &t));
    ms[r] = t / copies;
  }
  G(gpu_sync());
  gpu_event_destroy(a);
  gpu_event_destroy(b);
  qsort(ms, ROUNDS, sizeof *ms, cmp_double);
  return ms[ROUNDS / 2];
}

/* A pool of identical copies of `bytes` (plus slack each), larger than the cache. */
typedef struct { gpu_ptr base; size_t stride; int copies; } pool;

static void pool_make(pool *p, const void *host, size_t bytes, size_t slack) {
  p->stride = (bytes + slack + 255) / 256 * 256;
  p->copies = (int)((pool_bytes + p->stride - 1) / p->stride);
  if (p->copies < 2) p->copies = 2;
  G(gpu_alloc(&p->base, p->stride * (size_t)p->copies));
  G(gpu_fill(p->base, 0, p->stride * (size_t)p->copies));
  G(gpu_upload(p->base, host, bytes));
  for (int c = 1; c < p->copies; c++) G(gpu_copy(p->base + (size_t)c * p->stride, p->base, bytes));
}
static gpu_ptr pool_at(const pool *p, int c) { return p->base + (size_t)c * p->stride; }
static void pool_free(pool *p) { gpu_free(p->base); }

/* ---- copy bandwidth ------------------------------------------------------------- */

typedef struct { gpu_ptr src, dst; size_t bytes; } copy_ctx;
static int copy_run(void *p, int c) {
  copy_ctx *x = p;
  (void)c;
  return gpu_copy(x->dst, x->src, x->bytes);
}

static double copy_bandwidth(void) {
  copy_ctx x = {0, 0, (size_t)1 << 30};
  G(gpu_alloc(&x.src, x.bytes));
  G(gpu_alloc(&x.dst, x.bytes));
  G(gpu_fill(x.src, 0x5a, x.bytes));
  double ms = time_launches(copy_run, &x, 4);
  gpu_free(x.src);
  gpu_free(x.dst);
  return 2.0 * (double)x.bytes / (ms * 1e-3) / 1e9;
}

/* ---- weights ---------------------------------------------------------------------- */

/* N x K weights of type t: 64 random rows quantized, tiled. */
static unsigned char *make_weights(int t, int n, int k, size_t *bytes) {
  const int sample_rows = 64;
  rng r;
  rng_seed(&r, (uint64_t)t * 1000003u + (uint64_t)k);
  float *f = xmalloc((size_t)sample_rows * k * sizeof(float));
  fill_weights(&r, f, sample_rows, k);
  size_t rb = type_bytes(t, k);
  unsigned char *sample = xmalloc(rb * sample_rows);
  ref_quantize((crk_qtype)t, f, sample, (int64_t)sample_rows * k);
  *bytes = rb * (size_t)n;
  unsigned char *w = xmalloc(*bytes);
  for (int i = 0; i < n; i++) memcpy(w + (size_t)i * rb, sample + (size_t)(i % sample_rows) * rb, rb);
  free(f);
  free(sample);
  return w;
}

/* ---- the measured kernels ------------------------------------------------------------ */

typedef struct {
  void *fn;
  int t, n, k, b;
  const pool *w;
  gpu_ptr vy, y, dst;
} wctx;

static int run_mmvq(void *p, int c) {
  wctx *x = p;
  return launch_mmvq(x->fn, x->b, pool_at(x->w, c), x->vy, x->dst, x->k, x->n, x->n);
}
static int run_dmmv(void *p, int c) {
  wctx *x = p;
  return launch_dmmv(x->fn, pool_at(x->w, c), x->y, x->dst, x->k, x->n);
}
static int run_mmq(void *p, int c) {
  wctx *x = p;
  return launch_mmq(x->fn, x->t, pool_at(x->w, c), x->vy, x->dst, x->k, x->n, x->b, x->n);
}
static int run_dequant(void *p, int c) {
  wctx *x = p;
  return launch_dequantize(x->fn, x->t, pool_at(x->w, c), x->dst, (int64_t)x->n * x->k);
}
typedef struct { void *fn; const pool *x; gpu_ptr vy; int k, rows; } qctx;
static int run_quantize(void *p, int c) {
  qctx *q = p;
  return launch_quantize_q8_1(q->fn, pool_at(q->x, c), q->vy, q->k, q->rows);
}

/* Results: NaN-free doubles, < 0 when the kernel is not in the module. */
typedef struct {
  double mmvq1, mmvq8, dmmv, mmq_ms, mmq_tops, mmq_gbs, deq32, deq16;
  size_t wbytes;
} result;
static result res[NTYPES][NSHAPES];
static double quant_gbs[2][2]; /* [K 4096, 14336][rows 1, TOKENS] */

static void kname(char *buf, size_t n, int family, int t, int extra) {
  for (int i = 0; i < nkernels; i++)
    if (kernels[i].family == family && kernels[i].type == t &&
        (family != FAM_MMVQ || kernels[i].batch == extra) && (family != FAM_DEQUANT || kernels[i].f16_out == extra)) {
      snprintf(buf, n, "%s", kernels[i].name);
      return;
    }
  die("no kernel of family %s type %s", family_name(family), type_name(t));
}

static void bench_type_shape(int ti, int si, int quick) {
  int t = dot_types[ti], n = shapes[si][0], k = shapes[si][1];
  result *R = &res[ti][si];
  size_t wbytes;
  unsigned char *w = make_weights(t, n, k, &wbytes);
  R->wbytes = wbytes;
  pool wp;
  pool_make(&wp, w, wbytes, weight_slack_bytes(t));
  free(w);
  unsigned char *vy = random_q8_1(TOKENS, k, 77u + (uint64_t)k);
  gpu_ptr dvy, dy, ddst;
  G(gpu_alloc(&dvy, (size_t)TOKENS * pad512(k) / 32 * 36));
  G(gpu_upload(dvy, vy, (size_t)TOKENS * pad512(k) / 32 * 36));
  free(vy);
  float *yf = xmalloc((size_t)k * sizeof(float));
  for (int i = 0; i < k; i++) yf[i] = (float)((i * 37) % 101 - 50) / 50.0f;
  G(gpu_alloc(&dy, (size_t)k * 4));
  G(gpu_upload(dy, yf, (size_t)k * 4));
  free(yf);
  size_t dst_bytes = (size_t)n * k * 4; /* the largest output: dequantize to f32 */
  G(gpu_alloc(&ddst, dst_bytes));
  char name[64];
  wctx x = {NULL, t, n, k, 1, &wp, dvy, dy, ddst};
  double gb = (double)wbytes / 1e9;

  R->mmvq1 = R->mmvq8 = R->dmmv = R->mmq_ms = R->mmq_tops = R->mmq_gbs = R->deq32 = R->deq16 = -1;
  kname(name, sizeof name, FAM_MMVQ, t, 1);
  x.fn = measured("mmvq") ? kernel(name) : NULL, x.b = 1;
  R->mmvq1 = x.fn ? gb / (time_launches(run_mmvq, &x, wp.copies) * 1e-3) : -1;
  kname(name, sizeof name, FAM_MMVQ, t, 8);
  x.fn = measured("mmvq") ? kernel(name) : NULL, x.b = 8;
  R->mmvq8 = x.fn ? gb / (time_launches(run_mmvq, &x, wp.copies) * 1e-3) : -1;
  kname(name, sizeof name, FAM_DMMV, t, 0);
  x.fn = measured("dmmv") ? kernel(name) : NULL;
  R->dmmv = x.fn ? gb / (time_launches(run_dmmv, &x, wp.copies) * 1e-3) : -1;
  kname(name, sizeof name, FAM_MMQ, t, 0);
  x.fn = measured("mmq") ? kernel(name) : NULL, x.b = TOKENS;
  R->mmq_ms = x.fn ? time_launches(run_mmq, &x, quick ? 2 : wp.copies) : -1;
  R->mmq_tops = R->mmq_ms > 0 ? 2.0 * n * k * TOKENS / (R->mmq_ms * 1e-3) / 1e12 : -1;
  R->mmq_gbs = R->mmq_ms > 0 ? gb / (R->mmq_ms * 1e-3) : -1;
  double nvals = (double)n * k;
  kname(name, sizeof name, FAM_DEQUANT, t, 0);
  x.fn = measured("dequant") ? kernel(name) : NULL;
  R->deq32 = x.fn ? (gb + nvals * 4 / 1e9) / (time_launches(run_dequant, &x, wp.copies) * 1e-3) : -1;
  kname(name, sizeof name, FAM_DEQUANT, t, 1);
  x.fn = measured("dequant") ? kernel(name) : NULL;
  R->deq16 = x.fn ? (gb + nvals * 2 / 1e9) / (time_launches(run_dequant, &x, wp.copies) * 1e-3) : -1;
  gpu_free(dvy), gpu_free(dy), gpu_free(ddst);
  pool_free(&wp);
}

static void bench_quantize(void) {
  void *fn = measured("quantize") ? kernel("quantize_q8_1") : NULL;
  for (int si = 0; si < 2; si++) { /* K = 4096 and 14336 */
    int k = shapes[si][1];
    for (int ri = 0; ri < 2; ri++) {
      int rows = ri ? TOKENS : 1;
      if (!fn) { quant_gbs[si][ri] = -1; continue; }
      size_t xb = (size_t)rows * k * 4, yb = (size_t)rows * pad512(k) / 32 * 36;
      float *h = xmalloc(xb);
      rng r;
      rng_seed(&r, 5);
      for (size_t i = 0; i < xb / 4; i++) h[i] = rng_normal(&r);
      pool xp;
      pool_make(&xp, h, xb, 0);
      free(h);
      gpu_ptr vy;
      G(gpu_alloc(&vy, yb));
      qctx q = {fn, &xp, vy, k, rows};
      double ms = time_launches(run_quantize, &q, xp.copies);
      quant_gbs[si][ri] = (double)(xb + yb) / (ms * 1e-3) / 1e9;
      gpu_free(vy);
      pool_free(&xp);
    }
  }
}

/* ---- report ------------------------------------------------------------------------- */

static FILE *outs[2];
static int nouts;
static void out(const char *fmt, ...) {
  for (int i = 0; i < nouts; i++) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(outs[i], fmt, ap);
    va_end(ap);
  }
}

static void cell(double gbs, double copy) {
  if (gbs < 0) out(" — | — |");
  else out(" %.0f | %.2f |", gbs, gbs / copy);
}

/* The speed targets (ratios to the copy bandwidth; TOPS for mul_mat), on
 * the TARGET_SHAPE row. */
static double target_b1(int t) {
  return t == CRK_Q6_K ? 0.70 : t == CRK_Q2_K || t == CRK_Q3_K ? 0.55 : 0.85;
}
#define TARGET_B8 0.40
#define TARGET_DMMV 0.35
#define TARGET_MMQ_TOPS 150.0  /* issue 19: the matrix path, every type */

/* A figure's ratio against its target: " met" / " **missed**", or nothing
 * off the target shape or without a figure. */
static void verdict(double v, double target, int si) {
  if (si != TARGET_SHAPE || v < 0) out(" |");
  else out(" %s %.2f |", v >= target ? "met" : "**missed**", target);
}

static void report_matvec(double copy) {
  out("## mul_mat_vec: weight bytes read per second\n\n");
  out("q8_1 activations (`mul_mat_vec_T_q8_1_cudaB`), B = 1 and 8; `dequantize_mul_mat_vec` (float activations) for comparison. ");
  out("Targets, on %dx%d: B=1 >= 0.85 for q4_0 q4_1 q5_0 q5_1 q8_0 q4_K q5_K, >= 0.70 for q6_K, ",
      shapes[TARGET_SHAPE][0], shapes[TARGET_SHAPE][1]);
  out(">= 0.55 for q2_K q3_K; B=8 >= %.2f; dmmv >= %.2f.\n\n", TARGET_B8, TARGET_DMMV);
  out("| type | N x K | weights MB | B=1 GB/s | ratio | target | B=8 GB/s | ratio | target | dmmv GB/s | ratio | target |\n");
  out("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int ti = 0; ti < NTYPES; ti++)
    for (int si = 0; si < NSHAPES; si++) {
      const result *R = &res[ti][si];
      out("| %s | %dx%d | %.1f |", type_name(dot_types[ti]), shapes[si][0], shapes[si][1], R->wbytes / 1e6);
      cell(R->mmvq1, copy);
      verdict(R->mmvq1 / copy, target_b1(dot_types[ti]), si);
      cell(R->mmvq8, copy);
      verdict(R->mmvq8 / copy, TARGET_B8, si);
      cell(R->dmmv, copy);
      verdict(R->dmmv / copy, TARGET_DMMV, si);
      out("\n");
    }
  out("\n");
}

static void report_mmq(double copy) {
  out("## mul_mat at %d tokens\n\n", TOKENS);
  out("Target, on %dx%d: >= %.0f TOPS (int8 dot products).\n\n", shapes[TARGET_SHAPE][0],
      shapes[TARGET_SHAPE][1], TARGET_MMQ_TOPS);
  out("| type | N x K | ms | TOPS | target | weight GB/s | ratio |\n|---|---|---|---|---|---|---|\n");
  for (int ti = 0; ti < NTYPES; ti++)
    for (int si = 0; si < NSHAPES; si++) {
      const result *R = &res[ti][si];
      out("| %s | %dx%d |", type_name(dot_types[ti]), shapes[si][0], shapes[si][1]);
      if (R->mmq_ms < 0) {
        out(" — | — | | — | — |\n");
        continue;
      }
      out(" %.3f | %.1f |", R->mmq_ms, R->mmq_tops);
      verdict(R->mmq_tops, TARGET_MMQ_TOPS, si);
      out(" %.0f | %.2f |\n", R->mmq_gbs, R->mmq_gbs / copy);
    }
  out("\n");
}

static void report_dequant(double copy) {
  out("## dequantize: bytes read + written per second\n\n");
  out("| type | N x K | to f32 GB/s | ratio | to f16 GB/s | ratio |\n|---|---|---|---|---|---|\n");
  for (int ti = 0; ti < NTYPES; ti++)
    for (int si = 0; si < NSHAPES; si++) {
      const result *R = &res[ti][si];
      out("| %s | %dx%d |", type_name(dot_types[ti]), shapes[si][0], shapes[si][1]);
      cell(R->deq32, copy);
      cell(R->deq16, copy);
      out("\n");
    }
  out("\n");
}

static void report_quantize(double copy) {
  out("## quantize_q8_1: bytes read + written per second\n\n");
  out("One row is one small launch: its figure is launch latency, not bandwidth.\n\n");
  out("| K | 1 row GB/s | ratio | %d rows GB/s | ratio |\n|---|---|---|---|---|\n", TOKENS);
  for (int si = 0; si < 2; si++) { /* K = 4096 and 14336 */
    out("| %d |", shapes[si][1]);
    cell(quant_gbs[si][0], copy);
    cell(quant_gbs[si][1], copy);
    out("\n");
  }
  out("\n");
}

static void report(const gpu_info *info, const char *commit, double copy, double secs, const char *notes) {
  char date[64];
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
  out("# Benchmarks\n\n");
  out("Written by `make bench` (bench/bench.c); do not edit by hand.\n\n");
  out("| | |\n|---|---|\n");
  out("| date | %s |\n| GPU | %s (%s), %d multiprocessors, %.0f MB L2, %.0f GiB |\n", date, info->name,
      info->arch, info->multiprocessors, info->l2_bytes / 1e6, info->mem_bytes / 1073741824.0);
  out("| driver | %s |\n| commit | %s |\n", info->driver, commit);
  out("| copy bandwidth | **%.0f GB/s** (device-to-device copy of 1 GiB, bytes read + written) |\n", copy);
  out("| inputs rotated through | %.0f MiB of copies (L2 is %.0f MB) |\n", pool_bytes / 1048576.0,
      info->l2_bytes / 1e6);
  out("| run time | %.0f s |\n\n", secs);
  out("Ratios are to the copy bandwidth. Shapes are N x K: N weight rows (outputs), K columns.\n");
  out("A dash: the kernel is not in the module yet.\n\n");
  if (only) out("Measured here: %s only.\n\n", only);

  if (measured("mmvq") || measured("dmmv")) report_matvec(copy);
  if (measured("mmq")) report_mmq(copy);
  if (measured("dequant")) report_dequant(copy);
  if (measured("quantize")) report_quantize(copy);
  if (notes) { /* hand-written, kept beside the generated tables */
    FILE *f = fopen(notes, "r");
    if (!f) die("cannot read %s", notes);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
      buf[n] = 0;
      out("%s", buf);
    }
    fclose(f);
  }
}

int main(int argc, char **argv) {
  const char *outpath = NULL, *commit = "unknown", *notes = NULL;
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) outpath = argv[++i];
    else if (strcmp(argv[i], "--commit") == 0 && i + 1 < argc) commit = argv[++i];
    else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) device = atoi(argv[++i]);
    else if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else if (strcmp(argv[i], "--notes") == 0 && i + 1 < argc) notes = argv[++i];
    else if (strcmp(argv[i], "--types") == 0 && i + 1 < argc) types = argv[++i];
    else die("usage: bench [--out FILE.md] [--commit ID] [--device N] [--quick] [--only LIST] [--types LIST] [--notes FILE.md]");
  }
  gpu_info info;
  char why[512];
  int rc = gpu_open(device, &info, why, sizeof why);
  if (rc == 1) {
    printf("bench: no GPU found: %s; nothing measured, %s left as it was\n", why, outpath ? outpath : "no file");
    return 0;
  }
  if (rc != 0) die("cannot open GPU %d: %s", device, why);
  if (crk_module_open(QUANTIZED, QUANTIZED_LEN, &mod) != CRK_OK) die("%s", crk_last_error());
  nkernels = kernel_catalog(kernels);
  pool_bytes = 4 * info.l2_bytes;
  if (pool_bytes < ((size_t)256 << 20)) pool_bytes = (size_t)256 << 20;
  time_t t0 = time(NULL);

  double copy = copy_bandwidth();
  fprintf(stderr, "bench: %s: copy %.0f GB/s\n", info.name, copy);
  bench_quantize();
  for (int ti = 0; ti < NTYPES; ti++)
    for (int si = 0; si < NSHAPES; si++) {
      if (!in_list(types, type_name(dot_types[ti]))) {
        result *R = &res[ti][si];
        R->mmvq1 = R->mmvq8 = R->dmmv = R->mmq_ms = R->mmq_tops = R->mmq_gbs = R->deq32 = R->deq16 = -1;
        continue;
      }
      bench_type_shape(ti, si, quick);
      fprintf(stderr, "bench: %s %dx%d done\n", type_name(dot_types[ti]), shapes[si][0], shapes[si][1]);
    }

  outs[nouts++] = stdout;
  FILE *f = NULL;
  if (outpath) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", outpath);
    if (!(f = fopen(tmp, "w"))) die("cannot write %s", tmp);
    outs[nouts++] = f;
  }
  report(&info, commit, copy, difftime(time(NULL), t0), notes);
  if (f) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", outpath);
    if (fclose(f) != 0 || rename(tmp, outpath) != 0) die("cannot write %s", outpath);
  }
  crk_module_close(mod);
  return 0;
}
