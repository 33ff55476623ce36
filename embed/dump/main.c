/* crk-dump: what archs and kernels a blob holds, with each kernel's
 * resources, for people and for CI. See usage() below.
 *
 * Exit status: 0 all well; 1 a check failed (--arch, --expect, --no-spills,
 * or --extract found no such arch); 2 bad input, I/O error or bad usage. */
#include "blob.h"
#include "checks.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f) {
  fputs(
    "usage: crk-dump [options] FILE...\n"
    "Lists the AMDGPU code objects in each FILE (a code object, a clang offload bundle,\n"
    "a compressed bundle, or a host ELF/archive that embeds bundles) and their kernels'\n"
    "resources: registers, LDS, scratch, spills, wavefront and workgroup sizes, arguments.\n"
    "\n"
    "  --json            machine-readable output (stable keys)\n"
    "  --symbols         kernel names only, one per line ('# ARCH' lines between archs)\n"
    "  -q, --quiet       print no listing, only what the checks find\n"
    "  --arch LIST       would GPUs of these target IDs (comma or space separated,\n"
    "                    e.g. gfx1031,gfx1100 or gfx90a:xnack+) load this blob, and\n"
    "                    with which code object? The loader's answer: the exact\n"
    "                    target, else the family's generic target (gfx10-3-generic),\n"
    "                    else with --isa-fallback an ISA-compatible processor. Prints\n"
    "                    it per arch, fails for an arch nothing serves; the listing\n"
    "                    and the other checks then cover only the chosen code objects\n"
    "  --isa-fallback    let --arch use the ISA-compatible fallback, as the loader\n"
    "                    does with CRK_ISA_FALLBACK=1 (also honoured here)\n"
    "  --expect FILE     every kernel named in FILE (one per line, '#' comments)\n"
    "                    must be in every code object\n"
    "  --no-spills       no kernel may spill registers or use scratch memory\n"
    "  --extract ARCH -o OUT   write ARCH's code object to OUT (atomically)\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 all well, 1 a check failed, 2 bad input or usage.\n",
    f);
}

static int die_usage(const char *msg, const char *arg) {
  fprintf(stderr, "crk-dump: %s%s\n", msg, arg ? arg : "");
  fputs("try 'crk-dump --help'\n", stderr);
  return 2;
}

/* Reads a whole file ("-" is stdin) into a malloc'd buffer. */
static unsigned char *slurp(const char *path, size_t *len, char *err, size_t errlen) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot open: %s", strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    unsigned char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  int e = errno;
  if (f != stdin) fclose(f);
  if (!buf) {
    snprintf(err, errlen, "out of memory reading it");
    return NULL;
  }
  if (bad) {
    free(buf);
    snprintf(err, errlen, "cannot read: %s", strerror(e));
    return NULL;
  }
  *len = n;
  return buf;
}

