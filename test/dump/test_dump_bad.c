/* test_dump_bad.c: bad input gives a clear error, never a crash, a hang or
 * an out-of-bounds read (this program runs under ASan and UBSan): truncated
 * files of every format at every length, headers that lie about offsets,
 * sizes and counts (up to entry counts in the billions and compressed
 * sizes in the terabytes), malformed ELF and malformed metadata; then the
 * program itself exits 2 naming the file and the fault. */
#include "check.h"
#include "crk-dump/blob.h"
#include "crk-dump/metadata.h"
#include "test_dump_util.h"

static char last_err[1024];

/* Reads data; 0 when it parsed, -1 when it failed with a message. A
 * failure without a message is reported as a failure of the check. */
static int try_read(const unsigned char *data, size_t len) {
  crk_blob b;
  last_err[0] = '\0';
  if (crk_blob_read(&b, data, len, NULL, last_err, sizeof last_err) == 0) {
    crk_blob_free(&b);
    return 0;
  }
  return last_err[0] ? -1 : -2;
}

/* The read of data must fail with a message containing `want`. */
static void expect_error(const char *what, const unsigned char *data, size_t len, const char *want) {
  int rc = try_read(data, len);
  CHECK(rc == -1 && strstr(last_err, want) != NULL, what, "%s (want an error saying '%s')",
        rc == 0 ? "read without error" : last_err, want);
}

/* Every truncation of data (every length when short, else every length up
 * to 4096 and then every 61st) fails with a message and no crash. */
static void truncations(const char *label, const unsigned char *data, size_t len) {
  size_t tried = 0, bad = 0, first_bad = 0;
  for (size_t n = 0; n < len; n += n < 4096 ? 1 : 61) {
    tried++;
    if (try_read(data, n) != -1 && bad++ == 0) first_bad = n;
  }
  char what[160];
  snprintf(what, sizeof what, "bad: %s truncated at %zu lengths: each an error with a reason", label, tried);
  CHECK(bad == 0, what, "%zu lengths read without error or without a reason, first %zu of %zu", bad, first_bad, len);
}

