/* test_dump_vet.c: crk-dump --arch gives the loader's answer, on the blobs
 * the loader refuses too (format/blob_open.h's crk_blob_vet, one function
 * for both), and says it in one JSON document; the arch arguments both
 * refuse, and how.
 *
 *   - hostile blobs made from this build's gfx1100 code object: a program
 *     segment past the end, e_shstrndx >= e_shnum, a bundle entry id with
 *     four dashes, one with a control byte: crk_module_open says
 *     CRK_ERR_BAD_BLOB, crk-dump --arch gfx1100 exits 1 with "the loader
 *     refuses this blob" (never "loads (exact)"), and its JSON verdict is
 *     "refused";
 *   - crk-dump --arch '' / ',,,' / ' ' / bogus / sm_90 are usage errors
 *     (exit 2), a control byte in the argument is shown escaped;
 *   - crk_module_pick of "gfx1100\n", "bogus", "sm_90": CRK_ERR_INVALID_ARG;
 *     crk_device_arch of a runtime naming "gfx1100\x1b[2J": CRK_ERR_RUNTIME,
 *     the message escaped;
 *   - crk-dump --json of several files (one of them unreadable) is one
 *     document python3's json.load reads, with each --arch verdict;
 *   - a compressed bundle that claims more than the decompression cap
 *     (CRK_BLOB_MAX_INFLATED) is refused by both without inflating it.
 */
#include "candle_rocm_kernels.h"
#include "check.h"
#include "crk-dump/blob.h"
#include "fake_backend.h"
#include "rd.h"
#include "test_dump_util.h"

#include <stdint.h>

