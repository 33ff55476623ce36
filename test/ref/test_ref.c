/* test_ref.c: the reference dequantizer reproduces GGML's own vectors
 * (testdata/ggml, made by GGML's quantizers and to_float) to the
 * bit, for every case of MANIFEST.tsv; and the type table agrees with it. */
#include <stdint.h>

#include "check.h"
#include "ref.h"
#include "test_ref_util.h"

/* One MANIFEST case: dequantize NAME.q and compare with NAME.deq.f32 bit by bit. */
static void check_case(const char *dir, const char *name, const char *type, int rows, int cols,
                       int block_elems, int block_bytes, int row_bytes) {
  char what[320], path[1280];
  const int t = ref_qtype_from_name(type);
  snprintf(what, sizeof what, "ggml %s: type %s known with GGML's block size", name, type);
  const crk_qtype_info *info = t >= 0 ? ref_qtype_info((crk_qtype)t) : NULL;
  CHECK(info && info->block_elems == block_elems && info->block_bytes == block_bytes &&
            ref_row_bytes((crk_qtype)t, cols) == (size_t)row_bytes,
        what, "table says %d values / %d bytes, MANIFEST %d / %d (row %d bytes)",
        info ? info->block_elems : -1, info ? info->block_bytes : -1, block_elems, block_bytes, row_bytes);
  if (!info) return;

  size_t qlen, dlen;
  snprintf(path, sizeof path, "%s/%s.q", dir, name);
  uint8_t *q = read_file(path, &qlen);
  snprintf(path, sizeof path, "%s/%s.deq.f32", dir, name);
  float *want = read_file(path, &dlen);
  const int64_t n = (int64_t)rows * cols;
  snprintf(what, sizeof what, "ggml %s: files present with the MANIFEST sizes", name);
  CHECK(q && want && qlen == (size_t)rows * row_bytes && dlen == (size_t)n * 4, what,
        "%s.q %zu bytes (want %zu), %s.deq.f32 %zu bytes (want %zu) in %s", name, qlen,
        (size_t)rows * row_bytes, name, dlen, (size_t)n * 4, dir);
  if (q && want && qlen == (size_t)rows * row_bytes && dlen == (size_t)n * 4) {
    float *got = malloc((size_t)n * sizeof *got);
    ref_dequantize((crk_qtype)t, q, got, n);
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < n; i++)
      if (float_bits(got[i]) != float_bits(want[i])) { bad++; if (first < 0) first = i; }
    snprintf(what, sizeof what, "ggml %s: dequantize equals GGML to the bit (%lld values)", name, (long long)n);
    CHECK(bad == 0, what, "%lld of %lld differ; first at %lld (row %lld col %lld): got %.9g (0x%08x), GGML %.9g (0x%08x)",
          (long long)bad, (long long)n, (long long)first, (long long)(first / cols), (long long)(first % cols),
          first >= 0 ? got[first] : 0.0, first >= 0 ? float_bits(got[first]) : 0u,
          first >= 0 ? want[first] : 0.0, first >= 0 ? float_bits(want[first]) : 0u);

    /* The f16 output is the same values rounded to half. */
    uint16_t *h = malloc((size_t)n * sizeof *h);
    ref_dequantize_f16((crk_qtype)t, q, h, n);
    int64_t hbad = 0;
    for (int64_t i = 0; i < n; i++) hbad += h[i] != ref_f32_to_f16(want[i]);
    snprintf(what, sizeof what, "ggml %s: dequantize_f16 is GGML's floats rounded to half", name);
    CHECK(hbad == 0, what, "%lld of %lld differ", (long long)hbad, (long long)n);
    free(h);
    free(got);
  }
  free(q);
  free(want);
}

int main(void) {
  char dir[1024], path[1100];
  snprintf(dir, sizeof dir, "%s/testdata/ggml", crk_data_dir());
  snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
  /* The vectors are part of the repository: missing is a failure. */
  FILE *m = dir_exists(dir) ? fopen(path, "r") : NULL;
  if (!m) {
    CHECK(0, "ggml vectors", "cannot open %s (CRK_DATA is the folder holding testdata/)", path);
    CHECK_EXIT();
  }
  char line[512];
  int cases = 0, seen[CRK_QTYPE_COUNT] = {0};
  while (fgets(line, sizeof line, m)) {
    char name[128], type[32];
    int rows, cols, be, bb, rb;
    if (sscanf(line, "%127s %31s %d %d %d %d %d", name, type, &rows, &cols, &be, &bb, &rb) != 7) continue;
    check_case(dir, name, type, rows, cols, be, bb, rb);
    const int t = ref_qtype_from_name(type);
    if (t >= 0) seen[t]++;
    cases++;
  }
  fclose(m);
  int missing = 0;
  for (int t = 0; t < CRK_QTYPE_COUNT; t++) missing += seen[t] == 0;
  CHECK(cases == 22 && missing == 0, "ggml: MANIFEST has the 22 cases, every type covered",
        "%d cases, %d types without a case", cases, missing);

  /* Names: GGML spelling and the lower-case k of candle's kernel names. */
  CHECK(ref_qtype_from_name("q2_k") == CRK_Q2_K && ref_qtype_from_name("q6_K") == CRK_Q6_K &&
            ref_qtype_from_name("q8_0") == CRK_Q8_0 && ref_qtype_from_name("q9_0") == -1 &&
            ref_srctype_from_name("bf16") == CRK_BF16 && ref_srctype_from_name("f32") == CRK_F32,
        "type names", "a name lookup failed");
  CHECK_EXIT();
}
