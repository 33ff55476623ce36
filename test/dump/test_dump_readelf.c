/* test_dump_readelf.c: crk-dump agrees with llvm-readelf on every number it
 * reports, for every built arch's code object and for the fixtures' code
 * objects (other features, versions 4 and 6): per kernel the name, symbol,
 * SGPRs, VGPRs, AGPRs, LDS, scratch, spills, wavefront and workgroup size,
 * kernarg size and every argument (offset, size, kind); the metadata's
 * amdhsa.target; and the processor and features e_flags encode (readelf -h).
 * llvm-readelf parses the metadata with LLVM's own msgpack reader, so this
 * checks ours against the reference implementation. */
#include "check.h"
#include "crk-dump/blob.h"
#include "test_dump_util.h"

#include <ctype.h>

enum { NF = 10, MAXARGS = 64, MAXK = 512 };
static const char *const fkeys[NF] = {
  ".sgpr_count", ".vgpr_count", ".agpr_count", ".group_segment_fixed_size",
  ".private_segment_fixed_size", ".sgpr_spill_count", ".vgpr_spill_count", ".wavefront_size",
  ".max_flat_workgroup_size", ".kernarg_segment_size",
};

typedef struct {
  long long offset, size;
  char kind[40];
} yarg;

typedef struct {
  char name[256], symbol[256];
  long long f[NF];
  int nargs;
  yarg args[MAXARGS];
} ykernel;

typedef struct {
  ykernel k[MAXK];
  int n;
  char target[128];
} ynotes;

static const char *readelf;

/* Strips YAML quoting and trailing blanks from a scalar. */
static void scalar(const char *v, char *out, size_t n) {
  while (*v == ' ') v++;
  size_t len = strlen(v);
  while (len && isspace((unsigned char)v[len - 1])) len--;
  if (len >= 2 && (v[0] == '\'' || v[0] == '"') && v[len - 1] == v[0]) v++, len -= 2;
  if (len >= n) len = n - 1;
  memcpy(out, v, len);
  out[len] = '\0';
}

/* Parses `llvm-readelf --notes` output: the kernels of amdhsa.kernels at
 * the indentation readelf's YAML writer uses. */
static int parse_notes(FILE *p, ynotes *y) {
  char line[4096];
  int in_kernels = 0, in_args = 0;
  ykernel *k = NULL;
  y->n = 0;
  y->target[0] = '\0';
  while (fgets(line, sizeof line, p)) {
    if (!strncmp(line, "amdhsa.kernels:", 15)) { in_kernels = 1; continue; }
    if (!strncmp(line, "amdhsa.target:", 14)) scalar(line + 14, y->target, sizeof y->target);
    if (line[0] != ' ') { in_kernels = 0; continue; }
    if (!in_kernels) continue;
    const char *key;
    int arg_level;
    if (!strncmp(line, "  - .", 5)) {             /* a new kernel */
      if (y->n == MAXK) return -1;
      k = &y->k[y->n++];
      memset(k, 0, sizeof *k);
      for (int i = 0; i < NF; i++) k->f[i] = -1;
      key = line + 4, arg_level = 0, in_args = 0;
    } else if (!strncmp(line, "    .", 5)) {         /* a kernel key */
      key = line + 4, arg_level = 0, in_args = 0;
    } else if (in_args && !strncmp(line, "      - .", 9)) {  /* a new argument */
      if (!k || k->nargs == MAXARGS) return -1;
      k->nargs++;
      key = line + 8, arg_level = 1;
    } else if (in_args && !strncmp(line, "        .", 9)) {  /* an argument key */
      key = line + 8, arg_level = 1;
    } else {
      continue;
    }
    if (!k) return -1;
    const char *colon = strchr(key, ':');
    if (!colon) continue;
    size_t kl = (size_t)(colon - key);
    char val[256];
    scalar(colon + 1, val, sizeof val);
    if (arg_level) {
      if (k->nargs == 0) return -1;
      yarg *a = &k->args[k->nargs - 1];
      if (kl == 7 && !strncmp(key, ".offset", 7)) a->offset = atoll(val);
      else if (kl == 5 && !strncmp(key, ".size", 5)) a->size = atoll(val);
      else if (kl == 11 && !strncmp(key, ".value_kind", 11)) snprintf(a->kind, sizeof a->kind, "%.39s", val);
      continue;
    }
    if (kl == 5 && !strncmp(key, ".args", 5)) { in_args = 1; continue; }
    if (kl == 5 && !strncmp(key, ".name", 5)) snprintf(k->name, sizeof k->name, "%s", val);
    if (kl == 7 && !strncmp(key, ".symbol", 7)) snprintf(k->symbol, sizeof k->symbol, "%s", val);
    for (int i = 0; i < NF; i++)
      if (strlen(fkeys[i]) == kl && !strncmp(key, fkeys[i], kl)) k->f[i] = atoll(val);
  }
  return 0;
}

