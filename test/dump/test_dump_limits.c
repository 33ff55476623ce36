/* test_dump_limits.c: crk-dump's caps against hostile input, each of which
 * a small file could otherwise blow past: kernel and argument records per
 * code object and in all (a compressed bundle of a few kilobytes can list
 * millions of kernels), and the size of an input (/dev/zero never ends). */
#include "check.h"
#include "crk-dump/blob.h"
#include "test_dump_util.h"

#include <md5.h>
#include <stdint.h>
#include <zlib.h>

typedef struct {
  unsigned char *b;
  size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n) {
  if (o->n + n > o->cap) {
    size_t nc = o->cap ? o->cap : 4096;
    while (nc < o->n + n) nc *= 2;
    unsigned char *q = realloc(o->b, nc);
    if (!q) abort();
    o->b = q;
    o->cap = nc;
  }
  memcpy(o->b + o->n, p, n);
  o->n += n;
}
static void put_byte(buf *o, unsigned v) {
  unsigned char c = (unsigned char)v;
  put(o, &c, 1);
}
static void put_le(buf *o, uint64_t v, int n) {
  for (int i = 0; i < n; i++) put_byte(o, (unsigned)(v >> (8 * i)) & 0xff);
}
static void put_be32(buf *o, uint32_t v) {
  for (int i = 3; i >= 0; i--) put_byte(o, (v >> (8 * i)) & 0xff);
}
static void put_str(buf *o, const char *s) { /* msgpack str8 */
  put_byte(o, 0xd9);
  put_byte(o, (unsigned)strlen(s));
  put(o, s, strlen(s));
}

/* Metadata of `kernels` kernels named "k", each with `args` arguments. */
static void metadata(buf *o, uint32_t kernels, unsigned args) {
  put_byte(o, 0x82);
  put_str(o, "amdhsa.version");
  put_byte(o, 0x92), put_byte(o, 1), put_byte(o, 2);
  put_str(o, "amdhsa.kernels");
  put_byte(o, 0xdd), put_be32(o, kernels); /* array32 */
  for (uint32_t k = 0; k < kernels; k++) {
    put_byte(o, args ? 0x82 : 0x81);
    put_byte(o, 0xa5), put(o, ".name", 5), put_byte(o, 0xa1), put_byte(o, 'k');
    if (!args) continue;
    put_byte(o, 0xa5), put(o, ".args", 5), put_byte(o, 0x90 | args);
    for (unsigned a = 0; a < args; a++) {
      put_byte(o, 0x83);
      put_str(o, ".offset"), put_byte(o, 8 * a);
      put_str(o, ".size"), put_byte(o, 8);
      put_str(o, ".value_kind"), put_str(o, "by_value");
    }
  }
}

/* A gfx1100 code object v5 whose one PT_NOTE segment is that metadata. */
static void code_object(buf *o, uint32_t kernels, unsigned args) {
  buf md = {0};
  metadata(&md, kernels, args);
  size_t note_len = 12 + 8 + ((md.n + 3) & ~(size_t)3);
  o->n = 0;
  static const unsigned char ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 64 /* AMDHSA */, 3 /* v5 */};
  put(o, ident, 16);
  put_le(o, 3, 2), put_le(o, 224, 2), put_le(o, 1, 4);      /* ET_DYN, EM_AMDGPU, EV_CURRENT */
  put_le(o, 0, 8), put_le(o, 64, 8), put_le(o, 0, 8);       /* entry, phoff, shoff */
  put_le(o, 0x41, 4);                                       /* e_flags: gfx1100 */
  put_le(o, 64, 2), put_le(o, 56, 2), put_le(o, 1, 2);      /* ehsize, phentsize, phnum */
  put_le(o, 64, 2), put_le(o, 0, 2), put_le(o, 0, 2);       /* shentsize, shnum, shstrndx */
  put_le(o, 4, 4), put_le(o, 4, 4), put_le(o, 120, 8);      /* PT_NOTE, flags, offset */
  put_le(o, 0, 8), put_le(o, 0, 8), put_le(o, note_len, 8); /* vaddr, paddr, filesz */
  put_le(o, note_len, 8), put_le(o, 4, 8);                  /* memsz, align */
  put_le(o, 7, 4), put_le(o, md.n, 4), put_le(o, 32, 4);    /* NT_AMDGPU_METADATA */
  put(o, "AMDGPU\0\0", 8);
  put(o, md.b, md.n);
  while (o->n % 4) put_byte(o, 0);
  free(md.b);
}

