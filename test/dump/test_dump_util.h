/* test_dump_util.h: helpers shared by the crk-dump tests (test_dump_*.c,
 * test_build.c): where the build put things, reading files, the built arch
 * list, and running the crk-dump program. */
#ifndef CRK_TEST_DUMP_UTIL_H
#define CRK_TEST_DUMP_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The build's output directory: $CRK_BUILD (set by `make test`). */
static inline const char *build_dir(void) {
  const char *s = getenv("CRK_BUILD");
  return s && *s ? s : "build/amd";
}

/* A path under the build directory, in a static ring of buffers. */
static inline const char *build_path(const char *fmt, const char *arg) {
  static char bufs[8][1024];
  static int next;
  char *b = bufs[next++ % 8];
  char rel[512];
  snprintf(rel, sizeof rel, fmt, arg ? arg : "");
  snprintf(b, sizeof bufs[0], "%s/%s", build_dir(), rel);
  return b;
}

/* Reads a whole file; NULL (and *len 0) if it cannot. Caller frees. */
static inline unsigned char *dump_read_file(const char *path, size_t *len) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    unsigned char *nb = realloc(buf, cap * 2);
    if (!nb) { free(buf); buf = NULL; break; }
    buf = nb;
    cap *= 2;
  }
  fclose(f);
  if (buf) *len = n;
  return buf;
}

static inline int dump_write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* The archs this build made ($CRK_BUILD/archs.list, space separated). */
static inline int built_archs(char archs[][32], int max) {
  size_t len;
  unsigned char *t = dump_read_file(build_path("archs.list", NULL), &len);
  int n = 0;
  if (!t) return -1;
  size_t i = 0;
  while (i < len && n < max) {
    while (i < len && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t')) i++;
    size_t s = i;
    while (i < len && t[i] != ' ' && t[i] != '\n' && t[i] != '\t') i++;
    if (i > s && i - s < 32) {
      memcpy(archs[n], t + s, i - s);
      archs[n][i - s] = '\0';
      n++;
    }
  }
  free(t);
  return n;
}

/* A scratch directory for this test program, removed by the caller's
 * rm -rf at the end (see dump_cleanup). */
static char dump_tmp_[256];
static inline const char *dump_tmpdir(void) {
  if (!dump_tmp_[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(dump_tmp_, sizeof dump_tmp_, "%s/crk-dump-test.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dump_tmp_)) {
      fprintf(stderr, "cannot make a scratch directory: %s\n", strerror(errno));
      exit(2);
    }
  }
  return dump_tmp_;
}

static inline void dump_cleanup(void) {
  if (dump_tmp_[0]) {
    char cmd[320];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dump_tmp_);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dump_tmp_);
  }
}

/* A path in the scratch directory (static ring of buffers). */
static inline const char *tmp_path(const char *name) {
  static char bufs[8][512];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", dump_tmpdir(), name);
  return b;
}

/* Runs `crk-dump ARGS` through the shell with stdout and stderr captured
 * into malloc'd strings; returns the exit status (-1 if it did not exit). */
static inline int run_dump(const char *args, char **out, char **err) {
  char cmd[4096];
  const char *o = tmp_path("run.out"), *e = tmp_path("run.err");
  snprintf(cmd, sizeof cmd, "'%s/tools/crk-dump' %s >'%s' 2>'%s'", build_dir(), args, o, e);
  int st = system(cmd);
  size_t n;
  if (out) {
    unsigned char *t = dump_read_file(o, &n);
    *out = t ? realloc(t, n + 1) : calloc(1, 1);
    if (*out) (*out)[t ? n : 0] = '\0';
  }
  if (err) {
    unsigned char *t = dump_read_file(e, &n);
    *err = t ? realloc(t, n + 1) : calloc(1, 1);
    if (*err) (*err)[t ? n : 0] = '\0';
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The llvm-readelf to compare with: $CRK_READELF, LLVM 19's, the PATH's or
 * ROCm's; NULL when there is none. */
static inline const char *find_readelf(void) {
  static char found[512];
  const char *env = getenv("CRK_READELF"), *rocm = getenv("ROCM_PATH");
  char rocm_tool[400];
  snprintf(rocm_tool, sizeof rocm_tool, "%s/llvm/bin/llvm-readelf", rocm && *rocm ? rocm : "/opt/rocm");
  const char *cands[] = {env, "llvm-readelf-19", "llvm-readelf", rocm_tool};
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
    if (!cands[i] || !*cands[i]) continue;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", cands[i]);
    if (system(cmd) == 0) {
      snprintf(found, sizeof found, "%s", cands[i]);
      return found;
    }
  }
  return NULL;
}

/* The text after "Flags:" of `readelf -h file` ("0x5e, gfx90a, xnack-"...),
 * into out. 1 found, 0 no Flags line, -1 readelf could not be run. */
static inline int readelf_flags_line(const char *readelf, const char *file, char *out, size_t n) {
  char cmd[1024], line[512];
  snprintf(cmd, sizeof cmd, "'%s' -h '%s' 2>&1", readelf, file);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  int found = 0;
  while (fgets(line, sizeof line, p)) {
    const char *f = strstr(line, "Flags:");
    if (!f || found) continue;
    snprintf(out, n, "%s", f + 6);
    found = 1;
  }
  return pclose(p) == 0 ? found : -1;
}

#endif
