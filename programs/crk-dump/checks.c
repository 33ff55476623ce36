/* checks.c: see checks.h. */
#include "checks.h"

#include "report.h"
#include "target_pick.h"

#include <inttypes.h>
#include <string.h>

/* The query's pick score for a code object (target_pick.h's rules). A
 * feature the query leaves out stands for either value: "gfx90a" asks
 * about some gfx90a, so gfx90a:xnack+ and gfx90a:xnack- both serve it. */
static long score(const crk_target_id *q, const crk_codeobj *co, int isa_ok, crk_pick_kind *kind) {
  crk_target_id have, dev = *q;
  if (crk_target_id_parse(co->target_id, strlen(co->target_id), &have) != 0) return 0;
  if (dev.xnack == CRK_FEATURE_ANY) dev.xnack = have.xnack;
  if (dev.sramecc == CRK_FEATURE_ANY) dev.sramecc = have.sramecc;
  return crk_pick_score(&have, &dev, isa_ok, kind);
}

int crk_target_matches(const char *query, const crk_codeobj *co, int *exact) {
  crk_target_id q;
  if (crk_target_id_parse(query, strlen(query), &q) != 0) return -1;
  *exact = strcmp(query, co->target_id) == 0;
  return score(&q, co, 0, NULL) > 0;
}

static void prefix(FILE *f, const char *file) {
  fputs("crk-dump: ", f);
  crk_print_escaped(f, file);
  fputs(": ", f);
}

int crk_check_archs(FILE *f, FILE *answers, const char *file, const crk_blob *b, const char *list,
                    int isa_ok, unsigned char *sel) {
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
    crk_target_id tid;
    if (n >= sizeof q || (memcpy(q, p, n), q[n] = '\0', crk_target_id_parse(q, n, &tid) != 0)) {
      prefix(f, file);
      fprintf(f, "--arch: '%.*s' is not a target ID (like gfx90a or gfx90a:xnack-)\n", (int)(n > 80 ? 80 : n), p);
      failed++;
      p += n;
      continue;
    }
    p += n;
    /* The best code object, as the loader picks it; ties (a query that
     * leaves out a feature the code objects pin) select each. */
    long best = 0;
    crk_pick_kind kind = CRK_PICK_NONE;
    for (size_t i = 0; i < b->nobjs; i++) {
      crk_pick_kind k;
      long s = score(&tid, &b->objs[i].co, isa_ok, &k);
      if (s > best) best = s, kind = k;
    }
    if (best > 0) {
      if (answers) {
        crk_print_escaped(answers, file);
        fprintf(answers, ": %s loads", q);
      }
      for (size_t i = 0; i < b->nobjs; i++)
        if (score(&tid, &b->objs[i].co, isa_ok, NULL) == best) {
          sel[i] = 1;
          if (answers) fprintf(answers, " %s", b->objs[i].co.target_id);
        }
      if (answers)
        fprintf(answers, " (%s%s)\n", crk_pick_kind_name(kind),
                kind == CRK_PICK_ISA ? ", marked as the device's processor" : "");
      continue;
    }
    prefix(f, file);
    fprintf(f, "arch %s missing (have:", q);
    for (size_t i = 0; i < b->nobjs; i++) fprintf(f, " %s", b->objs[i].co.target_id);
    fputs(b->nobjs ? ")" : " none)", f);
    /* What the fallback would give, when it is off. */
    long near = 0;
    size_t at = 0;
    for (size_t i = 0; !isa_ok && i < b->nobjs; i++) {
      long s = score(&tid, &b->objs[i].co, 1, NULL);
      if (s > near) near = s, at = i;
    }
    if (near > 0)
      fprintf(f, "; nearest compatible: %s (same family and instructions): --isa-fallback, "
                 "or CRK_ISA_FALLBACK=1 for the loader", b->objs[at].co.target_id);
    fputc('\n', f);
    failed++;
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