static void put_le(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint64_t get_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* A copy of data with n bytes at off replaced by the little-endian v. */
static unsigned char *patched(const unsigned char *data, size_t len, size_t off, uint64_t v, int n) {
  unsigned char *c = malloc(len);
  memcpy(c, data, len);
  put_le(c + off, v, n);
  return c;
}

static void expect_patched(const char *what, const unsigned char *data, size_t len, size_t off, uint64_t v,
                           int n, const char *want) {
  unsigned char *c = patched(data, len, off, v, n);
  expect_error(what, c, len, want);
  free(c);
}

/* Offset of the first bundle entry's header fields (after magic and count). */
enum { E0 = 32 };

static void bundle_lies(const unsigned char *bundle, size_t len) {
  expect_patched("bad: bundle claiming 2^40 entries", bundle, len, 24, UINT64_C(1) << 40, 8, "entries");
  expect_patched("bad: bundle claiming a billion entries", bundle, len, 24, 1000000000, 8, "entries");
  expect_patched("bad: bundle claiming 2^64-1 entries", bundle, len, 24, UINT64_MAX, 8, "entries");
  expect_patched("bad: bundle entry offset past the end", bundle, len, E0, len + 1, 8, "outside");
  expect_patched("bad: bundle entry offset 2^64-1", bundle, len, E0, UINT64_MAX, 8, "outside");
  expect_patched("bad: bundle entry size past the end", bundle, len, E0 + 8, len, 8, "outside");
  expect_patched("bad: bundle entry size 2^64-1", bundle, len, E0 + 8, UINT64_MAX, 8, "outside");
  expect_patched("bad: bundle entry id length 2^63", bundle, len, E0 + 16, UINT64_C(1) << 63, 8, "past the end");

  /* The second entry (the first code object) laid over the third. */
  size_t id0 = (size_t)get_le(bundle + E0 + 16, 8);
  size_t e1 = E0 + 24 + id0, id1 = (size_t)get_le(bundle + e1 + 16, 8), e2 = e1 + 24 + id1;
  if (get_le(bundle + 24, 8) >= 3) {
    expect_patched("bad: bundle entries that overlap", bundle, len, e2, get_le(bundle + e1, 8), 8, "overlap");
    /* An entry whose bytes are the bundle header: not a code object. */
    unsigned char *c = patched(bundle, len, e1, 0, 8);
    put_le(c + e1 + 8, 64, 8);
    expect_error("bad: bundle entry that is not a code object", c, len, "not an AMDGPU code object");
    free(c);
    /* The id of entry 1 names another processor than its code object. */
    c = patched(bundle, len, 0, bundle[0], 1);
    char *id = (char *)c + e1 + 24;
    char *gfx = NULL;
    for (size_t i = 0; i + 6 <= id1 && !gfx; i++)
      if (!memcmp(id + i, "--gfx", 5)) gfx = id + i;
    if (gfx) {
      gfx[5] = gfx[5] == '9' ? '8' : '9'; /* gfx906 -> gfx806, gfx1100 -> gfx9100 */
      expect_error("bad: bundle entry id naming another processor than its e_flags", c, len, "e_flags");
    }
    free(c);
  }
}

static void ccob_lies(const unsigned char *ccob, size_t len) {
  /* v2 layout (the bundler's): magic, u16 version, u16 method, u32 total,
   * u32 uncompressed size, u64 hash. */
  uint64_t usize = get_le(ccob + 12, 4);
  expect_patched("bad: compressed bundle version 4", ccob, len, 4, 4, 2, "version");
  expect_patched("bad: compressed bundle version 0", ccob, len, 4, 0, 2, "version");
  expect_patched("bad: compressed bundle method 7", ccob, len, 6, 7, 2, "method");
  expect_patched("bad: compressed bundle total size past the end", ccob, len, 8, len + 1, 4, "claims");
  expect_patched("bad: compressed bundle total size below its header", ccob, len, 8, 3, 4, "header");
  expect_patched("bad: compressed bundle uncompressed size one short", ccob, len, 12, usize - 1, 4, "more than");
  expect_patched("bad: compressed bundle uncompressed size one over", ccob, len, 12, usize + 1, 4, "header says");
  expect_patched("bad: compressed bundle hash altered", ccob, len, 16, get_le(ccob + 16, 8) ^ 1, 8, "hash");
  /* As v3 with a terabyte claimed: refused before any allocation. */
  unsigned char *c = malloc(len + 8);
  memcpy(c, ccob, 8);
  put_le(c + 4, 3, 2);
  put_le(c + 8, len + 8, 8);
  put_le(c + 16, UINT64_C(1) << 40, 8);
  memcpy(c + 24, ccob + 16, len - 16);
  expect_error("bad: compressed bundle v3 claiming a terabyte", c, len + 8, "limit");
  free(c);
  /* Damaged compressed data. */
  c = patched(ccob, len, 24 + (len - 24) / 2, ccob[24 + (len - 24) / 2] ^ 0x5a, 1);
  int rc = try_read(c, len);
  CHECK(rc == -1 && (strstr(last_err, "zstd") || strstr(last_err, "zlib") || strstr(last_err, "hash") ||
                     strstr(last_err, "decompresses")),
        "bad: compressed bundle with a damaged byte", "%s", rc == 0 ? "read without error" : last_err);
  free(c);
}

/* The offset of the first AMDGPU metadata note header (namesz 7, type 32)
 * at or after `from`, or 0. */
static size_t find_md_note_from(const unsigned char *co, size_t len, size_t from) {
  for (size_t i = from; i + 20 <= len; i += 4)
    if (get_le(co + i, 4) == 7 && get_le(co + i + 8, 4) == 32 && !memcmp(co + i + 12, "AMDGPU", 7)) return i;
  return 0;
}

static size_t find_md_note(const unsigned char *co, size_t len) {
  for (size_t i = 0; i + 20 <= len; i += 4)
    if (get_le(co + i, 4) == 7 && get_le(co + i + 8, 4) == 32 && !memcmp(co + i + 12, "AMDGPU", 7)) return i;
  return 0;
}

static void elf_lies(const unsigned char *co, size_t len) {
  expect_patched("bad: ELF section table offset past the end", co, len, 40, len, 8, "section header table");
  expect_patched("bad: ELF section table offset 2^64-1", co, len, 40, UINT64_MAX, 8, "section header table");
  expect_patched("bad: ELF section count 65535", co, len, 60, 0xffff, 2, "runs past");
  expect_patched("bad: ELF section entry size 1", co, len, 58, 1, 2, "section header size");
  expect_patched("bad: ELF program header count 65520", co, len, 56, 0xfff0, 2, "program header");
  expect_patched("bad: ELF OS ABI not HSA", co, len, 7, 0, 1, "OS ABI");
  expect_patched("bad: ELF ABI version 9", co, len, 8, 9, 1, "ABI version");
  expect_patched("bad: big-endian ELF", co, len, 5, 2, 1, "little-endian");
  /* Every section header's offset pointed past the end, one at a time. */
  uint64_t shoff = get_le(co + 40, 8);
  unsigned shnum = (unsigned)get_le(co + 60, 2);
  int all = 1;
  for (unsigned i = 1; i < shnum; i++) {
    unsigned char *c = patched(co, len, shoff + 64 * i + 24, UINT64_C(0xfffffffffff0), 8);
    uint32_t type = (uint32_t)get_le(co + shoff + 64 * i + 4, 4);
    if (type != 8 && try_read(c, len) != -1) all = 0; /* NOBITS has no file bytes */
    free(c);
  }
  CHECK(all, "bad: ELF section offsets past the end, each section in turn", "one read without error");
  size_t note = find_md_note(co, len);
  CHECK(note != 0, "bad: the metadata note is found in the code object", "no AMDGPU note");
  if (!note) return;
  expect_patched("bad: metadata note name size 2^32-1", co, len, note, 0xffffffff, 4, "runs past");
  expect_patched("bad: metadata note data size 2^32-1", co, len, note + 4, 0xffffffff, 4, "runs past");
  /* Every metadata note (one per linked object) retyped: none left. */
  unsigned char *c = patched(co, len, note + 8, 33, 4);
  for (size_t at = note + 4; (at = find_md_note_from(c, len, at)) != 0; at += 4) put_le(c + at + 8, 33, 4);
  expect_error("bad: metadata notes of another type", c, len, "no AMDGPU metadata note");
  free(c);
  /* The msgpack's top map (first byte 0x8N) turned into an array. */
  expect_patched("bad: metadata that is not a map", co, len, note + 20, 0x93, 1, "not a msgpack map");
  expect_patched("bad: metadata with an invalid msgpack byte", co, len, note + 20, 0xc1, 1, "not a valid type");
}

/* A tiny msgpack writer for hand-made metadata. */
typedef struct { unsigned char b[1 << 20]; size_t n; } mp_buf;
static void mp_byte(mp_buf *m, unsigned v) { if (m->n < sizeof m->b) m->b[m->n++] = (unsigned char)v; }
static void mp_be(mp_buf *m, uint64_t v, int n) { for (int i = n - 1; i >= 0; i--) mp_byte(m, (unsigned)(v >> (8 * i)) & 0xff); }
static void mp_str(mp_buf *m, const char *s) {
  size_t n = strlen(s);
  mp_byte(m, 0xd9);
  mp_byte(m, (unsigned)n);
  for (size_t i = 0; i < n; i++) mp_byte(m, (unsigned char)s[i]);
}
static void mp_uint(mp_buf *m, uint64_t v) { mp_byte(m, 0xcf); mp_be(m, v, 8); }

/* {"amdhsa.version": [1, 2], "amdhsa.kernels": [KERNEL]} with KERNEL's
 * pairs written by the caller after this. */
static void md_head(mp_buf *m, unsigned kernel_pairs) {
  m->n = 0;
  mp_byte(m, 0x82);
  mp_str(m, "amdhsa.version");
  mp_byte(m, 0x92); mp_byte(m, 1); mp_byte(m, 2);
  mp_str(m, "amdhsa.kernels");
  mp_byte(m, 0x91);
  mp_byte(m, 0x80 | kernel_pairs);
}

static void expect_md_error(const char *what, const mp_buf *m, const char *want) {
  crk_codeobj co;
  memset(&co, 0, sizeof co);
  char err[1024] = "";
  int rc = crk_metadata_parse(&co, m->b, m->n, CRK_CODEOBJ_MAX_RECORDS, err, sizeof err);
  CHECK(rc != 0 && strstr(err, want) && !co.kernels && !co.md_target, what, "%s (want '%s')",
        rc == 0 ? "parsed without error" : err, want);
  if (rc == 0) crk_codeobj_free(&co);
}

static void metadata_lies(void) {
  static mp_buf m;
  crk_codeobj co;
  char err[1024];

  md_head(&m, 2);
  mp_str(&m, ".name"); mp_str(&m, "k");
  mp_str(&m, ".sgpr_count"); mp_uint(&m, 7);
  memset(&co, 0, sizeof co);
  int rc = crk_metadata_parse(&co, m.b, m.n, CRK_CODEOBJ_MAX_RECORDS, err, sizeof err);
  CHECK(rc == 0 && co.nkernels == 1 && co.kernels[0].sgpr == 7 && co.kernels[0].vgpr == CRK_ABSENT,
        "bad: hand-made metadata parses (the writer is right)", "%s", rc ? err : "wrong values");
  if (rc == 0) crk_codeobj_free(&co);

  md_head(&m, 1);
  mp_str(&m, ".sgpr_count"); mp_uint(&m, 7);
  expect_md_error("bad: metadata kernel without .name", &m, "no .name");

  md_head(&m, 2);
  mp_str(&m, ".name"); mp_str(&m, "k");
  mp_str(&m, ".sgpr_count"); mp_str(&m, "seven");
  expect_md_error("bad: metadata .sgpr_count as a string", &m, "not a non-negative integer");

  md_head(&m, 2);
  mp_str(&m, ".name"); mp_str(&m, "k");
  mp_str(&m, ".vgpr_count"); mp_byte(&m, 0xff); /* -1 */
  expect_md_error("bad: metadata negative .vgpr_count", &m, "not a non-negative integer");

  md_head(&m, 2);
  mp_str(&m, ".name"); mp_str(&m, "k");
  mp_str(&m, ".args"); mp_byte(&m, 0x91); mp_byte(&m, 0x82);
  mp_str(&m, ".offset"); mp_byte(&m, 0);
  mp_str(&m, ".value_kind"); mp_str(&m, "by_value");
  expect_md_error("bad: metadata argument without .size", &m, "lacks .size");

  md_head(&m, 1);
  m.n--; /* replace the kernel map by a map32 claiming 2^32-1 pairs */
  mp_byte(&m, 0xdf); mp_be(&m, 0xffffffff, 4);
  expect_md_error("bad: metadata map claiming 2^32-1 pairs", &m, "claims");

  md_head(&m, 1);
  m.n--;
  mp_byte(&m, 0xdd); mp_be(&m, 0xffffffff, 4);
  expect_md_error("bad: metadata array claiming 2^32-1 elements", &m, "claims");

  md_head(&m, 1);
  mp_byte(&m, 0xdb); mp_be(&m, 0xffffffff, 4); /* str32 of 4 GiB as a key */
  expect_md_error("bad: metadata string claiming 4 GiB", &m, "needs");

  /* 200000 nested arrays under an unknown key: skipped without recursion. */
  md_head(&m, 2);
  mp_str(&m, ".name"); mp_str(&m, "k");
  mp_str(&m, ".unknown");
  for (int i = 0; i < 200000; i++) mp_byte(&m, 0x91);
  mp_byte(&m, 0xc0);
  memset(&co, 0, sizeof co);
  rc = crk_metadata_parse(&co, m.b, m.n, CRK_CODEOBJ_MAX_RECORDS, err, sizeof err);
  CHECK(rc == 0 && co.nkernels == 1, "bad: metadata nested 200000 deep is skipped", "%s", rc ? err : "wrong");
  if (rc == 0) crk_codeobj_free(&co);

  /* The same, cut short: an error, not a crash. */
  m.n -= 1000;
  expect_md_error("bad: metadata nested 200000 deep, truncated", &m, "msgpack");

  m.n = 0;
  mp_byte(&m, 0x81);
  mp_str(&m, "amdhsa.kernels");
  mp_byte(&m, 0x90);
  expect_md_error("bad: metadata without amdhsa.version", &m, "amdhsa.version");
}

/* Deterministic random damage: bytes overwritten, runs zeroed or set to
 * 0xff, lengths cut. Every read ends in a result or an error with a reason. */
static void mutations(const char *label, const unsigned char *data, size_t len, size_t span, int rounds) {
  /* Edits land in the first `span` bytes (headers, the first entries);
   * every read is of the whole length. */
  uint64_t s = 0x9e3779b97f4a7c15u ^ len;
  unsigned char *c = malloc(len);
  int silent = 0, ok_reads = 0;
  for (int r = 0; r < rounds; r++) {
    memcpy(c, data, len);
    int edits = 1 + r % 4;
    size_t n = len;
    for (int e = 0; e < edits; e++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      size_t at = (size_t)(s % span);
      switch ((s >> 32) % 4) {
      case 0: c[at] = (unsigned char)(s >> 40); break;
      case 1: memset(c + at, 0xff, len - at < 8 ? len - at : 8); break;
      case 2: memset(c + at, 0, len - at < 8 ? len - at : 8); break;
      default: n = at; break;
      }
    }
    int rc = try_read(c, n);
    if (rc == -2) silent++;
    if (rc == 0) ok_reads++;
  }
  free(c);
  char what[160];
  snprintf(what, sizeof what, "bad: %s damaged %d ways: no crash, every error with a reason (%d still read)",
           label, rounds, ok_reads);
  CHECK(silent == 0, what, "%d errors without a reason", silent);
}

/* The program: exit 2 and a message naming the file. */
static void cli(const unsigned char *co, size_t len) {
  const char *trunc = tmp_path("truncated.hsaco");
  dump_write_file(trunc, co, len / 2);
  char args[1024], *out, *err;
  snprintf(args, sizeof args, "'%s'", trunc);
  int rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, trunc) && strstr(err, "ELF"), "bad: crk-dump on a truncated code object exits 2 naming the file",
        "exit %d, stderr: %s", rc, err);
  free(out), free(err);

  snprintf(args, sizeof args, "'%s'", tmp_path("no-such-file"));
  rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "no-such-file") && strstr(err, "cannot open"),
        "bad: crk-dump on a missing file exits 2", "exit %d, stderr: %s", rc, err);
  free(out), free(err);

  snprintf(args, sizeof args, "'%s'", dump_tmpdir());
  rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "cannot read"), "bad: crk-dump on a directory exits 2", "exit %d, stderr: %s", rc, err);
  free(out), free(err);

  const char *empty = tmp_path("empty");
  dump_write_file(empty, "", 0);
  snprintf(args, sizeof args, "'%s'", empty);
  rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "empty"), "bad: crk-dump on an empty file exits 2", "exit %d, stderr: %s", rc, err);
  free(out), free(err);

  const char *text = tmp_path("text");
  dump_write_file(text, "hello\n", 6);
  snprintf(args, sizeof args, "--arch gfx90a '%s'", text);
  rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "not a code object") && strstr(err, "68 65 6c 6c"),
        "bad: crk-dump on a text file exits 2 saying what it starts with", "exit %d, stderr: %s", rc, err);
  free(out), free(err);
}

