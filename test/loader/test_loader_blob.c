/* test_loader_blob.c: the loader vets blobs on the host, before any runtime:
 * bundle entries, AMD target IDs with features, cubins, fatbins, PTX, and
 * truncated or corrupt bytes, each rejected with a message that says why. */
#include "check.h"
#include "fake_backend.h"

#include "../lib/module_blob.h"
#include "bundle.h"
#include "../lib/elf_check.h"
#include "candle_rocm_kernels.h"

#include <stdlib.h>
#include <string.h>

/* The target ID an ELF's e_flags name (format/target_pick.h's decoder). */
static int elf_target(const unsigned char *p, size_t n, char *buf, size_t len) {
  crk_flags_target t;
  int rc = crk_flags_target_of_elf(p, n, &t);
  snprintf(buf, len, "%s", t.text);
  return rc;
}

/* EF_AMDGPU_MACH values and v4 feature bits used below. */
#define MACH_GFX906 0x2f
#define MACH_GFX90A 0x3f
#define MACH_GFX942 0x4c
#define MACH_GFX1100 0x41
#define XNACK_ANY 0x100
#define XNACK_OFF 0x200
#define XNACK_ON 0x300
#define SRAMECC_ANY 0x400
#define SRAMECC_OFF 0x800
#define SRAMECC_ON 0xc00

static char err[1024];

/* Opens a blob and returns the status; *msg gets crk_last_error(). */
static crk_status try_open(const void *p, size_t n, const char **msg) {
  crk_module *m = NULL;
  crk_status s = crk_module_open(p, n, &m);
  *msg = crk_last_error();
  if (s == CRK_OK) crk_module_close(m);
  return s;
}

static int contains(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

static void test_quantized(void) {
  crk_ldr_blob b;
  crk_status s = crk_ldr_blob_inspect(QUANTIZED, QUANTIZED_LEN, &b, err, sizeof err);
  if (!crk_is_bundle(QUANTIZED, QUANTIZED_LEN)) {
    CHECK(s == CRK_OK && (b.kind == CRK_LDR_BLOB_CUDA_ELF || b.kind == CRK_LDR_BLOB_CUDA_FATBIN) &&
          strcmp(b.targets[0].target, QUANTIZED_ARCHS[0].arch) == 0,
          "QUANTIZED (NVIDIA build) is a cubin or fatbin of QUANTIZED_ARCHS[0]", "%s: %s",
          crk_status_string(s), s == CRK_OK ? b.targets[0].target : err);
    if (s == CRK_OK) crk_ldr_blob_free(&b);
    return;
  }
  CHECK(s == CRK_OK && b.kind == CRK_LDR_BLOB_AMD_BUNDLE, "QUANTIZED is an AMD offload bundle", "%s: %s",
        crk_status_string(s), err);
  if (s != CRK_OK) return;
  int same = b.count == QUANTIZED_ARCH_COUNT;
  for (size_t i = 0; same && i < b.count; i++)
    same = strcmp(b.targets[i].target, QUANTIZED_ARCHS[i].arch) == 0 &&
           b.targets[i].image == QUANTIZED_ARCHS[i].data && b.targets[i].size == QUANTIZED_ARCHS[i].size;
  CHECK(same, "QUANTIZED: targets, images and sizes equal QUANTIZED_ARCHS", "%zu targets, %zu in QUANTIZED_ARCHS",
        b.count, (size_t)QUANTIZED_ARCH_COUNT);

  /* Each code object names its processor in e_flags: it must agree. */
  int agree = 1;
  for (size_t i = 0; agree && i < b.count; i++) {
    char t[64];
    agree = elf_target(b.targets[i].image, b.targets[i].size, t, sizeof t) == 0 &&
            strncmp(t, b.targets[i].tid.processor, strlen(b.targets[i].tid.processor)) == 0;
  }
  CHECK(agree, "QUANTIZED: each code object's e_flags processor matches its bundle entry", "mismatch");

  /* crk_module_archs lists them, space-separated. */
  char want[1024] = "", got[1024];
  for (size_t i = 0; i < QUANTIZED_ARCH_COUNT; i++) {
    if (i) strcat(want, " ");
    strcat(want, QUANTIZED_ARCHS[i].arch);
  }
  crk_module *m;
  s = crk_module_open(QUANTIZED, QUANTIZED_LEN, &m);
  CHECK(s == CRK_OK, "crk_module_open(QUANTIZED) needs no GPU", "%s", crk_last_error());
  if (s == CRK_OK) {
    s = crk_module_archs(m, got, sizeof got);
    CHECK(s == CRK_OK && strcmp(got, want) == 0, "crk_module_archs lists the bundle's archs", "got '%s', want '%s'",
          got, want);
    char small[5];
    s = crk_module_archs(m, small, sizeof small);
    CHECK(s == CRK_ERR_INVALID_ARG && contains(crk_last_error(), "need") && strlen(small) < sizeof small,
          "crk_module_archs: a small buffer is an error that says how much is needed", "%s: %s",
          crk_status_string(s), crk_last_error());
    crk_module_close(m);
  }

  /* The kernel descriptor symbol is how the loader checks names. */
  int has = crk_elf_has_dynsym(b.targets[0].image, b.targets[0].size, "quantize_q8_1.kd");
  int hasnt = crk_elf_has_dynsym(b.targets[0].image, b.targets[0].size, "quantize_q8_2.kd");
  CHECK(has == 1 && hasnt == 0, "code object dynamic symbols: quantize_q8_1.kd found, quantize_q8_2.kd not",
        "found %d, %d", has, hasnt);
  crk_ldr_blob_free(&b);
}

/* Truncations anywhere are rejected, never read past the end (ASan). */
static void test_truncated(void) {
  if (!crk_is_bundle(QUANTIZED, QUANTIZED_LEN)) return;
  const size_t cuts[] = {1, 10, 24, 31, 40, 100, QUANTIZED_LEN / 2, QUANTIZED_LEN - 1};
  int all = 1;
  char why[256] = "";
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    /* A copy of exactly the cut length, so ASan sees any read past it. */
    unsigned char *p = malloc(cuts[i]);
    memcpy(p, QUANTIZED, cuts[i]);
    const char *msg;
    crk_status s = try_open(p, cuts[i], &msg);
    if (s != CRK_ERR_BAD_BLOB || !*msg) {
      all = 0;
      snprintf(why, sizeof why, "cut at %zu: %s '%s'", cuts[i], crk_status_string(s), msg);
    }
    free(p);
  }
  CHECK(all, "QUANTIZED cut short anywhere is CRK_ERR_BAD_BLOB", "%s", why);

  /* A single code object cut short: its section headers run past the end. */
  size_t n = QUANTIZED_ARCHS[0].size - 1;
  unsigned char *p = malloc(n);
  memcpy(p, QUANTIZED_ARCHS[0].data, n);
  const char *msg;
  crk_status s = try_open(p, n, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "truncated"), "a code object cut short is rejected as truncated",
        "%s: %s", crk_status_string(s), msg);
  free(p);

  /* The whole one loads (no GPU needed to open). */
  s = try_open(QUANTIZED_ARCHS[0].data, QUANTIZED_ARCHS[0].size, &msg);
  CHECK(s == CRK_OK, "a single AMDGPU code object opens", "%s", msg);
}

