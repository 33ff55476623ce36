/* test_dot_path.c: hip/common.h's #if chain picks, for every processor the
 * compiler knows, the int8 dot path and mat-vec register cap of the
 * processor table (format/amdgpu_processors.def's dot column).
 *
 * The device compiler cannot read the table, so common.h keeps its own
 * chain of __gfxNNN__ tests; this asks the compiler itself what the chain
 * gives: `clang -E -dM hip/common.h` for each processor lists the macros
 * defined after the header (CRK_DOT4_SDOT4, CRK_DOT4_SUDOT4 or
 * CRK_DOT4_SCALAR, and CRK_MATVEC_VGPRS). A processor the compiler does not
 * know (clang 19: gfx950, gfx1153, gfx125x, gfx9-4-generic) is listed as
 * not checked. The clang and its device flags are the build's (compiled in
 * by test/loader/loader.mk).
 */
#include "check.h"
#include "data_dir.h"
#include "processors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CRK_CLANG
#error "CRK_CLANG (the build's clang) must be defined"
#endif
#ifndef CRK_HIP_DEVFLAGS
#define CRK_HIP_DEVFLAGS ""
#endif

/* What the chain gave for one processor. */
typedef struct {
  int ran;        /* the compiler knew the processor */
  int paths;      /* how many CRK_DOT4_* it defined (must be 1) */
  crk_dot_path dot;
  int vgprs;      /* CRK_MATVEC_VGPRS, or -1 */
  char first_error[200];
} chain_result;

/* Starts the preprocessor on common.h for processor; its output is read by
 * collect. Several run at once (each is mostly start-up). */
static FILE *start(const char *processor) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "%s -x hip --cuda-device-only -std=c++17 -nogpulib %s --offload-arch=%s -I'%s/hip' -E -dM "
           "'%s/hip/common.h' 2>&1",
           CRK_CLANG, CRK_HIP_DEVFLAGS, processor, crk_data_dir(), crk_data_dir());
  return popen(cmd, "r");
}

static void collect(FILE *p, chain_result *r) {
  memset(r, 0, sizeof *r);
  r->vgprs = -1;
  if (!p) return;
  char line[4096];
  while (fgets(line, sizeof line, p)) {
    int n;
    if (strncmp(line, "#define ", 8) != 0) {
      if (!r->first_error[0] && strstr(line, "error")) snprintf(r->first_error, sizeof r->first_error, "%.*s", (int)strcspn(line, "\n") < 199 ? (int)strcspn(line, "\n") : 199, line);
      continue;
    }
    if (!strncmp(line + 8, "CRK_DOT4_SDOT4 ", 15)) r->paths++, r->dot = CRK_DOT_SDOT4;
    else if (!strncmp(line + 8, "CRK_DOT4_SUDOT4 ", 16)) r->paths++, r->dot = CRK_DOT_SUDOT4;
    else if (!strncmp(line + 8, "CRK_DOT4_SCALAR ", 16)) r->paths++, r->dot = CRK_DOT_SCALAR;
    else if (sscanf(line + 8, "CRK_MATVEC_VGPRS %d", &n) == 1) r->vgprs = n;
  }
  r->ran = pclose(p) == 0;
}

enum { AT_ONCE = 8 };

int main(void) {
  int checked = 0;
  char unknown[1024] = "";
  FILE *running[AT_ONCE];
  unsigned nrows = 0;
  while (crk_processor_at(nrows)) nrows++;
  for (unsigned i = 0; i < nrows; i++) {
    const crk_processor *row = crk_processor_at(i);
    if (i % AT_ONCE == 0)
      for (unsigned j = i; j < i + AT_ONCE && j < nrows; j++) running[j % AT_ONCE] = start(crk_processor_at(j)->name);
    chain_result r;
    collect(running[i % AT_ONCE], &r);
    if (!r.ran) {
      /* Only "the compiler does not know this processor" may pass unchecked. */
      int not_known = strstr(r.first_error, "offload arch") || strstr(r.first_error, "invalid target ID") || strstr(r.first_error, "unsupported") ||
                      strstr(r.first_error, "unknown target");
      if (!not_known) {
        CHECK(0, row->name, "the compiler failed on hip/common.h: %s", r.first_error[0] ? r.first_error : "no message");
        continue;
      }
      size_t at = strlen(unknown);
      snprintf(unknown + at, sizeof unknown - at, "%s%s", at ? " " : "", row->name);
      continue;
    }
    checked++;
    char what[160];
    snprintf(what, sizeof what, "hip/common.h on %s: dot path %s, mat-vec cap %u VGPRs (the table's)", row->name,
             crk_dot_path_name(row->dot), crk_matvec_vgprs(row));
    CHECK(r.paths == 1 && r.dot == row->dot && r.vgprs == (int)crk_matvec_vgprs(row), what,
          "the chain defines %d CRK_DOT4_* (%s) and CRK_MATVEC_VGPRS %d", r.paths,
          r.paths ? crk_dot_path_name(r.dot) : "none", r.vgprs);
  }
  printf("# not known to %s, not checked: %s\n", CRK_CLANG, unknown[0] ? unknown : "none");
  /* clang 19 knows all but a handful of the table's processors: a compiler
   * that ran on none of them proves nothing. */
  CHECK(checked >= 40, "hip/common.h's dot chain checked on the processors the compiler knows",
        "only %d checked", checked);
  CHECK_EXIT();
}
