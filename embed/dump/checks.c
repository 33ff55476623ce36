/* checks.c: see checks.h. */
#include "checks.h"

#include "report.h"

#include <inttypes.h>
#include <string.h>

/* The processors each generic target's code runs on (code object v6),
 * per the AMDGPU backend's processor table. */
static const struct {
  const char *generic, *members;
} generics[] = {
  {"gfx9-generic", " gfx900 gfx902 gfx904 gfx906 gfx909 gfx90c "},
  {"gfx9-4-generic", " gfx940 gfx941 gfx942 gfx950 "},
  {"gfx10-1-generic", " gfx1010 gfx1011 gfx1012 gfx1013 "},
  {"gfx10-3-generic", " gfx1030 gfx1031 gfx1032 gfx1033 gfx1034 gfx1035 gfx1036 "},
  {"gfx11-generic", " gfx1100 gfx1101 gfx1102 gfx1103 gfx1150 gfx1151 gfx1152 gfx1153 "},
  {"gfx12-generic", " gfx1200 gfx1201 "},
};

/* Nonzero when code for processor `have` runs on processor `dev`. */
static int serves(const char *have, const char *dev) {
  if (strcmp(have, dev) == 0) return 1;
  char word[40];
  snprintf(word, sizeof word, " %s ", dev);
  for (size_t i = 0; i < sizeof generics / sizeof generics[0]; i++)
    if (strcmp(have, generics[i].generic) == 0) return strstr(generics[i].members, word) != NULL;
  return 0;
}

int crk_target_matches(const char *query, const crk_codeobj *co, int *exact) {
  crk_target_id q;
  if (crk_target_id_parse(query, strlen(query), &q) != 0) return -1;
  *exact = strcmp(query, co->target_id) == 0;
  if (!serves(co->arch, q.processor)) return 0;
  /* A code object pins a feature only where it is ON or OFF; "any" and
   * "unsupported" (the processor has no such mode) run either way. */
  int cx = co->xnack, cs = co->sramecc;
  if (q.xnack != CRK_FEATURE_ANY && (cx == CRK_FEATURE_ON || cx == CRK_FEATURE_OFF) && cx != q.xnack) return 0;
  if (q.sramecc != CRK_FEATURE_ANY && (cs == CRK_FEATURE_ON || cs == CRK_FEATURE_OFF) && cs != q.sramecc)
    return 0;
  return 1;
}

static void prefix(FILE *f, const char *file) {
  fputs("crk-dump: ", f);
  crk_print_escaped(f, file);
  fputs(": ", f);
}

int crk_check_archs(FILE *f, const char *file, const crk_blob *b, const char *list,
                    unsigned char *sel) {
  int failed = 0;
  memset(sel, 0, b->nobjs);
  const char *p = list;
  while (*p) {
    size_t n = strcspn(p, ", \t\n");
    if (n == 0) {
      p++;
      continue;
    }
    char q[64];
    if (n >= sizeof q) {
      prefix(f, file);
      fprintf(f, "--arch: '%.*s' is not a target ID\n", (int)(n > 80 ? 80 : n), p);
      failed++;
      p += n;
      continue;
    }
    memcpy(q, p, n);
    q[n] = '\0';
    p += n;
    int found = 0, bad = 0;
    for (size_t i = 0; i < b->nobjs; i++) {
      int exact, m = crk_target_matches(q, &b->objs[i].co, &exact);
      if (m < 0) bad = 1;
      if (m > 0) sel[i] = 1, found = 1;
    }
    if (bad || !found) {
      prefix(f, file);
      if (bad) {
        fprintf(f, "--arch: '%s' is not a target ID (like gfx90a or gfx90a:xnack-)\n", q);
      } else {
        fprintf(f, "arch %s missing (have:", q);
        for (size_t i = 0; i < b->nobjs; i++) fprintf(f, " %s", b->objs[i].co.target_id);
        fputs(b->nobjs ? ")\n" : " none)\n", f);
      }
      failed++;
    }
  }
  return failed;
}

static int has_kernel(const crk_codeobj *co, const char *name) {
  for (size_t k = 0; k < co->nkernels; k++)
    if (strcmp(co->kernels[k].name, name) == 0) return 1;
  return 0;
}

int crk_check_expect(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel,
                     char *const *names, size_t nnames) {
  int failed = 0;
  for (size_t i = 0; i < b->nobjs; i++) {
    if (!sel[i]) continue;
    size_t missing = 0;
    for (size_t n = 0; n < nnames; n++) {
      if (has_kernel(&b->objs[i].co, names[n])) continue;
      /* Name the first few; the count says the rest. */
      if (++missing <= 20) {
        prefix(f, file);
        fprintf(f, "%s: kernel ", b->objs[i].co.target_id);
        crk_print_escaped(f, names[n]);
        fputs(" missing\n", f);
      }
    }
    if (missing > 20) {
      prefix(f, file);
      fprintf(f, "%s: %zu expected kernels missing in all\n", b->objs[i].co.target_id, missing);
    }
    failed += missing > 0;
  }
  return failed;
}

int crk_check_no_spills(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel) {
  int failed = 0;
  for (size_t i = 0; i < b->nobjs; i++) {
    if (!sel[i]) continue;
    const crk_codeobj *co = &b->objs[i].co;
    for (size_t k = 0; k < co->nkernels; k++) {
      const crk_kernel *kn = &co->kernels[k];
      int64_t ss = kn->sgpr_spill > 0 ? kn->sgpr_spill : 0, vs = kn->vgpr_spill > 0 ? kn->vgpr_spill : 0;
      int64_t sc = kn->scratch > 0 ? kn->scratch : 0;
      if (ss == 0 && vs == 0 && sc == 0 && kn->dynamic_stack != 1) continue;
      prefix(f, file);
      fprintf(f, "%s: kernel ", co->target_id);
      crk_print_escaped(f, kn->name);
      fprintf(f, ": %" PRId64 " SGPR spills, %" PRId64 " VGPR spills, %" PRId64 " bytes of scratch%s\n",
              ss, vs, sc, kn->dynamic_stack == 1 ? ", dynamic stack" : "");
      failed++;
    }
  }
  return failed;
}
