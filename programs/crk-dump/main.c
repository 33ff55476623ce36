/* crk-dump: what archs and kernels a blob holds, with each kernel's
 * resources, for people and for CI. See usage() below.
 *
 * Exit status: 0 all well; 1 a check failed (--arch, --expect, --no-spills,
 * or --extract found no such arch); 2 bad input, I/O error or bad usage. */
#include "blob.h"
#include "candle_rocm_kernels_version.h"
#include "checks.h"
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Default of --max-input: the size of the largest real input (a HIP
 * library with many archs, a few GB) with room to spare. */
#define MAX_INPUT_DEFAULT (UINT64_C(4) << 30)

static void usage(FILE *f) {
  fputs(
    "usage: crk-dump [options] FILE...\n"
    "Lists the AMDGPU code objects in each FILE (a code object, a clang offload bundle,\n"
    "a compressed bundle, or a host ELF/archive that embeds bundles) and their kernels'\n"
    "resources: registers, LDS, scratch, spills, wavefront and workgroup sizes, arguments.\n"
    "\n"
    "  --json            machine-readable output (stable keys): one JSON document,\n"
    "                    an array of one object per FILE (with --arch, each arch's\n"
    "                    verdict in it; a FILE that cannot be read, its error)\n"
    "  --symbols         kernel names only, one per line ('# ARCH' lines between archs)\n"
    "  -q, --quiet       print no listing, only what the checks find\n"
    "  --arch=LIST       would GPUs of these target IDs (comma or space separated,\n"
    "                    e.g. gfx1031,gfx1100 or gfx90a:xnack+) load this blob, and\n"
    "                    with which code object? The loader's answer: the exact\n"
    "                    target, else the family's generic target (gfx10-3-generic),\n"
    "                    else with --isa-fallback an ISA-compatible processor. Prints\n"
    "                    it per arch, fails for an arch nothing serves; the listing\n"
    "                    and the other checks then cover only the chosen code objects\n"
    "  --isa-fallback    let --arch use the ISA-compatible fallback, as the loader\n"
    "                    does with CRK_ISA_FALLBACK=1 (also honoured here)\n"
    "  --expect=FILE     every kernel named in FILE (one per line, '#' comments)\n"
    "                    must be in every code object\n"
    "  --no-spills       no kernel may spill registers or use scratch memory\n"
    "  --extract=ARCH -o OUT   write ARCH's code object to OUT (atomically)\n",
    f);
  /* The limits against hostile input, with their defaults. */
  fprintf(f,
    "  --max-input SIZE  refuse a FILE larger than SIZE bytes (suffix K, M or G;\n"
    "                    default %lluM): files are read whole, and /dev/zero never ends\n"
    "  --max-records N   refuse a FILE whose code objects hold more than N kernel and\n"
    "                    argument records in all (default %zu; one code object may\n"
    "                    hold %zu): a few bytes of metadata make a record\n"
    "  -h, --help        this text\n"
    "  -V, --version     the version, of crk-dump and of the project it comes with\n"
    "  --                end of options: what follows is a file, even if it starts with '-'\n"
    "Options take their value as --opt=VALUE or --opt VALUE; '-' reads standard input.\n"
    "\n"
    "Exit status: 0 all well, 1 a check failed, 2 bad input or usage.\n",
    (unsigned long long)(MAX_INPUT_DEFAULT >> 20), CRK_BLOB_MAX_RECORDS, CRK_CODEOBJ_MAX_RECORDS);
}

/* arg comes from the command line: escaped, like every name printed. */
static int die_usage(const char *msg, const char *arg) {
  fprintf(stderr, "crk-dump: %s", msg);
  if (arg) crk_print_escaped(stderr, arg);
  fputs("\ntry 'crk-dump --help'\n", stderr);
  return 2;
}

/* Reads a whole file ("-" is stdin) into a malloc'd buffer, refusing one
 * of more than max bytes: a device or a pipe may never end. */