static int64_t our_field(const crk_kernel *k, int i) {
  const int64_t v[NF] = {k->sgpr, k->vgpr, k->agpr, k->lds, k->scratch, k->sgpr_spill,
                         k->vgpr_spill, k->wavefront, k->max_wg, k->kernarg_size};
  return v[i];
}

/* "gfx90a, xnack+, sramecc" from readelf -h's Flags line, as a target ID
 * with crk-dump's feature names: processor, then "xnack any" etc. */
static int readelf_flags(const char *file, char *arch, size_t n, int *xnack, int *sramecc) {
  char flags[512];
  *xnack = *sramecc = CRK_FEATURE_UNSUPPORTED;
  char *f = readelf_flags_line(readelf, file, flags, sizeof flags) == 1 ? strchr(flags, ',') : NULL;
  if (!f) return -1;
  char *tok = strtok(f + 1, ", \n");
  snprintf(arch, n, "%s", tok ? tok : "");
  while ((tok = strtok(NULL, ", \n"))) {
    int *slot = !strncmp(tok, "xnack", 5) ? xnack : !strncmp(tok, "sramecc", 7) ? sramecc : NULL;
    if (!slot) continue;
    char last = tok[strlen(tok) - 1];
    *slot = last == '+' ? CRK_FEATURE_ON : last == '-' ? CRK_FEATURE_OFF : CRK_FEATURE_ANY;
  }
  return 0;
}

