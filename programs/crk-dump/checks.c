/* checks.c: see checks.h. */
#include "checks.h"

#include "escape.h"
#include "report.h"
#include "target_pick.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int crk_target_matches(const char *query, const crk_codeobj *co, int *exact) {
  crk_target_id q;
  if (crk_target_id_parse(query, strlen(query), &q) != 0) return -1;
  *exact = strcmp(query, co->target_id) == 0;
  return crk_pick_score_as(&co->tid, &q, 0, 1, NULL) > 0;
}

static void prefix(FILE *f, const char *file) {
  fputs("crk-dump: ", f);
  crk_print_escaped(f, file);
  fputs(": ", f);
}

int crk_arch_list_parse(const char *list, crk_arch_list *out, char *err, size_t errlen) {
  char shown[300];
  out->n = 0;
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ", \t\n");
    if (n == 0) {
      p++;
      continue;
    }
    crk_escape(shown, sizeof shown, p, n > 80 ? 80 : n);
    if (out->n == CRK_ARCH_MAX) {
      snprintf(err, errlen, "--arch names more than %d target IDs", CRK_ARCH_MAX);
      return -1;
    }
    if (n >= sizeof out->text[0] || crk_target_id_parse(p, n, &out->tid[out->n]) != 0) {
      snprintf(err, errlen, "--arch: '%s' is not a target ID (like gfx90a or gfx90a:xnack-)", shown);
      return -1;
    }
    memcpy(out->text[out->n], p, n);
    out->text[out->n++][n] = '\0';
    p += n;
  }
  if (out->n == 0) {
    crk_escape(shown, sizeof shown, list, strlen(list) > 80 ? 80 : strlen(list));
    snprintf(err, errlen, "--arch '%s' names no target ID (like gfx90a or gfx90a:xnack-)", shown);
    return -1;
  }
  return 0;
}

const char *crk_verdict_name(const crk_arch_verdict *v) {
  return v->refused ? "refused" : crk_pick_kind_name(v->kind);
}

/* The best score for tid among the code objects the loader takes (usable). */
static long best_score(const crk_blob *b, const unsigned char *usable, const crk_target_id *tid, int isa_ok,
                       crk_pick_kind *kind, size_t *at) {
  long best;
  int i = b->nobjs ? crk_pick_best(&b->objs[0].co.tid, b->nobjs, sizeof b->objs[0], usable, tid, isa_ok, 1, kind, &best)
                   : -1;
  if (i < 0) return *kind = CRK_PICK_NONE, 0;
  *at = (size_t)i;
  return best;
}

int crk_check_archs(FILE *f, FILE *answers, const char *file, const crk_blob *b, const crk_arch_list *archs,
                    int isa_ok, unsigned char *sel, crk_arch_verdict *verdicts) {
  int failed = 0;
  memset(sel, 0, b->nobjs);
  unsigned char *usable = malloc(b->nobjs ? b->nobjs : 1);
  if (!usable) {
    prefix(f, file);
    fputs("--arch: out of memory\n", f);
    return (int)archs->n;
  }
  for (size_t i = 0; i < b->nobjs; i++) usable[i] = (unsigned char)b->objs[i].loader_takes;
  /* A bundle or code object the loader refuses: what it refuses is the
   * blob, so no GPU loads it (host files embed bundles the loader never
   * opens as one: their refused bundles' code objects serve nothing). */
  int whole_refused = b->loader_refusal && strcmp(b->format, "host ELF") != 0 && strcmp(b->format, "archive") != 0;
  if (whole_refused) {
    prefix(f, file);
    fputs("the loader refuses this blob (CRK_ERR_BAD_BLOB): ", f);
    crk_print_escaped(f, b->loader_refusal);
    fputc('\n', f);
  }
  for (size_t a = 0; a < archs->n; a++) {
    const crk_target_id *tid = &archs->tid[a];
    const char *q = archs->text[a];
    crk_arch_verdict v = {CRK_PICK_NONE, whole_refused, {0}, 0};
    size_t at = 0;
    long best = whole_refused ? 0 : best_score(b, usable, tid, isa_ok, &v.kind, &at);
    /* The best code object, as the loader picks it; ties (a query that
     * leaves out a feature the code objects pin) select each. */
    for (size_t i = 0; best > 0 && i < b->nobjs; i++)
      if (usable[i] && crk_pick_score_as(&b->objs[i].co.tid, tid, isa_ok, 1, NULL) == best) {
        sel[i] = 1;
        if (v.nloads < CRK_ARCH_LOADS) v.loads[v.nloads++] = i;
      }
    if (verdicts) verdicts[a] = v;
    if (best > 0) {
      if (answers) {
        crk_print_escaped(answers, file);
        fprintf(answers, ": %s loads", q);
        for (size_t k = 0; k < v.nloads; k++) fprintf(answers, " %s", b->objs[v.loads[k]].co.target_id);
        fprintf(answers, " (%s%s)\n", crk_pick_kind_name(v.kind),
                v.kind == CRK_PICK_ISA ? ", marked as the device's processor" : "");
      }
      continue;
    }
    failed++;
    if (whole_refused) continue; /* said once, above */
    prefix(f, file);
    fprintf(f, "arch %s missing (have:", q);
    for (size_t i = 0; i < b->nobjs; i++) fprintf(f, " %s", b->objs[i].co.target_id);
    fputs(b->nobjs ? ")" : " none)", f);
    /* What the fallback would give, when it is off. */
    crk_pick_kind nk;
    if (!isa_ok && best_score(b, usable, tid, 1, &nk, &at) > 0)
      fprintf(f, "; nearest compatible: %s (same family and instructions): --isa-fallback, "
                 "or CRK_ISA_FALLBACK=1 for the loader", b->objs[at].co.target_id);
    fputc('\n', f);
  }
  free(usable);
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
