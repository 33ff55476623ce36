/* hostdata.c: see hostdata.h. */
#include "hostdata.h"
#include "data_dir.h"
#include "ref.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of host memory (%zu bytes)\n", n);
    exit(2);
  }
  return p;
}

/* ---- ulps ---------------------------------------------------------------- */

double ulp_f32(float x) {
  float a = fabsf(x);
  if (isinf(a) || isnan(a)) return INFINITY;
  return (double)nextafterf(a, INFINITY) - (double)a;
}

double ulp_f16(float x) {
  double a = fabs((double)x);
  if (a < 0x1p-14) return 0x1p-24;
  int e;
  frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
  return ldexp(1.0, e - 1 - 10);
}

/* ---- values ------------------------------------------------------------- */

void rng_seed(rng *r, uint64_t seed) { r->s = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull; }
uint32_t rng_u32(rng *r) {
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}
float rng_uniform(rng *r) { return (float)(rng_u32(r) >> 8) * 0x1p-24f; }
float rng_normal(rng *r) {
  float u = rng_uniform(r), v = rng_uniform(r);
  return sqrtf(-2.0f * logf(u + 0x1p-25f)) * cosf(6.2831853f * v);
}
void fill_weights(rng *r, float *x, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; i++) {
    float scale = 0.1f + 1.9f * rng_uniform(r);
    for (int64_t c = 0; c < cols; c++) x[i * cols + c] = scale * rng_normal(r);
  }
}

/* ---- GGML vectors --------------------------------------------------------- */

static void *read_file(const char *dir, const char *name, const char *ext, size_t want,
                       char *why, size_t why_len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  void *p = xmalloc(want);
  size_t got = fread(p, 1, want, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != want || extra) {
    snprintf(why, why_len, "%s: expected %zu bytes", path, want);
    free(p);
    return NULL;
  }
  return p;
}

int ggml_load(ggml_case **out, char *why, size_t why_len) {
  char dir[900], path[1024];
  snprintf(dir, sizeof dir, "%s/testdata/ggml", crk_data_dir());
  snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
  *out = NULL;
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, why_len, "cannot open %s: %s (set CRK_DATA to the folder holding testdata/)", path, strerror(errno));
    return 0;
  }
  int n = 0, cap = 64;
  ggml_case *cases = calloc((size_t)cap, sizeof *cases);
  char line[512];
  while (cases && fgets(line, sizeof line, f)) {
    ggml_case c;
    memset(&c, 0, sizeof c);
    int be, bb;
    if (sscanf(line, "%63s %15s %d %d %d %d %d", c.name, c.type, &c.rows, &c.cols, &be, &bb,
               &c.row_bytes) != 7)
      continue; /* the header line */
    size_t nv = (size_t)c.rows * (size_t)c.cols;
    c.src = read_file(dir, c.name, ".src.f32", nv * 4, why, why_len);
    c.q = read_file(dir, c.name, ".q", (size_t)c.rows * (size_t)c.row_bytes, why, why_len);
    c.deq = read_file(dir, c.name, ".deq.f32", nv * 4, why, why_len);
    if (!c.src || !c.q || !c.deq) {
      free(c.src), free(c.q), free(c.deq);
      fclose(f);
      ggml_free(cases, n);
      return 0;
    }
    if (n == cap) break;
    cases[n++] = c;
  }
  fclose(f);
  if (!cases || n == 0) {
    snprintf(why, why_len, "%s lists no case", path);
    free(cases);
    return 0;
  }
  *out = cases;
  return n;
}

const ggml_case *ggml_find(const ggml_case *cases, int n, const char *type, const char *kind) {
  char name[64];
  snprintf(name, sizeof name, "%s_%s", type, kind);
  for (int i = 0; i < n; i++)
    if (strcmp(cases[i].name, name) == 0) return &cases[i];
  return NULL;
}

void ggml_free(ggml_case *cases, int n) {
  for (int i = 0; i < n; i++) free(cases[i].src), free(cases[i].q), free(cases[i].deq);
  free(cases);
}

unsigned char *random_q8_1(int ny, int k, uint64_t seed) {
  rng r;
  rng_seed(&r, seed);
  float *y = xmalloc((size_t)ny * k * sizeof(float));
  for (size_t i = 0; i < (size_t)ny * k; i++) y[i] = rng_normal(&r);
  unsigned char *vy = xmalloc((size_t)ny * ref_pad(k) / 32 * 36);
  ref_quantize_q8_1(y, vy, k, ref_pad(k), ny);
  free(y);
  return vy;
}
