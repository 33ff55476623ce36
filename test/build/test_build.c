/* test_build.c: the built blob keeps the kernel ABI (spec/kernel-abi.md)
 * for every kernel family, on every built arch, read with crk-dump's
 * parsers from $CRK_BUILD/quantized.hsaco:
 *   - every arch holds ALL the kernels spec/kernels.txt lists, family by
 *     family (a family is a name prefix; each of the seven has kernels);
 *   - every kernel has the spec's explicit arguments: count, kind (pointer
 *     = global_buffer, integers = by_value) and size;
 *   - no scratch (.private_segment_fixed_size 0, no dynamic stack) and no
 *     SGPR or VGPR spills;
 *   - its maximum workgroup size admits the workgroup the host launches;
 *   - on gfx9, the mat-vec kernels keep their register budget;
 *   - no kernel outside the spec (a misspelt name is a kernel no host finds).
 */
#include "check.h"
#include "data_dir.h"
#include "crk-dump/blob.h"
#include "processors.h"
#include "test_dump_util.h"

static const char *const families[] = {
  "quantize_q8_1", "dequantize_block_", "get_rows_", "dequantize_mul_mat_vec_",
  "mul_mat_vec_", "mul_mat_", "indexed_moe_forward_",
};
enum { NFAM = sizeof families / sizeof families[0] };

/* Explicit arguments per kernel-abi.md signature: p a pointer (8 bytes,
 * global_buffer), i an int (4, by_value), l an int64_t or size_t (8,
 * by_value); and the workgroup size the host launches with. The first
 * prefix that matches applies. mul_mat_vec's workgroup is (32, B<=4 ? 4 : 2). */
static const struct {
  const char *prefix, *sig;
  int wg;
} rules[] = {
  {"quantize_q8_1", "ppii", 256},
  {"dequantize_block_q4_0_", "ppi", 32},  {"dequantize_block_q4_1_", "ppi", 32},
  {"dequantize_block_q8_0_", "ppi", 32},  {"dequantize_block_q5_0_", "ppi", 256},
  {"dequantize_block_q5_1_", "ppi", 256}, {"dequantize_block_q4_K_", "pp", 32},
  {"dequantize_block_q8_K_", "pp", 32},   {"dequantize_block_", "pp", 64},
  {"get_rows_q2_K", "pppll", 64}, {"get_rows_q3_K", "pppll", 64}, {"get_rows_q4_K", "pppll", 32},
  {"get_rows_q5_K", "pppll", 64}, {"get_rows_q6_K", "pppll", 64}, {"get_rows_", "pppll", 256},
  {"dequantize_mul_mat_vec_", "pppii", 32},
  {"mul_mat_vec_", "pppiiii", 0},
  {"mul_mat_", "pppiiiii", 128},
  {"indexed_moe_forward_", "ppppiiiiii", 128},
};

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* The family of a name: the longest family prefix it starts with, or -1. */
static int family_of(const char *name) {
  int best = -1;
  for (int f = 0; f < NFAM; f++)
    if (starts(name, families[f]) && (best < 0 || strlen(families[f]) > strlen(families[best]))) best = f;
  return best;
}

static int rule_of(const char *name) {
  for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
    if (starts(name, rules[r].prefix)) return (int)r;
  return -1;
}

static const crk_kernel *find(const crk_codeobj *co, const char *name) {
  for (size_t k = 0; k < co->nkernels; k++)
    if (strcmp(co->kernels[k].name, name) == 0) return &co->kernels[k];
  return NULL;
}

/* Appends a problem to a bounded message. */
static void note(char *buf, size_t n, const char *fmt, const char *a, const char *b) {
  size_t used = strlen(buf);
  if (used + 4 >= n) return;
  if (used) snprintf(buf + used, n - used, "; "), used += 2;
  snprintf(buf + used, n - used, fmt, a, b);
}