static unsigned char *slurp(const char *path, uint64_t max, size_t *len, char *err, size_t errlen) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot open: %s", strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n > max) {
      if (f != stdin) fclose(f);
      free(buf);
      snprintf(err, errlen, "larger than the %llu-byte input limit (--max-input)",
               (unsigned long long)max);
      return NULL;
    }
    if (n < cap) break;
    /* Doubling, but to no more than max + 1 bytes: one byte past the
     * limit proves the file too large without allocating twice the limit. */
    size_t nc = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
    if (max < SIZE_MAX && nc > max + 1) nc = (size_t)max + 1;
    unsigned char *nb = nc > cap ? realloc(buf, nc) : NULL;
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap = nc;
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
static char **read_names(const char *path, uint64_t max, size_t *count, char *err, size_t errlen) {
  size_t len;
  unsigned char *text = slurp(path, max, &len, err, errlen);
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

/* "4096", "64K", "1M", "4G" -> bytes; -1 when it is not such a size. */
static int parse_size(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  int shift = 0;
  if (*end == 'K' || *end == 'k') shift = 10, end++;
  else if (*end == 'M' || *end == 'm') shift = 20, end++;
  else if (*end == 'G' || *end == 'g') shift = 30, end++;
  if (errno || *end != '\0' || v == 0 || v > (UINT64_MAX >> shift)) return -1;
  *out = (uint64_t)v << shift;
  return 0;
}

int main(int argc, char **argv) {
  enum { TABLE, JSON, SYMBOLS } mode = TABLE;
  int quiet = 0, no_spills = 0;
  uint64_t max_input = MAX_INPUT_DEFAULT, max_records = CRK_BLOB_MAX_RECORDS;
  /* The loader's switch for the fallback counts here too: same question. */
  const char *env_fallback = getenv("CRK_ISA_FALLBACK");
  int isa_fallback = env_fallback && strcmp(env_fallback, "1") == 0;
  const char *arch_list = NULL, *expect_path = NULL, *extract_arch = NULL, *out_path = NULL;
  enum { OPT_JSON = 256, OPT_SYMBOLS, OPT_NO_SPILLS, OPT_ARCH, OPT_EXPECT, OPT_EXTRACT, OPT_MAX_INPUT, OPT_MAX_RECORDS, OPT_ISA_FALLBACK };
  static const struct option longopts[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"symbols", no_argument, NULL, OPT_SYMBOLS},
    {"quiet", no_argument, NULL, 'q'},
    {"no-spills", no_argument, NULL, OPT_NO_SPILLS},
    {"isa-fallback", no_argument, NULL, OPT_ISA_FALLBACK},
    {"arch", required_argument, NULL, OPT_ARCH},
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"extract", required_argument, NULL, OPT_EXTRACT},
    {"max-input", required_argument, NULL, OPT_MAX_INPUT},
    {"max-records", required_argument, NULL, OPT_MAX_RECORDS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
  };
  /* Our own messages (opterr 0, and ':' first: a missing value is ':'),
   * in the one format die_usage prints. Options may follow files (GNU
   * getopt permutes); "--" ends them. */
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":qhVo:", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_JSON: mode = JSON; break;
    case OPT_SYMBOLS: mode = SYMBOLS; break;
    case 'q': quiet = 1; break;
    case OPT_NO_SPILLS: no_spills = 1; break;
    case OPT_ISA_FALLBACK: isa_fallback = 1; break;
    case OPT_ARCH: arch_list = optarg; break;
    case OPT_EXPECT: expect_path = optarg; break;
    case OPT_EXTRACT: extract_arch = optarg; break;
    case 'o': out_path = optarg; break;
    case OPT_MAX_INPUT:
    case OPT_MAX_RECORDS: {
      uint64_t n;
      if (parse_size(optarg, &n) != 0 || n > SIZE_MAX)
        return die_usage(c == OPT_MAX_INPUT ? "--max-input wants a size like 4096, 64K, 1M or 4G: "
                                            : "--max-records wants a count like 100000 or 8M: ", optarg);
      if (c == OPT_MAX_INPUT) max_input = n;
      else max_records = n;
      break;
    }
    case 'h': usage(stdout); return 0;
    case 'V':
      printf("crk-dump (candle-rocm-kernels) %s\n", CRK_VERSION_STRING);
      return 0;
    case ':': return die_usage("missing argument after ", argv[optind - 1]);
    default: {
      /* optopt 0: an unknown long option; a long option's value (ours are
       * >= 256, or q h V, which as short options cannot fail): a flag given
       * a value (--json=x). A long option is always the whole word getopt
       * just passed. Anything else is an unknown short option. */
      char opt[64];
      if (optopt == 0 || optopt >= 256 || strchr("qhV", optopt)) {
        const char *w = argv[optind - 1];
        snprintf(opt, sizeof opt, "%.*s", (int)strcspn(w, "="), w);
        if (optopt != 0) return die_usage("this option takes no value: ", opt);
      } else {
        snprintf(opt, sizeof opt, "-%c", optopt);
      }
      return die_usage("unknown option ", opt);
    }
    }
  }
  const char **files = (const char **)argv + optind;
  size_t nfiles = (size_t)(argc - optind);
  if (nfiles == 0) return die_usage("no input file", NULL);
  if ((extract_arch != NULL) != (out_path != NULL))
    return die_usage("--extract ARCH and -o OUT go together", NULL);
  if (extract_arch && nfiles != 1) return die_usage("--extract takes one input file", NULL);
  static crk_arch_list archs; /* static: some 6 KB */
  crk_arch_verdict verdicts[CRK_ARCH_MAX];
  char err[1024];
  if (arch_list && crk_arch_list_parse(arch_list, &archs, err, sizeof err) != 0) return die_usage(err, NULL);

  char **names = NULL;
  size_t nnames = 0;
  if (expect_path && !(names = read_names(expect_path, max_input, &nnames, err, sizeof err))) {
    fprintf(stderr, "crk-dump: %s: %s\n", expect_path, err);
    return 2;
  }

  int status = 0;
  /* --json: one document for all the files, an array of one object each. */
  int json = mode == JSON && !quiet && !extract_arch, json_first = 1;
  if (json) fputs("[\n", stdout);
  for (size_t fi = 0; fi < nfiles; fi++) {
    const char *file = files[fi];
    size_t len;
    unsigned char *data = slurp(file, max_input, &len, err, sizeof err);
    crk_blob b;
    crk_blob_opts opts = {CRK_BLOB_MAX_UNCOMPRESSED, 0, (size_t)max_records, 0};
    if (!data || crk_blob_read(&b, data, len, &opts, err, sizeof err) != 0) {
      /* The reason may quote bytes of the file (entry ids, section names):
       * escaped, like every name the listing prints. */
      fputs("crk-dump: ", stderr);
      crk_print_escaped(stderr, file);
      fputs(": ", stderr);
      crk_print_escaped(stderr, err);
      fputc('\n', stderr);
      if (json) crk_report_json_error(stdout, file, err, json_first), json_first = 0;
      free(data);
      status = 2;
      continue;
    }
    unsigned char *sel = malloc(b.nobjs ? b.nobjs : 1);
    if (!sel) {
      fprintf(stderr, "crk-dump: out of memory\n");
      if (json) crk_report_json_error(stdout, file, "out of memory", json_first), json_first = 0;
      crk_blob_free(&b);
      free(data);
      status = 2;
      continue;
    }
    memset(sel, 1, b.nobjs);
    int failed = 0;
    if (arch_list)
      failed += crk_check_archs(stderr, mode == TABLE && !quiet && !extract_arch ? stdout : NULL, file, &b,
                                &archs, isa_fallback, sel, verdicts);
    if (names) failed += crk_check_expect(stderr, file, &b, sel, names, nnames);
    if (no_spills) failed += crk_check_no_spills(stderr, file, &b, sel);
    if (!quiet && !extract_arch) {
      if (mode == JSON)
        crk_report_json(stdout, file, &b, sel, arch_list ? &archs : NULL, verdicts, json_first), json_first = 0;
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
  if (json) fputs(json_first ? "]\n" : "\n]\n", stdout);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "crk-dump: cannot write the listing: %s\n", strerror(errno));
    status = 2;
  }
  for (size_t i = 0; i < nnames; i++) free(names[i]);
  free(names);
  return status;
}