/* An offload bundle of the host entry and n copies of one gfx1100 object. */
static void bundle(buf *o, const buf *co, int n) {
  static const char host[] = "host-x86_64-unknown-linux-gnu-";
  static const char dev[] = "hipv4-amdgcn-amd-amdhsa--gfx1100";
  o->n = 0;
  put(o, "__CLANG_OFFLOAD_BUNDLE__", 24);
  put_le(o, (uint64_t)n + 1, 8);
  size_t head = 32 + 24 + sizeof host - 1 + (size_t)n * (24 + sizeof dev - 1);
  put_le(o, head, 8), put_le(o, 0, 8), put_le(o, sizeof host - 1, 8), put(o, host, sizeof host - 1);
  for (int i = 0; i < n; i++) {
    put_le(o, head + (size_t)i * co->n, 8), put_le(o, co->n, 8), put_le(o, sizeof dev - 1, 8);
    put(o, dev, sizeof dev - 1);
  }
  for (int i = 0; i < n; i++) put(o, co->b, co->n);
}

/* A compressed bundle (CCOB v2, zlib) of an uncompressed one. */
static void ccob(buf *o, const buf *in) {
  uLongf clen = compressBound((uLong)in->n);
  unsigned char *c = malloc(clen);
  if (!c || compress2(c, &clen, in->b, (uLong)in->n, 1) != Z_OK) abort();
  unsigned char d[MD5_DIGEST_LENGTH];
  MD5_CTX md5;
  MD5Init(&md5);
  MD5Update(&md5, in->b, in->n);
  MD5Final(d, &md5);
  o->n = 0;
  put(o, "CCOB", 4);
  put_le(o, 2, 2), put_le(o, 0, 2);
  put_le(o, 24 + clen, 4), put_le(o, in->n, 4);
  put(o, d, 8);
  put(o, c, clen);
  free(c);
}

static int read_with(const buf *in, size_t per_object, size_t total, crk_blob *b, char *err, size_t n) {
  crk_blob_opts opts = {CRK_BLOB_MAX_UNCOMPRESSED, 0, total, per_object};
  err[0] = '\0';
  return crk_blob_read(b, in->b, in->n, &opts, err, n);
}

static void records_in_process(void) {
  buf co = {0}, bun = {0};
  crk_blob b;
  char err[1024];

  /* 3 kernels of 3 arguments: 12 records. */
  code_object(&co, 3, 3);
  int rc = read_with(&co, 12, 0, &b, err, sizeof err);
  CHECK(rc == 0 && b.nobjs == 1 && b.objs[0].co.nkernels == 3 && b.objs[0].co.kernels[2].nargs == 3 &&
            b.objs[0].co.records == 12,
        "limits: 12 records under a cap of 12 read, each counted", "%s", rc ? err : "wrong content");
  if (rc == 0) crk_blob_free(&b);
  rc = read_with(&co, 11, 0, &b, err, sizeof err);
  CHECK(rc != 0 && strstr(err, "more than 11 kernel and argument records in one code object"),
        "limits: 12 records over a per-object cap of 11 fail, arguments counted", "%s", rc ? err : "read");

  /* Two such objects in a bundle: 24 records in all. */
  bundle(&bun, &co, 2);
  rc = read_with(&bun, 0, 24, &b, err, sizeof err);
  CHECK(rc == 0 && b.nobjs == 2, "limits: 24 records in all under a cap of 24 read", "%s", rc ? err : "wrong");
  if (rc == 0) crk_blob_free(&b);
  rc = read_with(&bun, 0, 23, &b, err, sizeof err);
  CHECK(rc != 0 && strstr(err, "more than 23 kernel and argument records in all") && strstr(err, "entry 2"),
        "limits: 24 records over a total cap of 23 fail, naming the entry", "%s", rc ? err : "read");
  free(co.b);
  free(bun.b);
}

