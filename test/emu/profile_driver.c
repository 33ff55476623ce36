/* profile_driver.c: `make emu-profile`'s launcher. Runs each profiled kernel
 * once, on one representative shape, through the host launchers of
 * test/gpu/kernels.c (the grid and workgroup a host picks), on the stand-in
 * HIP runtime over the ISA emulator with CRK_EMU_PROFILE set, so that
 * test/emu/emu_profile.py records the executed instructions of each
 * dispatch. It checks no results (make emu-test does): its output is, per
 * kernel, the work the dispatch did in the units the report divides by:
 *
 *   unit<TAB>KERNEL<TAB>UNITS<TAB>UNIT<TAB>DRAM_BYTES<TAB>SHAPE
 *
 * UNITS of UNIT ("KiB" of weights or of the values read, "kMAC" of int8
 * multiply-adds for mul_mat), DRAM_BYTES the bytes a GPU must move at least
 * (every input read once, every output written once; for mul_mat, at the
 * bytes per MAC of a whole product), SHAPE in words.
 *
 *   profile_driver --size S|L [SUBSTRING...]
 *
 * S and L are two sizes of each shape, L twice S: the report shows that both
 * give the same figures per unit. Mat-vec, dmmv and moe keep K at 14336 (the
 * bench's large shape) and double the rows: their cost per row has a fixed
 * part (the reduction across the workgroup) that K amortizes, so K is set
 * to a real model's rather than to what the emulator runs fastest.
 * mul_mat doubles K within one whole tile; the others double the values.
 * Inputs are real quantized data (the CPU reference's quantizer on normal
 * noise), so data-dependent paths take their usual branches.
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

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "profile_driver: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* The kernels profiled: every family and type, mat-vec at B = 1 and 8. */
static int profiled(const kernel_desc *k) {
  return k->family != FAM_MMVQ || k->batch == 1 || k->batch == 8;
}

static gpu_ptr upload(const void *src, size_t n) {
  gpu_ptr p;
  if (gpu_alloc(&p, n) || (src ? gpu_upload(p, src, n) : gpu_fill(p, 0, n))) die("%s", gpu_error());
  return p;
}

static unsigned char *weights(int t, int rows, int cols, uint64_t seed) {
  rng r;
  rng_seed(&r, seed);
  float *f = xmalloc((size_t)rows * cols * sizeof(float));
  fill_weights(&r, f, rows, cols);
  /* A float table (get_rows of f32/f16/bf16) is its values in that type. */
  size_t n = (size_t)rows * cols, bytes = type_bytes(t, (int64_t)n);
  unsigned char *w = xmalloc(bytes + weight_slack_bytes(t));
  memset(w + bytes, 0, weight_slack_bytes(t));
  if (t == CRK_F32) memcpy(w, f, bytes);
  else if (t == CRK_F16) for (size_t i = 0; i < n; i++) ((uint16_t *)w)[i] = ref_f32_to_f16(f[i]);
  else if (t == CRK_BF16) for (size_t i = 0; i < n; i++) ((uint16_t *)w)[i] = ref_f32_to_bf16(f[i]);
  else ref_quantize((crk_qtype)t, f, w, (int64_t)n);
  free(f);
  return w;
}