static void test_corrupt_bundles(void) {
  size_t el, l;
  unsigned char *elf = fake_amd_elf(MACH_GFX90A, XNACK_ANY | SRAMECC_ANY, &el);
  const char *ids[] = {"host-x86_64-unknown-linux-gnu-", "hipv4-amdgcn-amd-amdhsa--gfx90a"};
  const unsigned char *data[] = {NULL, elf};
  size_t sizes[] = {0, el};
  unsigned char *b = fake_bundle(2, ids, data, sizes, &l);
  const char *msg;
  crk_status s = try_open(b, l, &msg);
  CHECK(s == CRK_OK, "synthetic bundle (host + gfx90a) opens", "%s", msg);

  /* Entry offset past the end. */
  unsigned char *c = malloc(l);
  memcpy(c, b, l);
  size_t e1 = 32 + 24 + strlen(ids[0]); /* second entry header */
  c[e1 + 0] = 0xff, c[e1 + 1] = 0xff, c[e1 + 2] = 0xff;
  s = try_open(c, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "gfx90a") && contains(msg, "outside"),
        "bundle entry outside the buffer: rejected, entry named", "%s: %s", crk_status_string(s), msg);
  /* An entry count no buffer could hold. */
  memcpy(c, b, l);
  c[24 + 6] = 0x7f;
  s = try_open(c, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "entries"), "absurd bundle entry count: rejected", "%s: %s",
        crk_status_string(s), msg);
  /* An id length running past the end. */
  memcpy(c, b, l);
  c[e1 + 16 + 5] = 0x10;
  s = try_open(c, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "id length"), "bundle id length past the end: rejected", "%s: %s",
        crk_status_string(s), msg);
  /* A device entry whose bytes are not an ELF. */
  memcpy(c, b, l);
  size_t off = (size_t)c[e1] | (size_t)c[e1 + 1] << 8;
  c[off + 1] = 'X';
  s = try_open(c, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "gfx90a") && contains(msg, "not an ELF"),
        "bundle entry that is not an ELF: rejected, entry named", "%s: %s", crk_status_string(s), msg);
  /* An ELF with section headers past its end. */
  memcpy(c, b, l);
  c[off + 40] = 0x00, c[off + 41] = 0x10; /* e_shoff = 4096 */
  c[off + 58] = 64, c[off + 60] = 3;       /* 3 section headers of 64 bytes */
  s = try_open(c, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "section header"), "ELF section headers past the end: rejected",
        "%s: %s", crk_status_string(s), msg);
  /* An ELF for another machine. */
  memcpy(c, b, l);
  c[off + 18] = 62; /* x86-64 */
  s = try_open(c, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "machine is 62"), "ELF for x86-64 in a bundle: rejected", "%s: %s",
        crk_status_string(s), msg);
  free(c);
  free(b);

  /* The id says gfx1100, the object is for gfx90a. */
  const char *ids2[] = {"hipv4-amdgcn-amd-amdhsa--gfx1100"};
  const unsigned char *data2[] = {elf};
  b = fake_bundle(1, ids2, data2, &el, &l);
  s = try_open(b, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "gfx1100") && contains(msg, "gfx90a"),
        "bundle entry whose code object is for another processor: rejected, both named", "%s: %s",
        crk_status_string(s), msg);
  free(b);

  /* A bad target ID in an entry id. */
  const char *ids3[] = {"hipv4-amdgcn-amd-amdhsa--gfx90a:xnack*"};
  b = fake_bundle(1, ids3, data2, &el, &l);
  s = try_open(b, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "target ID"), "bundle entry with a bad target ID: rejected",
        "%s: %s", crk_status_string(s), msg);
  free(b);

  /* An id with a newline and a terminal escape: the message stays one
   * line of printable text, the bytes escaped as crk-dump prints them. */
  const char *ids4[] = {"hipv4-amdgcn-amd-amdhsa--gfx90a:xnack*\n\033[2J"};
  b = fake_bundle(1, ids4, data2, &el, &l);
  s = try_open(b, l, &msg);
  {
    int printable = 1;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) printable = printable && *p >= 0x20 && *p < 0x7f;
    CHECK(s == CRK_ERR_BAD_BLOB && printable && contains(msg, "(hipv4-amdgcn-amd-amdhsa--gfx90a:xnack*\\x0a\\x1b[2J)"),
          "bundle entry id with control bytes: the message escapes them", "%s: %s", crk_status_string(s), msg);
  }
  free(b);

  /* A bundle with only the host entry. */
  b = fake_bundle(1, ids, data, sizes, &l);
  s = try_open(b, l, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "no AMDGPU code object"), "bundle without device code: rejected",
        "%s: %s", crk_status_string(s), msg);
  free(b);
  free(elf);
}