/* Checks one kernel against its rule; problems go to why. */
static void check_kernel(const crk_kernel *k, char *why, size_t n) {
  int r = rule_of(k->name);
  if (r < 0) {
    note(why, n, "%s: no signature rule%s", k->name, "");
    return;
  }
  const char *sig = rules[r].sig;
  char got[80] = "", want[80] = "";
  for (size_t a = 0, e = 0; a < k->nargs && e < 30; a++) {
    if (k->args[a].hidden) continue;
    const char *kind = k->args[a].kind;
    char c = !strcmp(kind, "global_buffer") && k->args[a].size == 8 ? 'p'
           : !strcmp(kind, "by_value") && k->args[a].size == 4 ? 'i'
           : !strcmp(kind, "by_value") && k->args[a].size == 8 ? 'l' : '?';
    got[e++] = c;
  }
  if (strcmp(got, sig) != 0) {
    for (const char *s = sig; *s; s++)
      strcat(want, *s == 'p' ? "ptr " : *s == 'i' ? "int32 " : "int64 ");
    char g[200] = "";
    for (const char *s = got; *s; s++)
      strcat(g, *s == 'p' ? "ptr " : *s == 'i' ? "int32 " : *s == 'l' ? "int64 " : "other ");
    char what[400];
    snprintf(what, sizeof what, "%s: arguments (%s) want (%s)", k->name, g, want);
    note(why, n, "%s%s", what, "");
  }
  if (k->scratch != 0 || k->dynamic_stack == 1) note(why, n, "%s: uses scratch%s", k->name, k->dynamic_stack == 1 ? " (dynamic stack)" : "");
  if (k->sgpr_spill > 0 || k->vgpr_spill > 0) note(why, n, "%s: spills registers%s", k->name, "");
  int wg = rules[r].wg;
  if (wg == 0) { /* mul_mat_vec_*_cudaB */
    size_t len = strlen(k->name);
    int b = len ? k->name[len - 1] - '0' : 0;
    wg = 32 * (b <= 4 ? 4 : 2);
  }
  if (k->max_wg >= 0 && k->max_wg < wg) {
    char m[64];
    snprintf(m, sizeof m, "%lld < %d", (long long)k->max_wg, wg);
    note(why, n, "%s: max workgroup size %s, below the host's launch", k->name, m);
  }
}