static void say(const kernel_desc *k, double units, const char *unit, double dram, const char *fmt, ...) {
  char shape[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(shape, sizeof shape, fmt, ap);
  va_end(ap);
  printf("unit\t%s\t%.6g\t%s\t%.0f\t%s\n", k->name, units, unit, dram, shape);
  fflush(stdout);
}

#define CHECK(call) do { if (call) die("%s: %s", k->name, gpu_error()); } while (0)

static void run(void *fn, const kernel_desc *k, int L) {
  int t = k->type, s = L ? 2 : 1;
  switch (k->family) {
  case FAM_QUANTIZE: {
    int kx = 4096, rows = 4 * s;
    size_t n = (size_t)kx * rows, out = (size_t)rows * pad512(kx) / 32 * 36;
    float *x = xmalloc(n * 4);
    rng r;
    rng_seed(&r, 1);
    fill_weights(&r, x, rows, kx);
    gpu_ptr dx = upload(x, n * 4), dy = upload(NULL, out);
    CHECK(launch_quantize_q8_1(fn, dx, dy, kx, rows) || gpu_sync());
    say(k, n * 4 / 1024.0, "KiB", (double)(n * 4 + out), "%dx%d floats (KiB of input)", rows, kx);
    free(x), gpu_free(dx), gpu_free(dy);
    break;
  }
  case FAM_DEQUANT: {
    int64_t n = (int64_t)256 * 128 * s;
    size_t in = type_bytes(t, n), out = (size_t)n * (k->f16_out ? 2 : 4);
    unsigned char *w = weights(t, 1, (int)n, 2);
    gpu_ptr dw = upload(w, in + weight_slack_bytes(t)), dy = upload(NULL, out);
    CHECK(launch_dequantize(fn, t, dw, dy, n) || gpu_sync());
    say(k, in / 1024.0, "KiB", (double)(in + out), "n=%lld (KiB of weights)", (long long)n);
    free(w), gpu_free(dw), gpu_free(dy);
    break;
  }
  case FAM_GET_ROWS: {
    int src_rows = 16, ne00 = 4096 * s, n_ids = 4 * s;
    size_t rb = type_bytes(t, ne00), out = (size_t)n_ids * ne00 * 4;
    unsigned char *w = weights(t, src_rows, ne00, 3);
    uint32_t ids[16];
    for (int i = 0; i < n_ids; i++) ids[i] = (uint32_t)((i * 5 + 3) % src_rows);
    gpu_ptr dw = upload(w, rb * src_rows + weight_slack_bytes(t)), di = upload(ids, sizeof ids),
            dd = upload(NULL, out);
    CHECK(launch_get_rows(fn, t, dw, di, dd, n_ids, ne00, rb) || gpu_sync());
    say(k, (double)n_ids * rb / 1024.0, "KiB", (double)(n_ids * rb + out), "%d ids of %dx%d (KiB of rows read)",
        n_ids, src_rows, ne00);
    free(w), gpu_free(dw), gpu_free(di), gpu_free(dd);
    break;
  }
  case FAM_DMMV:
  case FAM_MMVQ: {
    int nrows = 16 * s, ncols = 14336, b = k->family == FAM_DMMV ? 1 : k->batch;
    size_t wb = type_bytes(t, (int64_t)nrows * ncols), yb, out = (size_t)b * nrows * 4;
    unsigned char *w = weights(t, nrows, ncols, 4), *y;
    if (k->family == FAM_DMMV) {
      yb = (size_t)ncols * 4;
      y = weights(CRK_F32, 1, ncols, 5);
    } else {
      yb = (size_t)b * pad512(ncols) / 32 * 36;
      y = random_q8_1(b, ncols, 5);
    }
    gpu_ptr dw = upload(w, wb + weight_slack_bytes(t)), dy = upload(y, yb), dd = upload(NULL, out);
    if (k->family == FAM_DMMV) CHECK(launch_dmmv(fn, dw, dy, dd, ncols, nrows) || gpu_sync());
    else CHECK(launch_mmvq(fn, b, dw, dy, dd, ncols, nrows, nrows) || gpu_sync());
    say(k, wb / 1024.0, "KiB", (double)(wb + yb + out), "%dx%d, B=%d (KiB of weights)", nrows, ncols, b);
    free(w), free(y), gpu_free(dw), gpu_free(dy), gpu_free(dd);
    break;
  }
  case FAM_MMQ: {
    int mx, my;
    mmq_tile(t, &mx, &my);
    /* Whole tiles, so every multiply-add counted is one the product needs. */
    int nrows = my, ncols = 2048 * s, ny = mx;
    size_t wb = type_bytes(t, (int64_t)nrows * ncols), yb = (size_t)ny * pad512(ncols) / 32 * 36,
           out = (size_t)ny * nrows * 4;
    unsigned char *w = weights(t, nrows, ncols, 6), *y = random_q8_1(ny, ncols, 7);
    gpu_ptr dw = upload(w, wb + weight_slack_bytes(t)), dy = upload(y, yb), dd = upload(NULL, out);
    CHECK(launch_mmq(fn, t, dw, dy, dd, ncols, nrows, ny, nrows) || gpu_sync());
    /* One tile reads its weights and activations for its own MACs only; a
     * real product reuses them across tiles. Its DRAM bytes per MAC are
     * those of the bench's product, 16384x14336 weights by 512 columns:
     * each operand read once, the result written once. */
    const double bn = 16384, bk = 14336, bcols = 512;
    double per_mac = ((double)type_bytes(t, (int64_t)(bn * bk)) + bcols * bk / 32 * 36 + bcols * bn * 4) /
                     (bn * bk * bcols);
    double macs = (double)nrows * ncols * ny;
    say(k, macs / 1000.0, "kMAC", per_mac * macs, "%dx%d x %d columns (k int8 multiply-adds)", nrows, ncols, ny);
    free(w), free(y), gpu_free(dw), gpu_free(dy), gpu_free(dd);
    break;
  }
  case FAM_MOE: {
    int experts = 4, n = 16 * s, kc = 14336, batch = 2, topk = 2, ntask = batch * topk;
    size_t eb = type_bytes(t, (int64_t)n * kc), xb = (size_t)batch * pad512(kc) / 32 * 36,
           out = (size_t)ntask * n * 4;
    unsigned char *w = weights(t, experts * n, kc, 8), *x = random_q8_1(batch, kc, 9);
    uint32_t ids[4] = {3, 1, 0, 2}; /* every expert once: DRAM bytes are the weights multiplied */
    gpu_ptr dw = upload(w, eb * experts + weight_slack_bytes(t)), dx = upload(x, xb),
            di = upload(ids, sizeof ids), dd = upload(NULL, out);
    CHECK(launch_moe(fn, dw, dx, di, dd, n, kc, batch, topk, 1) || gpu_sync());
    say(k, (double)eb * ntask / 1024.0, "KiB", (double)(eb * ntask + xb + out),
        "%d tasks of %d experts of %dx%d (KiB of weights multiplied)", ntask, experts, n, kc);
    free(w), free(x), gpu_free(dw), gpu_free(dx), gpu_free(di), gpu_free(dd);
    break;
  }
  }
}

int main(int argc, char **argv) {
  int L = -1, npat = 0;
  char **pat = xmalloc((size_t)argc * sizeof *pat);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      if (strcmp(v, "S") && strcmp(v, "L")) die("--size takes S or L, not '%s'", v);
      L = v[0] == 'L';
    } else if (argv[i][0] == '-') {
      die("usage: profile_driver --size S|L [SUBSTRING...]");
    } else {
      pat[npat++] = argv[i];
    }
  }
  if (L < 0) die("usage: profile_driver --size S|L [SUBSTRING...]");
  gpu_info info;
  char why[512];
  if (gpu_open(0, &info, why, sizeof why)) die("no device: %s", why);
  crk_module *m;
  if (crk_module_open(QUANTIZED, QUANTIZED_LEN, &m) != CRK_OK) die("%s", crk_last_error());
  kernel_desc kernels[KERNEL_COUNT];
  int nk = kernel_catalog(kernels), ran = 0;
  for (int i = 0; i < nk; i++) {
    const kernel_desc *k = &kernels[i];
    int want = npat == 0;
    for (int p = 0; p < npat; p++) want |= strstr(k->name, pat[p]) != NULL;
    if (!want || !profiled(k)) continue;
    void *fn;
    if (crk_module_function(m, 0, k->name, &fn) != CRK_OK) die("%s: %s", k->name, crk_last_error());
    run(fn, k, L);
    ran++;
  }
  if (!ran) die("no kernel matches");
  crk_module_close(m);
  free(pat);
  return 0;
}
