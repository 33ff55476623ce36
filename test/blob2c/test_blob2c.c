/* test_blob2c.c: the blob-to-C step (programs/blob2c) as the build runs it
 * (--incbin), on this build's bundle and on its compressed form:
 *   - the source pulls the blob in by its file name alone (the build puts
 *     its folder on the assembler's include path) and gives its length;
 *   - an uncompressed bundle's table points at each entry's offset and size;
 *   - a compressed one's names the same archs, with no pointer (NULL, 0). */
#include "check.h"
#include "test_dump_util.h"

#include "bundle.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Runs blob2c --incbin on blob; returns the C source (malloc'd) or NULL. */
static char *blob2c(const char *blob) {
  const char *out = tmp_path("blob2c.c");
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s/tools/blob2c' --incbin '%s' '%s'", build_dir(), blob, out);
  if (system(cmd) != 0) return NULL;
  size_t n;
  unsigned char *t = dump_read_file(out, &n);
  char *s = t ? realloc(t, n + 1) : NULL;
  if (s) s[n] = '\0';
  return s;
}

int main(void) {
  char archs[64][32], line[PATH_MAX + 64], bundle[1024], ccob[1024];
  int narchs = built_archs(archs, 64);
  snprintf(bundle, sizeof bundle, "%s", build_path("quantized.hsaco", NULL));
  snprintf(ccob, sizeof ccob, "%s", build_path("test/dump-fixtures/quantized.ccob", NULL));
  size_t len;
  unsigned char *data = dump_read_file(bundle, &len);
  if (!data || !crk_is_bundle(data, len) || narchs <= 0) {
    SKIP("blob2c", "%s is not an uncompressed bundle (COMPRESS=1 build): the table test needs one", bundle);
    free(data);
    return 0;
  }

  /* Uncompressed: the incbin of the file name, the length, an entry per arch. */
  char *src = blob2c(bundle);
  CHECK(src != NULL, "blob2c: --incbin on the bundle succeeds", "see its message above");
  if (src) {
    const char *file = strrchr(bundle, '/');
    snprintf(line, sizeof line, ".incbin \\\"%s\\\"", file ? file + 1 : bundle);
    char lenline[96];
    snprintf(lenline, sizeof lenline, "const size_t QUANTIZED_LEN = %zu;", len);
    CHECK(strstr(src, line) && strstr(src, lenline), "blob2c: the source pulls in the blob by file name and gives its length",
          "no '%s' or '%s'", line, lenline);
    crk_bundle_entry e[64];
    size_t n;
    char err[256], why[1024] = "";
    int ok = crk_bundle_parse(data, len, e, 64, &n, err, sizeof err) == 0;
    for (size_t i = 0; ok && i < n && i < 64; i++) {
      const char *kind, *t;
      size_t kl, tl;
      if (crk_bundle_id_split(e[i].id, e[i].id_len, &kind, &kl, &t, &tl) || kl == 4) continue; /* host */
      snprintf(line, sizeof line, "{\"%.*s\", QUANTIZED + %llu, %llu},", (int)tl, t, (unsigned long long)e[i].offset,
               (unsigned long long)e[i].size);
      if (!strstr(src, line)) snprintf(why + strlen(why), sizeof why - strlen(why), " %.*s", (int)tl, t);
    }
    CHECK(ok && !*why, "blob2c: an entry per code object, at its offset and size", "%s%s%s", ok ? "" : err,
          *why ? "wrong or missing entry:" : "", why);
    free(src);
  }

  /* Compressed: the same archs, without pointers. */
  src = blob2c(ccob);
  CHECK(src != NULL, "blob2c: --incbin on the compressed bundle succeeds", "see its message above");
  if (src) {
    char why[1024] = "";
    for (int a = 0; a < narchs; a++) {
      snprintf(line, sizeof line, "{\"%s\", 0, 0},", archs[a]);
      if (!strstr(src, line)) snprintf(why + strlen(why), sizeof why - strlen(why), " %s", archs[a]);
    }
    snprintf(line, sizeof line, "QUANTIZED_ARCH_COUNT = %d;", narchs);
    CHECK(!*why && strstr(src, line), "blob2c: a compressed bundle's table names its archs, with no pointers",
          "%s%s%s", *why ? "no pointer-less entry for:" : "", why, strstr(src, line) ? "" : " (count differs)");
    free(src);
  }
  free(data);
  dump_cleanup();
  CHECK_EXIT();
}