int main(void) {
  /* The spec's kernel names. */
  char spec_path[1024];
  snprintf(spec_path, sizeof spec_path, "%s/spec/kernels.txt", crk_data_dir());
  size_t slen;
  unsigned char *spec_text = dump_read_file(spec_path, &slen);
  if (!spec_text) {
    CHECK(0, "build: the spec's kernel list", "cannot read %s (CRK_DATA is the folder holding spec/)", spec_path);
    CHECK_EXIT();
  }
  char *spec_buf = malloc(slen + 1);
  memcpy(spec_buf, spec_text, slen);
  spec_buf[slen] = '\0';
  free(spec_text);
  const char *spec[512];
  int nspec = 0;
  for (char *save = NULL, *t = strtok_r(spec_buf, " \t\r\n", &save); t && nspec < 512; t = strtok_r(NULL, " \t\r\n", &save))
    spec[nspec++] = t;
  int unknown_family = 0;
  for (int i = 0; i < nspec; i++) unknown_family += family_of(spec[i]) < 0 || rule_of(spec[i]) < 0;
  CHECK(nspec == 142 && !unknown_family, "build: the spec lists 142 kernels, each in a known family",
        "%d kernels, %d outside the families this test knows", nspec, unknown_family);

  /* The blob, and the archs it was built for. */
  size_t len;
  unsigned char *data = dump_read_file(build_path("quantized.hsaco", NULL), &len);
  crk_blob b;
  char err[1024];
  if (!data || crk_blob_read(&b, data, len, NULL, err, sizeof err) != 0) {
    CHECK(0, "build: the blob reads", "%s: %s", build_path("quantized.hsaco", NULL), data ? err : "missing");
    free(data);
    free(spec_buf);
    CHECK_EXIT();
  }
  char archs[64][32];
  int narchs = built_archs(archs, 64);
  {
    char why[512] = "";
    int ok = narchs > 0 && (size_t)narchs == b.nobjs;
    for (int a = 0; a < narchs; a++) {
      int found = 0;
      for (size_t i = 0; i < b.nobjs; i++) found |= !strcmp(b.objs[i].co.arch, archs[a]);
      if (!found) ok = 0, note(why, sizeof why, "%s has no code object%s", archs[a], "");
    }
    CHECK(ok, "build: one code object per built arch", "%d archs in archs.list, %zu code objects%s%s", narchs,
          b.nobjs, *why ? ": " : "", why);
  }

  /* One metadata note per code object: a runtime that reads only the first
   * note would miss the kernels of every other (see mk/kernels-amd.mk). */
  {
    char why[512] = "";
    int ok = 1;
    for (size_t i = 0; i < b.nobjs; i++)
      if (b.objs[i].co.md_notes != 1) {
        char n[16];
        snprintf(n, sizeof n, "%d", b.objs[i].co.md_notes);
        ok = 0, note(why, sizeof why, "%s has %s metadata notes", b.objs[i].co.arch, n);
      }
    CHECK(ok, "build: every code object has exactly one metadata note", "%s", why);
  }

  /* Every family has kernels in the spec: each must then be whole on every
   * arch below (a family missing from every arch fails there). */
  {
    char why[512] = "";
    for (int f = 0; f < NFAM; f++) {
      int in_spec = 0;
      for (int s = 0; s < nspec; s++) in_spec += family_of(spec[s]) == f;
      if (!in_spec) note(why, sizeof why, "%s has no kernel in spec/kernels.txt%s", families[f], "");
    }
    CHECK(!*why, "build: each of the seven families has kernels in the spec", "%s", why);
  }

  for (size_t i = 0; i < b.nobjs; i++) {
    const crk_codeobj *co = &b.objs[i].co;
    char what[256], why[2048];

    /* Nothing outside the spec. */
    why[0] = '\0';
    for (size_t k = 0; k < co->nkernels; k++) {
      int known = 0;
      for (int s = 0; s < nspec && !known; s++) known = !strcmp(spec[s], co->kernels[k].name);
      if (!known) note(why, sizeof why, "%s is not a spec kernel%s", co->kernels[k].name, "");
    }
    snprintf(what, sizeof what, "build: %s: every kernel is named in spec/kernels.txt", co->target_id);
    CHECK(!*why, what, "%s", why);

    /* Each family: complete, with the spec's arguments, no scratch, no spills. */
    for (int f = 0; f < NFAM; f++) {
      int want = 0, have = 0;
      why[0] = '\0';
      for (int s = 0; s < nspec; s++) {
        if (family_of(spec[s]) != f) continue;
        want++;
        const crk_kernel *k = find(co, spec[s]);
        if (!k) {
          note(why, sizeof why, "%s missing%s", spec[s], "");
          continue;
        }
        have++;
        check_kernel(k, why, sizeof why);
      }
      snprintf(what, sizeof what,
               "build: %s: family %s: %d/%d kernels, spec arguments, no scratch, no spills, workgroup fits",
               co->target_id, families[f], have, want);
      CHECK(!*why, what, "%s", why);
    }

    /* The mat-vec register budget on gfx9 (issue 11): a wave64 SIMD holds 8
     * waves at <= 64 VGPRs (AGPRs count on gfx90a/gfx94x, where they share
     * the file), and these kernels stream memory, so they keep to it. The
     * cap is the processor table's (its dot column: 96 on the scalar path). */
    const crk_processor *row = crk_processor_find(co->arch);
    if (starts(co->arch, "gfx9") && row) {
      const int cap = (int)crk_matvec_vgprs(row);
      static const char *const matvec[] = {"mul_mat_vec_", "indexed_moe_forward_", "dequantize_mul_mat_vec_"};
      int worst = -1;
      const char *worst_name = "";
      why[0] = '\0';
      for (size_t k = 0; k < co->nkernels; k++) {
        const crk_kernel *kk = &co->kernels[k];
        int is_matvec = 0;
        for (size_t m = 0; m < sizeof matvec / sizeof matvec[0]; m++) is_matvec |= starts(kk->name, matvec[m]);
        if (!is_matvec || kk->vgpr < 0) continue;
        const int regs = (int)kk->vgpr + (kk->agpr > 0 ? (int)kk->agpr : 0);
        if (regs > worst) worst = regs, worst_name = kk->name;
        if (regs > cap) {
          char m[32];
          snprintf(m, sizeof m, "%d", regs);
          note(why, sizeof why, "%s: %s VGPRs+AGPRs", kk->name, m);
        }
      }
      printf("# %s: mat-vec kernels use at most %d VGPRs (%s), budget %d\n", co->target_id, worst, worst_name, cap);
      snprintf(what, sizeof what, "build: %s: mat-vec kernels within %d VGPRs", co->target_id, cap);
      CHECK(!*why, what, "%s", why);
    }
  }
  crk_blob_free(&b);
  free(data);
  free(spec_buf);
  CHECK_EXIT();
}