/* Writes v as n little-endian bytes at p. */
static void put_le(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* The loader's answer to crk_module_open(blob) (the module closed again). */
static crk_status open_status(const unsigned char *blob, size_t len) {
  crk_module *m = NULL;
  crk_status s = crk_module_open(blob, len, &m);
  if (s == CRK_OK) crk_module_close(m);
  return s;
}

/* Runs crk-dump OPTIONS FILE on the blob written to a scratch file. */
static int dump_blob(const char *options, const unsigned char *blob, size_t len, const char *name, char **out,
                     char **err) {
  char args[1024];
  const char *path = tmp_path(name);
  dump_write_file(path, blob, len);
  snprintf(args, sizeof args, "%s '%s'", options, path);
  return run_dump(args, out, err);
}

/* The loader's verdict and crk-dump's on one blob: both refuse it. */
static void both_refuse(const char *what, const unsigned char *blob, size_t len, const char *name) {
  char check[256];
  crk_status s = open_status(blob, len);
  snprintf(check, sizeof check, "loader: %s: CRK_ERR_BAD_BLOB", what);
  CHECK(s == CRK_ERR_BAD_BLOB, check, "%s: %s", crk_status_string(s), crk_last_error());

  char *out, *err;
  int rc = dump_blob("--arch gfx1100", blob, len, name, &out, &err);
  snprintf(check, sizeof check, "crk-dump --arch gfx1100: %s: exit 1, the loader refuses it", what);
  CHECK(rc == 1 && strstr(err, "the loader refuses this blob") && !strstr(out, "loads"), check,
        "exit %d; stdout %.300s; stderr %.400s", rc, out, err);
  free(out), free(err);
  rc = dump_blob("--json --arch gfx1100", blob, len, name, &out, &err);
  snprintf(check, sizeof check, "crk-dump --json --arch gfx1100: %s: verdict refused", what);
  CHECK(rc == 1 && strstr(out, "\"verdict\": \"refused\"") && strstr(out, "\"loader_refuses\": \""), check,
        "exit %d; stdout %.300s", rc, out);
  free(out), free(err);
}

static unsigned char *bundle_of(const char *id, const unsigned char *co, size_t co_len, size_t *len) {
  const char *ids[] = {"host-x86_64-unknown-linux-gnu-", id};
  const unsigned char *data[] = {NULL, co};
  size_t sizes[] = {0, co_len};
  return fake_bundle(2, ids, data, sizes, len);
}

static void hostile_blobs(const unsigned char *co, size_t n) {
  unsigned char *bad = malloc(n);
  if (!bad) abort();

  /* The untouched code object: both take it (the baseline of the rest). */
  {
    crk_status s = open_status(co, n);
    CHECK(s == CRK_OK, "loader: the gfx1100 code object opens", "%s", crk_last_error());
    char *out, *err;
    int rc = dump_blob("--arch gfx1100", co, n, "good.hsaco", &out, &err);
    CHECK(rc == 0 && strstr(out, "gfx1100 loads gfx1100 (exact)"), "crk-dump --arch gfx1100: the code object loads",
          "exit %d; %.300s %.300s", rc, out, err);
    free(out), free(err);
  }

  /* A program segment whose bytes run past the end of the file. */
  memcpy(bad, co, n);
  uint64_t phoff = rd_le(bad + 32, 8);
  unsigned phnum = (unsigned)rd_le(bad + 56, 2);
  CHECK(phnum > 0 && phoff + 56 <= n, "fixture: the code object has program headers", "phnum %u", phnum);
  if (phnum > 0 && phoff + 56 <= n) {
    put_le(bad + phoff + 8, n - 16, 8);  /* p_offset */
    put_le(bad + phoff + 32, 4096, 8);   /* p_filesz */
    both_refuse("a program segment past the end of the file", bad, n, "segment.hsaco");
  }

  /* The section name table's index not below the section count. */
  memcpy(bad, co, n);
  put_le(bad + 62, rd_le(bad + 60, 2), 2);
  both_refuse("e_shstrndx >= e_shnum", bad, n, "shstrndx.hsaco");

  /* Bundle entry ids the loader refuses. */
  size_t blen;
  unsigned char *b = bundle_of("hipv4-amdgcn-amd-amdhsa-gfx1100", co, n, &blen);
  both_refuse("a bundle entry id with four dashes", b, blen, "dashes.bundle");
  free(b);
  b = bundle_of("hipv4-amdgcn-amd\x1b-amdhsa--gfx1100", co, n, &blen);
  both_refuse("a bundle entry id with a control byte", b, blen, "binary.bundle");
  free(b);
  free(bad);
}

static void usage_errors(void) {
  static const struct { const char *arg, *what, *says; } cases[] = {
    {"''", "an empty --arch", "names no target ID"},
    {"',,,'", "--arch of commas", "names no target ID"},
    {"' '", "--arch of a space", "names no target ID"},
    {"bogus", "--arch bogus", "'bogus' is not a target ID"},
    {"sm_90", "--arch sm_90", "'sm_90' is not a target ID"},
    {"\"$(printf 'gfx1100\\033[2J')\"", "--arch with ESC", "'gfx1100\\x1b[2J' is not a target ID"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char args[1024], check[160], *out, *err;
    snprintf(args, sizeof args, "--arch %s '%s'", cases[i].arg, build_path("quantized.hsaco", NULL));
    int rc = run_dump(args, &out, &err);
    snprintf(check, sizeof check, "crk-dump: %s is a usage error (exit 2), said escaped", cases[i].what);
    CHECK(rc == 2 && strstr(err, cases[i].says) && !strchr(err, '\x1b'), check, "exit %d; stderr %.300s", rc, err);
    free(out), free(err);
  }
}

static void loader_args(const unsigned char *co, size_t n) {
  crk_module *m = NULL;
  if (crk_module_open(co, n, &m) != CRK_OK) {
    CHECK(0, "loader: the gfx1100 code object opens", "%s", crk_last_error());
    return;
  }
  static const char *const bad[] = {"gfx1100\n", "bogus", "sm_90", "gfx1100\x1b[2J", "gfx_1100", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char buf[64], check[160], shown[64];
    crk_match how;
    crk_status s = crk_module_pick(m, bad[i], buf, sizeof buf, &how);
    size_t k = 0;
    for (const char *p = bad[i]; *p && k + 5 < sizeof shown; p++)
      k += (size_t)snprintf(shown + k, sizeof shown - k, *p >= 0x20 && *p < 0x7f ? "%c" : "\\x%02x", (unsigned char)*p);
    shown[k] = '\0';
    snprintf(check, sizeof check, "loader: crk_module_pick(\"%s\") is CRK_ERR_INVALID_ARG, said escaped", shown);
    const char *msg = crk_last_error();
    CHECK(s == CRK_ERR_INVALID_ARG && !strchr(msg, '\n') && !strchr(msg, '\x1b'), check, "%s: %s",
          crk_status_string(s), msg);
  }
  char buf[64];
  crk_match how;
  crk_status s = crk_module_pick(m, "gfx1300", buf, sizeof buf, &how);
  CHECK(s == CRK_ERR_ARCH_MISSING, "loader: crk_module_pick(\"gfx1300\"), well formed but absent: ARCH_MISSING",
        "%s", crk_status_string(s));
  crk_module_close(m);

  /* A runtime whose arch name carries a terminal escape and a newline. */
  fake_reset(1, "gfx1100\x1b[2J\n");
  crk_backend_set(&fake_backend_amd);
  s = crk_device_arch(0, buf, sizeof buf);
  const char *msg = crk_last_error();
  CHECK(s == CRK_ERR_RUNTIME && strstr(msg, "gfx1100\\x1b[2J\\x0a") && !strchr(msg, '\x1b') && !strchr(msg, '\n'),
        "loader: crk_device_arch refuses a runtime arch name with ESC and newline, shown escaped", "%s: %s",
        crk_status_string(s), msg);
  crk_backend_set(NULL);
}

static void json_document(void) {
  /* Exit 2: the unreadable file (gfx803, absent, alone would be 1). */
  const char *doc_path = tmp_path("json.out");
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "'%s/tools/crk-dump' --json --arch gfx1100,gfx803 '%s' '%s' /nonexistent/blob >'%s' 2>/dev/null; "
           "test $? = 2 || exit 8; "
           "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
           "assert isinstance(d, list) and len(d) == 3, len(d); "
           "v=[[a[\"verdict\"] for a in f[\"arch_check\"]] for f in d[:2]]; "
           "assert v == [[\"exact\", \"none\"]] * 2, v; "
           "assert d[0][\"arch_check\"][0][\"loads\"] == [\"gfx1100\"], d[0][\"arch_check\"]; "
           "assert \"error\" in d[2] and d[2][\"file\"] == \"/nonexistent/blob\", d[2]' '%s'",
           build_dir(), build_path("quantized.hsaco", NULL), build_path("quantized.hsaco", NULL), doc_path, doc_path);
  int st = system(cmd);
  int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  size_t n;
  unsigned char *doc = dump_read_file(doc_path, &n);
  CHECK(rc == 0,
        "crk-dump --json of three files (one unreadable): one document json.load reads, with each --arch verdict",
        "exit %d (8: crk-dump's status was not 2); document %.400s", rc, doc ? (char *)doc : "none");
  free(doc);
}

/* A compressed bundle whose header claims more than the cap: refused from
 * the header, before any byte is inflated. */
static void inflate_cap(void) {
  size_t n;
  unsigned char *ccob = dump_read_file(build_path("test/dump-fixtures/quantized.ccob", NULL), &n);
  if (!ccob) {
    CHECK(0, "fixture: the compressed bundle", "cannot read it");
    return;
  }
  unsigned version = (unsigned)rd_le(ccob + 4, 2);
  /* The uncompressed size field: v2 at 12 (4 bytes), v3 at 16 (8 bytes). */
  if (version == 2) put_le(ccob + 12, CRK_BLOB_MAX_INFLATED + 1, 4);
  else put_le(ccob + 16, CRK_BLOB_MAX_INFLATED + 1, 8);
  crk_status s = open_status(ccob, n);
  CHECK(s == CRK_ERR_BAD_BLOB && strstr(crk_last_error(), "268435456-byte limit"),
        "loader: a compressed bundle claiming 256 MiB + 1 is refused (the cap)", "%s: %s", crk_status_string(s),
        crk_last_error());
  char *out, *err;
  int rc = dump_blob("", ccob, n, "big.ccob", &out, &err);
  CHECK(rc == 2 && strstr(err, "268435456-byte limit"), "crk-dump: the same compressed bundle is refused (the cap)",
        "exit %d; %.300s", rc, err);
  free(out), free(err);
  free(ccob);
}

int main(void) {
  size_t n;
  unsigned char *co = dump_read_file(build_path("gfx1100.hsaco", NULL), &n);
  if (!co) {
    SKIP("vet", "%s: this build has no gfx1100 code object (ARCH without gfx1100)", build_path("gfx1100.hsaco", NULL));
  } else {
    hostile_blobs(co, n);
    loader_args(co, n);
    free(co);
  }
  usage_errors();
  json_document();
  inflate_cap();
  dump_cleanup();
  CHECK_EXIT();
}