static void test_not_blobs(void) {
  const char *msg;
  crk_status s = try_open("hello, world", 12, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "not a code object"), "text is not a blob", "%s: %s",
        crk_status_string(s), msg);
  s = try_open("CCOB\x02\x00\x01\x00", 8, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "compressed"), "compressed bundle: rejected with the reason",
        "%s: %s", crk_status_string(s), msg);
  s = try_open("\177ELF", 4, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "truncated"), "a bare ELF magic is a truncated ELF", "%s: %s",
        crk_status_string(s), msg);
  crk_module *m = (crk_module *)1;
  s = crk_module_open(QUANTIZED, 0, &m);
  CHECK(s == CRK_ERR_INVALID_ARG && m == NULL, "zero-length blob: CRK_ERR_INVALID_ARG", "%s: %s",
        crk_status_string(s), crk_last_error());
  s = crk_module_open(NULL, 10, &m);
  CHECK(s == CRK_ERR_INVALID_ARG, "NULL blob: CRK_ERR_INVALID_ARG", "%s", crk_status_string(s));
  s = crk_module_open(QUANTIZED, QUANTIZED_LEN, NULL);
  CHECK(s == CRK_ERR_INVALID_ARG, "NULL out: CRK_ERR_INVALID_ARG", "%s", crk_status_string(s));
}