/* The reported case: a small compressed bundle listing more kernels than
 * the default cap. Before the cap, crk-dump took memory ~18 times the
 * metadata's size and exited 0. */
static void records_cli(void) {
  buf co = {0}, bun = {0}, cc = {0};
  code_object(&co, (uint32_t)CRK_CODEOBJ_MAX_RECORDS + 1, 0);
  bundle(&bun, &co, 1);
  ccob(&cc, &bun);
  const char *path = tmp_path("many-kernels.ccob");
  char args[1024], *out, *err;
  CHECK(cc.n < bun.n / 100 && dump_write_file(path, cc.b, cc.n) == 0, "limits: a small CCOB listing 2^20+1 kernels",
        "%zu bytes compressed from %zu", cc.n, bun.n);
  snprintf(args, sizeof args, "'%s'", path);
  int rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "many-kernels.ccob") && strstr(err, "kernel and argument records") && !*out,
        "limits: crk-dump refuses it with exit 2 and says why", "exit %d, stderr %.400s", rc, err);
  free(out), free(err);

  /* --max-records lowers the cap on all records. */
  code_object(&co, 5, 0);
  path = tmp_path("five.hsaco");
  dump_write_file(path, co.b, co.n);
  snprintf(args, sizeof args, "--max-records 4 '%s'", path);
  rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "more than 4 kernel and argument records in all"),
        "limits: --max-records 4 refuses 5 kernels", "exit %d, stderr %.400s", rc, err);
  free(out), free(err);
  snprintf(args, sizeof args, "--symbols --max-records 5 '%s'", path);
  rc = run_dump(args, &out, &err);
  CHECK(rc == 0 && strcmp(out, "k\nk\nk\nk\nk\n") == 0, "limits: --max-records 5 reads them", "exit %d, %s %s", rc,
        out, err);
  free(out), free(err);
  free(co.b), free(bun.b), free(cc.b);
}

static void input_size(void) {
  char args[1024], *out, *err;
  int rc = run_dump("--max-input 1M /dev/zero", &out, &err);
  CHECK(rc == 2 && strstr(err, "/dev/zero: larger than the 1048576-byte input limit (--max-input)"),
        "limits: /dev/zero stops at --max-input", "exit %d, stderr %.300s", rc, err);
  free(out), free(err);

  /* The limit is inclusive: a file of exactly that size is read. */
  buf co = {0};
  code_object(&co, 1, 0);
  const char *path = tmp_path("one.hsaco");
  dump_write_file(path, co.b, co.n);
  snprintf(args, sizeof args, "--symbols --max-input %zu '%s'", co.n, path);
  rc = run_dump(args, &out, &err);
  CHECK(rc == 0 && strcmp(out, "k\n") == 0, "limits: a file of exactly --max-input bytes is read", "exit %d, %s",
        rc, err);
  free(out), free(err);
  snprintf(args, sizeof args, "--max-input %zu - < '%s'", co.n - 1, path);
  rc = run_dump(args, &out, &err);
  CHECK(rc == 2 && strstr(err, "input limit"), "limits: one byte over, from stdin, is refused", "exit %d, %s", rc,
        err);
  free(out), free(err);
  free(co.b);

  static const char *const bad[] = {"--max-input 0", "--max-input 12Q", "--max-input -1", "--max-records x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(args, sizeof args, "%s /dev/null", bad[i]);
    rc = run_dump(args, &out, &err);
    char what[96];
    snprintf(what, sizeof what, "limits: '%s' is a usage error", bad[i]);
    CHECK(rc == 2 && strstr(err, "wants a"), what, "exit %d, %s", rc, err);
    free(out), free(err);
  }

  rc = run_dump("--help", &out, &err);
  CHECK(rc == 0 && strstr(out, "--max-input SIZE") && strstr(out, "default 4096M") && strstr(out, "--max-records N"),
        "limits: --help documents both limits and their defaults", "exit %d", rc);
  free(out), free(err);
}

int main(void) {
  records_in_process();
  records_cli();
  input_size();
  dump_cleanup();
  CHECK_EXIT();
}