int main(void) {
  size_t co_len, bundle_len, ccob_len, host_len;
  char archs[64][32];
  int narchs = built_archs(archs, 64);
  unsigned char *co = narchs > 0 ? dump_read_file(build_path("%s.hsaco", archs[0]), &co_len) : NULL;
  unsigned char *bundle = dump_read_file(build_path("quantized.hsaco", NULL), &bundle_len);
  unsigned char *ccob = dump_read_file(build_path("test/dump-fixtures/quantized.ccob", NULL), &ccob_len);
  unsigned char *host = dump_read_file(build_path("test/dump-fixtures/hip_host_ccob.elf", NULL), &host_len);
  if (!co || !bundle || !ccob || !host) {
    CHECK(0, "bad: the build's blobs and fixtures", "missing under %s", build_dir());
    free(co), free(bundle), free(ccob), free(host);
    CHECK_EXIT();
  }
  CHECK(try_read(co, co_len) == 0 && try_read(bundle, bundle_len) == 0 && try_read(ccob, ccob_len) == 0 &&
            try_read(host, host_len) == 0,
        "bad: the undamaged inputs read", "%s", last_err);

  static const unsigned char junk[] = "this is not a blob";
  expect_error("bad: empty input", junk, 0, "empty");
  expect_error("bad: text input", junk, sizeof junk, "not a code object");
  expect_error("bad: a bare bundle magic", (const unsigned char *)CRK_BUNDLE_MAGIC, 24, "truncated");
  expect_error("bad: a bare compressed bundle magic", (const unsigned char *)"CCOB", 4, "truncated");

  truncations("code object", co, co_len);
  truncations("offload bundle", bundle, bundle_len);
  truncations("compressed bundle", ccob, ccob_len);
  truncations("host object with a compressed bundle", host, host_len);
  bundle_lies(bundle, bundle_len);
  ccob_lies(ccob, ccob_len);
  elf_lies(co, co_len);
  metadata_lies();
  mutations("code object", co, co_len, co_len, 2000);
  mutations("offload bundle", bundle, bundle_len, bundle_len < 16384 ? bundle_len : 16384, 300);
  mutations("host object", host, host_len, host_len, 2000);
  cli(co, co_len);

  free(co), free(bundle), free(ccob), free(host);
  dump_cleanup();
  CHECK_EXIT();
}