/* Target IDs from e_flags, and the pick of the most specific compatible. */
static void test_targets(void) {
  struct { unsigned mach, feat; const char *want; } cases[] = {
    {MACH_GFX90A, XNACK_ANY | SRAMECC_ANY, "gfx90a"},
    {MACH_GFX90A, XNACK_OFF | SRAMECC_ANY, "gfx90a:xnack-"},
    {MACH_GFX90A, XNACK_ON | SRAMECC_ON, "gfx90a:sramecc+:xnack+"},
    {MACH_GFX942, XNACK_OFF | SRAMECC_OFF, "gfx942:sramecc-:xnack-"},
    {MACH_GFX1100, 0, "gfx1100"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n;
    unsigned char *e = fake_amd_elf(cases[i].mach, cases[i].feat, &n);
    char t[64] = "", name[96];
    int r = elf_target(e, n, t, sizeof t);
    snprintf(name, sizeof name, "e_flags 0x%03x -> target ID %s", cases[i].mach | cases[i].feat, cases[i].want);
    CHECK(r == 0 && strcmp(t, cases[i].want) == 0, name, "got '%s'", t);
    free(e);
  }
  size_t n;
  unsigned char *e = fake_amd_elf(0x27 /* reserved */, 0, &n);
  const char *msg;
  crk_status s = try_open(e, n, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "unknown AMDGPU processor"), "code object for an unknown processor: rejected",
        "%s: %s", crk_status_string(s), msg);
  free(e);

  /* A bundle holding gfx90a in three flavours and gfx1100. */
  size_t sz[4];
  unsigned char *objs[4] = {
    fake_amd_elf(MACH_GFX90A, XNACK_ANY | SRAMECC_ANY, &sz[0]),
    fake_amd_elf(MACH_GFX90A, XNACK_OFF | SRAMECC_ANY, &sz[1]),
    fake_amd_elf(MACH_GFX90A, XNACK_ON | SRAMECC_ANY, &sz[2]),
    fake_amd_elf(MACH_GFX1100, 0, &sz[3]),
  };
  const char *ids[] = {"hipv4-amdgcn-amd-amdhsa--gfx90a", "hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-",
                       "hipv4-amdgcn-amd-amdhsa--gfx90a:xnack+", "hipv4-amdgcn-amd-amdhsa--gfx1100"};
  size_t l;
  unsigned char *b = fake_bundle(4, ids, (const unsigned char *const *)objs, sz, &l);
  crk_ldr_blob blob;
  s = crk_ldr_blob_inspect(b, l, &blob, err, sizeof err);
  CHECK(s == CRK_OK && blob.count == 4, "bundle of four flavours inspects", "%s: %s", crk_status_string(s), err);
  if (s == CRK_OK) {
    struct { const char *dev; int want; } picks[] = {
      {"gfx90a:sramecc+:xnack-", 1}, /* pins xnack- : more specific than plain gfx90a */
      {"gfx90a:sramecc+:xnack+", 2},
      {"gfx90a", 0},                 /* a device with features unknown: only "any" code fits */
      {"gfx1100", 3},
      {"gfx1030", -1},
      {"gfx90", -1},                 /* a prefix is not the processor */
    };
    for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
      crk_target_id dev;
      char name[96];
      int parsed = crk_target_id_parse(picks[i].dev, strlen(picks[i].dev), &dev) == 0;
      int got = parsed ? crk_ldr_blob_pick(&blob, &dev, 0, NULL) : -2;
      snprintf(name, sizeof name, "device %s picks entry %d", picks[i].dev, picks[i].want);
      CHECK(got == picks[i].want, name, "picked %d", got);
    }
    /* Features are parsed, not string-compared: order does not matter. */
    crk_target_id a, c;
    crk_target_id_parse("gfx90a:xnack-:sramecc+", 22, &a);
    crk_target_id_parse("gfx90a:sramecc+:xnack-", 22, &c);
    CHECK(crk_ldr_blob_pick(&blob, &a, 0, NULL) == 1 && crk_ldr_blob_pick(&blob, &c, 0, NULL) == 1,
          "feature order in the device's target ID does not change the pick", "%d %d", crk_ldr_blob_pick(&blob, &a, 0, NULL),
          crk_ldr_blob_pick(&blob, &c, 0, NULL));
    char list[256];
    size_t need = crk_ldr_blob_targets(&blob, list, sizeof list);
    CHECK(strcmp(list, "gfx90a gfx90a:xnack- gfx90a:xnack+ gfx1100") == 0 && need == strlen(list),
          "targets listed in bundle order", "'%s' (%zu)", list, need);
    crk_ldr_blob_free(&blob);
  }
  free(b);
  for (int i = 0; i < 4; i++) free(objs[i]);
}