/* Compares one code object file, parsed by us, with readelf's view. */
static void compare(const char *label, const char *file) {
  char what[256], why[1024] = "";
  snprintf(what, sizeof what, "readelf: %s: every kernel's numbers and arguments agree", label);
  size_t len;
  unsigned char *data = dump_read_file(file, &len);
  crk_blob b;
  char err[1024];
  if (!data || crk_blob_read(&b, data, len, NULL, err, sizeof err) != 0 || b.nobjs != 1) {
    CHECK(0, what, "crk-dump cannot read %s: %s", file, data ? err : "missing");
    if (data && b.nobjs != 1) crk_blob_free(&b);
    free(data);
    return;
  }
  const crk_codeobj *co = &b.objs[0].co;
  static ynotes y;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' --notes '%s'", readelf, file);
  FILE *p = popen(cmd, "r");
  int perr = !p || parse_notes(p, &y) != 0;
  if (p && pclose(p) != 0) perr = 1;
  int ok = !perr;
  if (perr) snprintf(why, sizeof why, "cannot run or parse %.900s", cmd);
  if (ok && (size_t)y.n != co->nkernels) {
    snprintf(why, sizeof why, "readelf lists %d kernels, crk-dump %zu", y.n, co->nkernels);
    ok = 0;
  }
  for (int i = 0; ok && i < y.n; i++) {
    const ykernel *r = &y.k[i];
    const crk_kernel *k = &co->kernels[i];
    if (strcmp(r->name, k->name) || strcmp(r->symbol, k->symbol ? k->symbol : "")) {
      snprintf(why, sizeof why, "kernel %d: readelf %s (%s), crk-dump %s", i, r->name, r->symbol, k->name);
      ok = 0;
      break;
    }
    for (int f = 0; ok && f < NF; f++)
      if (r->f[f] != our_field(k, f)) {
        snprintf(why, sizeof why, "%s: %s readelf %lld, crk-dump %lld", k->name, fkeys[f], r->f[f],
                 (long long)our_field(k, f));
        ok = 0;
      }
    if (ok && (size_t)r->nargs != k->nargs) {
      snprintf(why, sizeof why, "%s: readelf %d arguments, crk-dump %zu", k->name, r->nargs, k->nargs);
      ok = 0;
    }
    for (int a = 0; ok && a < r->nargs; a++)
      if ((uint64_t)r->args[a].offset != k->args[a].offset || (uint64_t)r->args[a].size != k->args[a].size ||
          strcmp(r->args[a].kind, k->args[a].kind)) {
        snprintf(why, sizeof why, "%s: argument %d: readelf %lld+%lld %s, crk-dump %llu+%llu %s", k->name, a,
                 r->args[a].offset, r->args[a].size, r->args[a].kind, (unsigned long long)k->args[a].offset,
                 (unsigned long long)k->args[a].size, k->args[a].kind);
        ok = 0;
      }
  }
  if (ok && strcmp(y.target, co->md_target ? co->md_target : "")) {
    snprintf(why, sizeof why, "amdhsa.target: readelf %s, crk-dump %s", y.target, co->md_target);
    ok = 0;
  }
  CHECK(ok, what, "%s", why);

  snprintf(what, sizeof what, "readelf: %s: processor and features from e_flags agree", label);
  char arch[64];
  int xn, sr;
  if (readelf_flags(file, arch, sizeof arch, &xn, &sr) != 0)
    CHECK(0, what, "cannot read the Flags line of '%s' -h", readelf);
  else
    CHECK(!strcmp(arch, co->arch) && xn == co->xnack && sr == co->sramecc, what,
          "readelf %s xnack %s sramecc %s; crk-dump %s xnack %s sramecc %s", arch, crk_feature_name(xn),
          crk_feature_name(sr), co->arch, crk_feature_name(co->xnack), crk_feature_name(co->sramecc));
  crk_blob_free(&b);
  free(data);
}

int main(void) {
  readelf = find_readelf();
  if (!readelf) {
    SKIP("readelf: crk-dump agrees with llvm-readelf", "no llvm-readelf (install llvm-19)");
    return 0;
  }
  char archs[64][32];
  int narchs = built_archs(archs, 64);
  CHECK(narchs > 0, "readelf: the build's arch list", "cannot read %s", build_path("archs.list", NULL));
  for (int a = 0; a < narchs; a++) compare(archs[a], build_path("%s.hsaco", archs[a]));

  /* Fixtures: other features (xnack+/-), code object v4 and v6. Bundled
   * ones are written out first: readelf reads bare code objects. */
  compare("gfx906 code object v4", build_path("test/dump-fixtures/gfx906_v4.hsaco", NULL));
  compare("gfx11-generic code object v6", build_path("test/dump-fixtures/gfx11_generic_v6.hsaco", NULL));
  compare("code object with two metadata notes", build_path("test/dump-fixtures/two_notes.hsaco", NULL));
  size_t len;
  unsigned char *host = dump_read_file(build_path("test/dump-fixtures/hip_host.elf", NULL), &len);
  crk_blob b;
  char err[1024];
  if (!host || crk_blob_read(&b, host, len, NULL, err, sizeof err) != 0) {
    CHECK(0, "readelf: HIP fixture code objects", "cannot read hip_host.elf: %s", host ? err : "missing");
  } else {
    for (size_t i = 0; i < b.nobjs; i++) {
      char name[64], label[128];
      snprintf(name, sizeof name, "fixture-%zu.hsaco", i);
      snprintf(label, sizeof label, "HIP fixture %s", b.objs[i].co.target_id);
      if (dump_write_file(tmp_path(name), b.objs[i].bytes, b.objs[i].size) != 0)
        CHECK(0, label, "cannot write %s", tmp_path(name));
      else
        compare(label, tmp_path(name));
    }
    crk_blob_free(&b);
  }
  free(host);
  dump_cleanup();
  CHECK_EXIT();
}