/* Names from an --expect file: one per line, blanks and '#' lines skipped. */
static char **read_names(const char *path, size_t *count, char *err, size_t errlen) {
  size_t len;
  unsigned char *text = slurp(path, &len, err, errlen);
  if (!text) return NULL;
  size_t cap = 16, n = 0;
  char **names = malloc(cap * sizeof *names);
  size_t pos = 0;
  while (names && pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    size_t a = pos, z = end;
    while (a < z && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) a++;
    while (z > a && (text[z - 1] == ' ' || text[z - 1] == '\t' || text[z - 1] == '\r')) z--;
    pos = end + 1;
    if (a == z || text[a] == '#') continue;
    if (n == cap) {
      char **nn = realloc(names, 2 * cap * sizeof *names);
      if (!nn) break;
      names = nn;
      cap *= 2;
    }
    names[n] = malloc(z - a + 1);
    if (!names[n]) break;
    memcpy(names[n], text + a, z - a);
    names[n][z - a] = '\0';
    n++;
  }
  int complete = names && pos >= len;
  free(text);
  if (!complete) {
    if (names)
      for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  *count = n;
  return names;
}

/* Writes bytes to path through a temporary beside it and a rename, so
 * that path is either the old file or the whole new one. */
static int write_atomic(const char *path, const unsigned char *bytes, size_t len, char *err,
                        size_t errlen) {
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 16);
  if (!tmp) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  snprintf(tmp, pl + 16, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    snprintf(err, errlen, "cannot create a temporary beside %s: %s", path, strerror(errno));
    free(tmp);
    return -1;
  }
  /* mkstemp makes the file 0600; give it the mode a new file would get. */
  mode_t um = umask(0);
  umask(um);
  int ok = fchmod(fd, 0644 & ~um) == 0;
  size_t off = 0;
  while (ok && off < len) {
    ssize_t w = write(fd, bytes + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ok = 0;
    else off += (size_t)w;
  }
  if (ok && fsync(fd) != 0) ok = 0;
  int e = errno;
  if (close(fd) != 0 && ok) ok = 0, e = errno;
  if (ok && rename(tmp, path) != 0) ok = 0, e = errno;
  if (!ok) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
    unlink(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}

static int extract(const char *file, const crk_blob *b, const char *arch, const char *out) {
  size_t matches = 0, exact = 0, pick = 0, pick_exact = 0;
  for (size_t i = 0; i < b->nobjs; i++) {
    int ex, m = crk_target_matches(arch, &b->objs[i].co, &ex);
    if (m < 0) return die_usage("--extract: not a target ID (like gfx90a or gfx90a:xnack-): ", arch);
    if (m > 0) matches++, pick = i;
    if (m > 0 && ex) exact++, pick_exact = i;
  }
  if (exact == 1) pick = pick_exact;
  if (matches == 0 || (matches > 1 && exact != 1)) {
    fprintf(stderr, "crk-dump: %s: %s code object for %s (have:", file,
            matches ? "more than one" : "no", arch);
    for (size_t i = 0; i < b->nobjs; i++) fprintf(stderr, " %s", b->objs[i].co.target_id);
    fputs(matches ? "); name its features, e.g. gfx90a:xnack-\n" : ")\n", stderr);
    return 1;
  }
  char err[512];
  if (write_atomic(out, b->objs[pick].bytes, b->objs[pick].size, err, sizeof err) != 0) {
    fprintf(stderr, "crk-dump: %s\n", err);
    return 2;
  }
  return 0;
}

int main(int argc, char **argv) {
  enum { TABLE, JSON, SYMBOLS } mode = TABLE;
  int quiet = 0, no_spills = 0;
  /* The loader's switch for the fallback counts here too: same question. */
  const char *env_fallback = getenv("CRK_ISA_FALLBACK");
  int isa_fallback = env_fallback && strcmp(env_fallback, "1") == 0;
  const char *arch_list = NULL, *expect_path = NULL, *extract_arch = NULL, *out_path = NULL;
  const char **files = calloc((size_t)argc, sizeof *files);
  size_t nfiles = 0;
  if (!files) return 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_arg = i + 1 < argc;
    if (!strcmp(a, "--json")) mode = JSON;
    else if (!strcmp(a, "--symbols")) mode = SYMBOLS;
    else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) quiet = 1;
    else if (!strcmp(a, "--no-spills")) no_spills = 1;
    else if (!strcmp(a, "--isa-fallback")) isa_fallback = 1;
    else if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); free(files); return 0; }
    else if (!strcmp(a, "--arch") || !strcmp(a, "--expect") || !strcmp(a, "--extract") || !strcmp(a, "-o")) {
      if (!has_arg) { free(files); return die_usage("missing argument after ", a); }
      const char *v = argv[++i];
      if (!strcmp(a, "--arch")) arch_list = v;
      else if (!strcmp(a, "--expect")) expect_path = v;
      else if (!strcmp(a, "--extract")) extract_arch = v;
      else out_path = v;
    } else if (a[0] == '-' && a[1] != '\0') {
      free(files);
      return die_usage("unknown option ", a);
    } else {
      files[nfiles++] = a;
    }
  }
  if (nfiles == 0) { free(files); return die_usage("no input file", NULL); }
  if ((extract_arch != NULL) != (out_path != NULL)) {
    free(files);
    return die_usage("--extract ARCH and -o OUT go together", NULL);
  }
  if (extract_arch && nfiles != 1) { free(files); return die_usage("--extract takes one input file", NULL); }

  char err[1024];
  char **names = NULL;
  size_t nnames = 0;
  if (expect_path && !(names = read_names(expect_path, &nnames, err, sizeof err))) {
    fprintf(stderr, "crk-dump: %s: %s\n", expect_path, err);
    free(files);
    return 2;
  }

  int status = 0;
  for (size_t fi = 0; fi < nfiles; fi++) {
    const char *file = files[fi];
    size_t len;
    unsigned char *data = slurp(file, &len, err, sizeof err);
    crk_blob b;
    if (!data || crk_blob_read(&b, data, len, NULL, err, sizeof err) != 0) {
      /* The reason may quote bytes of the file (entry ids, section names):
       * escaped, like every name the listing prints. */
      fputs("crk-dump: ", stderr);
      crk_print_escaped(stderr, file);
      fputs(": ", stderr);
      crk_print_escaped(stderr, err);
      fputc('\n', stderr);
      free(data);
      status = 2;
      continue;
    }
    unsigned char *sel = malloc(b.nobjs ? b.nobjs : 1);
    if (!sel) {
      fprintf(stderr, "crk-dump: out of memory\n");
      crk_blob_free(&b);
      free(data);
      status = 2;
      continue;
    }
    memset(sel, 1, b.nobjs);
    int failed = 0;
    if (arch_list)
      failed += crk_check_archs(stderr, mode == TABLE && !quiet && !extract_arch ? stdout : NULL, file, &b,
                                arch_list, isa_fallback, sel);
    if (names) failed += crk_check_expect(stderr, file, &b, sel, names, nnames);
    if (no_spills) failed += crk_check_no_spills(stderr, file, &b, sel);
    if (!quiet && !extract_arch) {
      if (mode == JSON) crk_report_json(stdout, file, &b, sel);
      else if (mode == SYMBOLS) crk_report_symbols(stdout, &b, sel);
      else crk_report_table(stdout, file, &b, sel);
    }
    if (failed && status == 0) status = 1;
    if (extract_arch) {
      int rc = extract(file, &b, extract_arch, out_path);
      if (rc > status) status = rc;
    }
    free(sel);
    crk_blob_free(&b);
    free(data);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "crk-dump: cannot write the listing: %s\n", strerror(errno));
    status = 2;
  }
  for (size_t i = 0; i < nnames; i++) free(names[i]);
  free(names);
  free(files);
  return status;
}
