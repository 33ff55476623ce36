/* report.c: see report.h. */
#include "report.h"

#include <inttypes.h>
#include <string.h>

static size_t escaped_width(const char *s) {
  size_t w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) w += *p >= 0x20 && *p < 0x7f ? 1 : 4;
  return w;
}

size_t crk_print_escaped(FILE *f, const char *s) {
  if (!f) return escaped_width(s);
  size_t w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p >= 0x20 && *p < 0x7f) {
      fputc(*p, f);
      w++;
    } else {
      fprintf(f, "\\x%02x", *p);
      w += 4;
    }
  }
  return w;
}

static void pad(FILE *f, size_t n) {
  while (n--) fputc(' ', f);
}

/* A table cell: the number, or "-" when the metadata left it out. */
static void num_cell(char *buf, size_t n, int64_t v) {
  if (v == CRK_ABSENT) snprintf(buf, n, "-");
  else snprintf(buf, n, "%" PRId64, v);
}

enum { NCOLS = 11 };
static const char *const col_names[NCOLS] = {"SGPR", "VGPR", "AGPR", "LDS", "SCRATCH", "SPILL_S",
                                             "SPILL_V", "WAVE", "MAX_WG", "KERNARG", "ARGS"};

static void kernel_cells(const crk_kernel *k, char cells[NCOLS][24]) {
  const int64_t v[NCOLS] = {k->sgpr, k->vgpr, k->agpr, k->lds, k->scratch, k->sgpr_spill,
                            k->vgpr_spill, k->wavefront, k->max_wg, k->kernarg_size,
                            (int64_t)k->explicit_args};
  for (int i = 0; i < NCOLS; i++) num_cell(cells[i], sizeof cells[i], v[i]);
}

static void object_line(FILE *f, const crk_blob *b, const crk_blob_obj *o) {
  const crk_codeobj *co = &o->co;
  if (o->entry_id) crk_print_escaped(f, o->entry_id);
  else fputs("(code object)", f);
  fprintf(f, "  %s  xnack %s  sramecc %s  code object v%d", co->arch, crk_feature_name(co->xnack),
          crk_feature_name(co->sramecc), co->co_version);
  if (co->generic_version) fprintf(f, " (generic v%u)", co->generic_version);
  fprintf(f, "  %zu bytes  %zu kernel%s", o->size, co->nkernels, co->nkernels == 1 ? "" : "s");
  if (b->format && strcmp(b->format, "code object") != 0 && strcmp(b->format, "offload bundle") != 0) {
    fputs("  [", f);
    crk_print_escaped(f, o->where);
    fputc(']', f);
  }
  fputc('\n', f);
}

void crk_report_table(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel) {
  crk_print_escaped(f, file);
  fprintf(f, ": %s\n", b->desc);
  for (size_t i = 0; i < b->nobjs; i++) {
    if (!sel[i]) continue;
    const crk_blob_obj *o = &b->objs[i];
    const crk_codeobj *co = &o->co;
    fputc('\n', f);
    object_line(f, b, o);
    if (co->nkernels == 0) continue;
    /* Column widths over this code object's kernels. */
    size_t wname = strlen("KERNEL"), w[NCOLS];
    for (int c = 0; c < NCOLS; c++) w[c] = strlen(col_names[c]);
    for (size_t k = 0; k < co->nkernels; k++) {
      char cells[NCOLS][24];
      kernel_cells(&co->kernels[k], cells);
      size_t wn = escaped_width(co->kernels[k].name);
      if (wn > wname) wname = wn;
      for (int c = 0; c < NCOLS; c++)
        if (strlen(cells[c]) > w[c]) w[c] = strlen(cells[c]);
    }
    fputs("  KERNEL", f);
    pad(f, wname - strlen("KERNEL"));
    for (int c = 0; c < NCOLS; c++) {
      pad(f, 2 + w[c] - strlen(col_names[c]));
      fputs(col_names[c], f);
    }
    fputc('\n', f);
    for (size_t k = 0; k < co->nkernels; k++) {
      char cells[NCOLS][24];
      kernel_cells(&co->kernels[k], cells);
      fputs("  ", f);
      pad(f, wname - crk_print_escaped(f, co->kernels[k].name));
      for (int c = 0; c < NCOLS; c++) {
        pad(f, 2 + w[c] - strlen(cells[c]));
        fputs(cells[c], f);
      }
      fputc('\n', f);
    }
  }
}

/* A JSON string: escapes quotes, backslashes and control characters, and
 * replaces bytes that are not valid UTF-8 with U+FFFD. */
static void json_str(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc((int)c, f);
      p++;
    } else if (c < 0x20 || c == 0x7f) {
      fprintf(f, "\\u%04x", c);
      p++;
    } else if (c < 0x80) {
      fputc((int)c, f);
      p++;
    } else {
      /* Length and lowest code point of a sequence led by c. */
      int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      int ok = n > 0;
      uint32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
      for (int i = 1; ok && i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) ok = 0;
        else cp = cp << 6 | (p[i] & 0x3f);
      }
      if (ok && ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
                 (n == 4 && (cp < 0x10000 || cp > 0x10ffff))))
        ok = 0;
      if (ok) {
        fwrite(p, 1, (size_t)n, f);
        p += n;
      } else {
        fputs("\\ufffd", f);
        p++;
      }
    }
  }
  fputc('"', f);
}

static void json_num(FILE *f, int64_t v) {
  if (v == CRK_ABSENT) fputs("null", f);
  else fprintf(f, "%" PRId64, v);
}