/* NVIDIA blobs: cubins of both ABIs, fatbins, PTX; and the platform check. */
static void test_nvidia_blobs(void) {
  crk_ldr_blob b;
  size_t n;
  unsigned char *c = fake_cubin(90, 1, &n);
  crk_status s = crk_ldr_blob_inspect(c, n, &b, err, sizeof err);
  CHECK(s == CRK_OK && b.kind == CRK_LDR_BLOB_CUDA_ELF && strcmp(b.targets[0].target, "sm_90") == 0,
        "cubin (CUDA 12.8+ ABI) is sm_90", "%s: %s", crk_status_string(s), s == CRK_OK ? b.targets[0].target : err);
  if (s == CRK_OK) crk_ldr_blob_free(&b);

  /* The platform decides what opens: an AMD build rejects a cubin by name. */
  crk_backend_set(&fake_backend_amd);
  const char *msg;
  s = try_open(c, n, &msg);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(msg, "CUDA cubin") && contains(msg, "PLATFORM=nvidia"),
        "AMD build: a cubin is rejected, saying to build for NVIDIA", "%s: %s", crk_status_string(s), msg);
  crk_backend_set(&fake_backend_nvidia);
  s = try_open(c, n, &msg);
  CHECK(s == CRK_OK, "NVIDIA build: a cubin opens", "%s", msg);
  crk_backend_set(&fake_backend_amd);
  free(c);

  c = fake_cubin(80, 0, &n);
  s = crk_ldr_blob_inspect(c, n, &b, err, sizeof err);
  CHECK(s == CRK_OK && strcmp(b.targets[0].target, "sm_80") == 0, "cubin (older ABI) is sm_80", "%s: %s",
        crk_status_string(s), s == CRK_OK ? b.targets[0].target : err);
  if (s == CRK_OK) crk_ldr_blob_free(&b);
  free(c);

  unsigned kinds[] = {2, 2, 1}, archs[] = {80, 90, 90};
  unsigned char *f = fake_fatbin(3, kinds, archs, &n);
  s = crk_ldr_blob_inspect(f, n, &b, err, sizeof err);
  char list[128] = "";
  if (s == CRK_OK) crk_ldr_blob_targets(&b, list, sizeof list);
  CHECK(s == CRK_OK && b.kind == CRK_LDR_BLOB_CUDA_FATBIN && strcmp(list, "sm_80 sm_90 compute_90") == 0,
        "fatbin lists its cubins and PTX", "%s: %s '%s'", crk_status_string(s), err, list);
  if (s == CRK_OK) crk_ldr_blob_free(&b);
  s = crk_ldr_blob_inspect(f, n - 1, &b, err, sizeof err);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(err, "fatbin"), "fatbin cut short: rejected", "%s: %s",
        crk_status_string(s), err);
  f[16 + 4] = 0xff; /* first entry's header size */
  s = crk_ldr_blob_inspect(f, n, &b, err, sizeof err);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(err, "entry 0"), "fatbin entry past the end: rejected, entry named",
        "%s: %s", crk_status_string(s), err);
  free(f);

  static const char ptx[] = "//\n// Generated\n.version 8.0\n.target sm_90\n.address_size 64\n";
  s = crk_ldr_blob_inspect(ptx, sizeof ptx, &b, err, sizeof err);
  CHECK(s == CRK_OK && b.kind == CRK_LDR_BLOB_CUDA_PTX && strcmp(b.targets[0].target, "compute_90") == 0,
        "PTX is compute_90", "%s: %s", crk_status_string(s), err);
  if (s == CRK_OK) crk_ldr_blob_free(&b);
  s = crk_ldr_blob_inspect(ptx, sizeof ptx - 1, &b, err, sizeof err);
  CHECK(s == CRK_ERR_BAD_BLOB && contains(err, "NUL"), "PTX without its NUL: rejected", "%s: %s",
        crk_status_string(s), err);
}

static void test_status_strings(void) {
  int ok = 1;
  for (int s = CRK_OK; s <= CRK_ERR_NO_MEMORY; s++)
    ok = ok && strncmp(crk_status_string((crk_status)s), "CRK_", 4) == 0 &&
         !contains(crk_status_string((crk_status)s), "UNKNOWN");
  CHECK(ok && strcmp(crk_status_string(CRK_ERR_ARCH_MISSING), "CRK_ERR_ARCH_MISSING") == 0,
        "every status has its name", "bad name");
}

int main(void) {
  /* Opening needs no runtime: the fake only says which platform loads. */
  crk_backend_set(&fake_backend_amd);
  test_quantized();
  test_truncated();
  test_corrupt_bundles();
  test_not_blobs();
  test_targets();
  test_nvidia_blobs();
  test_status_strings();
  CHECK_EXIT();
}