void crk_report_json_error(FILE *f, const char *file, const char *err, int first) {
  fputs(first ? "{\n  \"file\": " : ",\n{\n  \"file\": ", f);
  json_str(f, file);
  fputs(",\n  \"error\": ", f);
  json_str(f, err);
  fputs("\n}", f);
}

void crk_report_json(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel,
                     const crk_arch_list *archs, const crk_arch_verdict *verdicts, int first_file) {
  fputs(first_file ? "{\n  \"file\": " : ",\n{\n  \"file\": ", f);
  json_str(f, file);
  fputs(",\n  \"format\": ", f);
  json_str(f, b->format ? b->format : "");
  fputs(",\n  \"loader_refuses\": ", f);
  if (b->loader_refusal) json_str(f, b->loader_refusal);
  else fputs("null", f);
  if (archs) {
    fputs(",\n  \"arch_check\": [", f);
    for (size_t a = 0; a < archs->n; a++) {
      fputs(a ? ",\n    {\"target_id\": " : "\n    {\"target_id\": ", f);
      json_str(f, archs->text[a]);
      fputs(", \"verdict\": ", f);
      json_str(f, crk_verdict_name(&verdicts[a]));
      fputs(", \"loads\": [", f);
      for (size_t k = 0; k < verdicts[a].nloads; k++) {
        if (k) fputs(", ", f);
        json_str(f, b->objs[verdicts[a].loads[k]].co.target_id);
      }
      fputs("]}", f);
    }
    fputs(archs->n ? "\n  ]" : "]", f);
  }
  fputs(",\n  \"code_objects\": [", f);
  int first = 1;
  for (size_t i = 0; i < b->nobjs; i++) {
    if (!sel[i]) continue;
    const crk_blob_obj *o = &b->objs[i];
    const crk_codeobj *co = &o->co;
    fputs(first ? "\n    {" : ",\n    {", f);
    first = 0;
    fputs("\"entry_id\": ", f);
    if (o->entry_id) json_str(f, o->entry_id);
    else fputs("null", f);
    fputs(", \"where\": ", f);
    json_str(f, o->where);
    fprintf(f, ", \"arch\": \"%s\", \"target_id\": \"%s\", \"xnack\": \"%s\", \"sramecc\": \"%s\"",
            co->arch, co->target_id, crk_feature_name(co->xnack), crk_feature_name(co->sramecc));
    fprintf(f, ", \"code_object_version\": %d, \"e_flags\": %u, \"size\": %zu", co->co_version,
            (unsigned)co->e_flags, o->size);
    fputs(", \"metadata_target\": ", f);
    if (co->md_target) json_str(f, co->md_target);
    else fputs("null", f);
    fputs(",\n     \"kernels\": [", f);
    for (size_t k = 0; k < co->nkernels; k++) {
      const crk_kernel *kn = &co->kernels[k];
      fputs(k ? ",\n       {" : "\n       {", f);
      fputs("\"name\": ", f);
      json_str(f, kn->name);
      fputs(", \"symbol\": ", f);
      if (kn->symbol) json_str(f, kn->symbol);
      else fputs("null", f);
      const struct { const char *key; int64_t v; } nums[] = {
        {"sgpr_count", kn->sgpr}, {"vgpr_count", kn->vgpr}, {"agpr_count", kn->agpr},
        {"lds_bytes", kn->lds}, {"scratch_bytes", kn->scratch},
        {"sgpr_spill_count", kn->sgpr_spill}, {"vgpr_spill_count", kn->vgpr_spill},
        {"wavefront_size", kn->wavefront}, {"max_workgroup_size", kn->max_wg},
        {"kernarg_size", kn->kernarg_size}, {"arg_count", (int64_t)kn->explicit_args},
      };
      for (size_t n = 0; n < sizeof nums / sizeof nums[0]; n++) {
        fprintf(f, ", \"%s\": ", nums[n].key);
        json_num(f, nums[n].v);
      }
      fprintf(f, ", \"uses_dynamic_stack\": %s",
              kn->dynamic_stack == CRK_ABSENT ? "null" : kn->dynamic_stack ? "true" : "false");
      fputs(",\n        \"args\": [", f);
      for (size_t a = 0; a < kn->nargs; a++) {
        fprintf(f, "%s{\"offset\": %" PRIu64 ", \"size\": %" PRIu64 ", \"kind\": ", a ? ", " : "",
                kn->args[a].offset, kn->args[a].size);
        json_str(f, kn->args[a].kind);
        fprintf(f, ", \"hidden\": %s}", kn->args[a].hidden ? "true" : "false");
      }
      fputs("]}", f);
    }
    fputs(co->nkernels ? "\n     ]}" : "]}", f);
  }
  fputs(first ? "]\n}" : "\n  ]\n}", f);
}

void crk_report_symbols(FILE *f, const crk_blob *b, const unsigned char *sel) {
  size_t shown = 0;
  for (size_t i = 0; i < b->nobjs; i++) shown += sel[i] != 0;
  for (size_t i = 0; i < b->nobjs; i++) {
    if (!sel[i]) continue;
    const crk_blob_obj *o = &b->objs[i];
    /* With several code objects a comment line says whose names follow;
     * --expect skips such lines, so one arch's output is an expect file. */
    if (shown > 1) {
      fprintf(f, "# %s", o->co.target_id);
      if (o->entry_id) {
        fputs(" (", f);
        crk_print_escaped(f, o->entry_id);
        fputc(')', f);
      }
      fputc('\n', f);
    }
    for (size_t k = 0; k < o->co.nkernels; k++) {
      crk_print_escaped(f, o->co.kernels[k].name);
      fputc('\n', f);
    }
  }
}
