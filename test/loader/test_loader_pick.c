/* test_loader_pick.c: which code object the loader hands the runtime for a
 * device, rule by rule (format/target_pick.h), against bundles this build's
 * toolchain made (test/loader/loader.mk: the fixture kernel for specific
 * processors, for the five generic targets, and both mixed), through the
 * fake backend, which records the image each load received:
 *   exact target ID (features included), handed over as it is in the blob;
 *   the family's generic target when the processor is absent, as it is;
 *   the ISA-compatible fallback only when allowed (CRK_ISA_FALLBACK=1 or
 *   crk_set_isa_fallback), a copy marked as the device's processor;
 *   exact beats generic beats fallback; nothing fits: an error naming the
 *   device, the blob's archs and the nearest compatible one with how to
 *   allow it, and nothing loaded. */
#include "check.h"
#include "fake_backend.h"
#include "test_dump_util.h"

#include "bundle.h"
#include "target_pick.h"
#include "candle_rocm_kernels.h"

#include <stdlib.h>
#include <string.h>

static const char *kernel = "crk_fixture_kernel";

static int contains(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

typedef struct {
  const char *name;
  unsigned char *data;
  size_t len;
  crk_module *m;
} fixture;

static int open_fixture(fixture *f, const char *name) {
  f->name = name;
  f->data = dump_read_file(build_path("test/pick-fixtures/%s.bundle", name), &f->len);
  crk_status s = f->data ? crk_module_open_named(f->data, f->len, name, &f->m) : CRK_ERR_BAD_BLOB;
  CHECK(s == CRK_OK, "pick: fixture bundle opens", "%s: %s", name, f->data ? crk_last_error() : "cannot read it");
  return s == CRK_OK;
}

static void close_fixture(fixture *f) {
  crk_module_close(f->m);
  free(f->data);
}

/* The bytes of the bundle entry for target ID `target`, or NULL. */
static const unsigned char *entry(const fixture *f, const char *target, size_t *size) {
  crk_bundle_entry e[32];
  size_t n;
  char err[256];
  if (crk_bundle_parse(f->data, f->len, e, 32, &n, err, sizeof err) != 0) return NULL;
  for (size_t i = 0; i < n && i < 32; i++) {
    const char *kind, *t;
    size_t kl, tl;
    if (crk_bundle_id_split(e[i].id, e[i].id_len, &kind, &kl, &t, &tl) == 0 && tl == strlen(target) &&
        memcmp(t, target, tl) == 0) {
      *size = e[i].size;
      return f->data + e[i].offset;
    }
  }
  return NULL;
}

/* EF_AMDGPU_MACH of the processors the checks mark code objects as. */
static unsigned mach_of(const char *processor) {
  static const struct { const char *p; unsigned mach; } t[] = {
    {"gfx900", 0x02c}, {"gfx90c", 0x032}, {"gfx1012", 0x035}, {"gfx1013", 0x042}, {"gfx1031", 0x037}, {"gfx1034", 0x03e},
    {"gfx1101", 0x046}, {"gfx1103", 0x044}, {"gfx1152", 0x055}, {"gfx1201", 0x04e},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!strcmp(t[i].p, processor)) return t[i].mach;
  return 0;
}

static int dev_next; /* a fresh device per load: no slot is reused */

/* Loads the fixture's kernel on a fresh device of target ID dev_arch and
 * checks which code object the runtime got: `want` handed over as it is
 * (how: "as is"), or a copy of it marked as the device's processor
 * ("marked"), or nothing (want NULL: CRK_ERR_ARCH_MISSING). */
static void expect_load(fixture *f, const char *dev_arch, const char *want, const char *how) {
  if (dev_next >= FAKE_MAX_DEVICES) {
    close_fixture(f);
    open_fixture(f, f->name);
    fake_reset(FAKE_MAX_DEVICES, "gfx1100");
    dev_next = 0;
  }
  int d = dev_next++;
  snprintf(fake.arch[d], sizeof fake.arch[d], "%s", dev_arch);
  void *fn = NULL;
  crk_status s = crk_module_function(f->m, d, kernel, &fn);
  char what[256];
  if (!want) {
    snprintf(what, sizeof what, "pick: %s on a %s device: CRK_ERR_ARCH_MISSING, nothing loaded", f->name, dev_arch);
    CHECK(s == CRK_ERR_ARCH_MISSING && fake.load_calls[d] == 0, what, "%s, %d loads: %s", crk_status_string(s),
          fake.load_calls[d], crk_last_error());
    return;
  }
  snprintf(what, sizeof what, "pick: %s on a %s device loads %s, %s", f->name, dev_arch, want, how);
  size_t size = 0;
  const unsigned char *e = entry(f, want, &size);
  const unsigned char *got = atomic_load(&fake.loaded_image[d]);
  if (s != CRK_OK || !e || !got) {
    CHECK(0, what, "%s (entry %s): %s", crk_status_string(s), e ? "found" : "missing", crk_last_error());
    return;
  }
  if (!strcmp(how, "as is")) {
    CHECK(got == e, what, "the runtime got another image");
    return;
  }
  crk_target_id tid;
  crk_target_id_parse(dev_arch, strlen(dev_arch), &tid);
  unsigned mach = mach_of(tid.processor);
  int same_rest = got != e && memcmp(got, e, 48) == 0 && memcmp(got + 49, e + 49, size - 49) == 0;
  CHECK(same_rest && got[48] == mach && e[48] != mach, what,
        "copy %d, rest equal %d, mach 0x%02x (want 0x%02x; the blob's is 0x%02x)", got != e, same_rest, got[48],
        mach, e[48]);
}

/* crk_module_pick for a device arch: the target and the rule. */
static void expect_pick(fixture *f, const char *dev_arch, const char *want, crk_match want_how) {
  char buf[64], what[256];
  crk_match how;
  crk_status s = crk_module_pick(f->m, dev_arch, buf, sizeof buf, &how);
  snprintf(what, sizeof what, "pick: crk_module_pick(%s, %s) = %s (%d)", f->name, dev_arch, want ? want : "none",
           (int)want_how);
  if (!want)
    CHECK(s == CRK_ERR_ARCH_MISSING && how == CRK_MATCH_NONE, what, "%s %s", crk_status_string(s), buf);
  else
    CHECK(s == CRK_OK && !strcmp(buf, want) && how == want_how, what, "%s: %s, how %d: %s", crk_status_string(s),
          buf, (int)how, crk_last_error());
}

int main(void) {
  crk_backend_set(&fake_backend_amd);
  fake_reset(FAKE_MAX_DEVICES, "gfx1100");
  unsetenv("CRK_ISA_FALLBACK");
  fixture sp, gen, mix;
  if (!open_fixture(&sp, "specific") || !open_fixture(&gen, "generic_only") || !open_fixture(&mix, "mixed"))
    CHECK_EXIT();

  /* 1. Exact target IDs, features included. */
  expect_load(&sp, "gfx1100", "gfx1100", "as is");
  expect_load(&sp, "gfx1030", "gfx1030", "as is");
  expect_load(&sp, "gfx90a:sramecc+:xnack+", "gfx90a:xnack+", "as is");
  expect_load(&sp, "gfx90a:sramecc+:xnack-", "gfx90a:xnack-", "as is");
  expect_pick(&sp, "gfx1200", "gfx1200", CRK_MATCH_EXACT);

  /* 2. No fallback unless asked: the error says what would fit and how. */
  expect_load(&sp, "gfx1031", NULL, NULL);
  {
    const char *msg = crk_last_error();
    CHECK(contains(msg, "gfx1031") && contains(msg, "specific") && contains(msg, "gfx900 gfx1010 gfx1011 gfx1030") &&
              contains(msg, "nearest compatible: gfx1030") && contains(msg, "CRK_ISA_FALLBACK=1") &&
              contains(msg, "crk_set_isa_fallback(1)") && contains(msg, "gfx10-3-generic"),
          "pick: no fit: the error names the device, the blob's archs, the nearest compatible arch and how to use it",
          "%s", msg);
  }
  expect_load(&sp, "gfx1103", NULL, NULL);
  CHECK(contains(crk_last_error(), "nearest compatible: gfx1100"), "pick: gfx1103's nearest is gfx1100", "%s",
        crk_last_error());
  expect_pick(&sp, "gfx1031", NULL, CRK_MATCH_NONE);
  expect_load(&sp, "gfx803", NULL, NULL);
  CHECK(!contains(crk_last_error(), "nearest"), "pick: a processor of no family is offered no fallback", "%s",
        crk_last_error());
  CHECK(crk_module_check_device(sp.m, 0) == CRK_OK, "pick: crk_module_check_device agrees (exact)", "%s",
        crk_last_error());

  /* 3. The fallback through the environment: the nearest processor whose
   *    instructions the device has, marked as the device's. */
  setenv("CRK_ISA_FALLBACK", "1", 1);
  expect_load(&sp, "gfx1031", "gfx1030", "marked");
  expect_load(&sp, "gfx1103", "gfx1100", "marked");
  expect_load(&sp, "gfx1101", "gfx1100", "marked");  /* never gfx1150: its SALU float insts */
  expect_load(&sp, "gfx1152", "gfx1150", "marked");  /* its own sub-family first */
  expect_load(&sp, "gfx1012", "gfx1011", "marked");  /* the one with its dot insts */
  expect_load(&sp, "gfx1013", "gfx1010", "marked");  /* gfx1011's dot insts it lacks */
  expect_load(&sp, "gfx90c:xnack+", "gfx900", "marked");
  expect_load(&sp, "gfx1201", "gfx1200", "marked");
  expect_load(&sp, "gfx906", NULL, NULL);            /* fma-mix, not gfx900's mad-mix */
  expect_load(&sp, "gfx908", NULL, NULL);
  expect_pick(&sp, "gfx1031", "gfx1030", CRK_MATCH_ISA_COMPATIBLE);
  expect_pick(&sp, "gfx1100", "gfx1100", CRK_MATCH_EXACT); /* exact still first */
  /* The host's call overrides the environment. */
  crk_set_isa_fallback(0);
  expect_pick(&sp, "gfx1031", NULL, CRK_MATCH_NONE);
  expect_load(&sp, "gfx1034", NULL, NULL);
  crk_set_isa_fallback(1);
  unsetenv("CRK_ISA_FALLBACK");
  expect_load(&sp, "gfx1034", "gfx1030", "marked");
  CHECK(crk_module_check_device(sp.m, dev_next - 1) == CRK_OK, "pick: crk_module_check_device agrees (fallback)",
        "%s", crk_last_error());
  crk_set_isa_fallback(0);

  /* 4. A generic-only bundle: every family member gets its generic target
   *    (as is: the runtime loads v6 generic code objects itself). */
  close_fixture(&sp);
  fake_reset(FAKE_MAX_DEVICES, "gfx1100");
  dev_next = 0;
  expect_load(&gen, "gfx900", "gfx9-generic", "as is");
  expect_load(&gen, "gfx906", "gfx9-generic", "as is");
  expect_load(&gen, "gfx1012", "gfx10-1-generic", "as is");
  expect_load(&gen, "gfx1031", "gfx10-3-generic", "as is");
  expect_load(&gen, "gfx1103", "gfx11-generic", "as is");
  expect_load(&gen, "gfx1151", "gfx11-generic", "as is");
  expect_load(&gen, "gfx1201", "gfx12-generic", "as is");
  expect_load(&gen, "gfx90a:sramecc+:xnack-", NULL, NULL); /* no generic target covers it */
  CHECK(contains(crk_last_error(), "gfx9-generic gfx10-1-generic gfx10-3-generic gfx11-generic gfx12-generic"),
        "pick: the generic-only blob's error lists its generic targets", "%s", crk_last_error());
  expect_pick(&gen, "gfx1035", "gfx10-3-generic", CRK_MATCH_GENERIC);
  expect_pick(&gen, "gfx1153", "gfx11-generic", CRK_MATCH_GENERIC);

  /* 5. Both in one bundle: exact beats generic beats the fallback. */
  close_fixture(&gen);
  fake_reset(FAKE_MAX_DEVICES, "gfx1100");
  dev_next = 0;
  crk_set_isa_fallback(1);
  expect_load(&mix, "gfx1030", "gfx1030", "as is");
  expect_load(&mix, "gfx1031", "gfx10-3-generic", "as is");
  expect_load(&mix, "gfx1100", "gfx1100", "as is");
  expect_load(&mix, "gfx1103", "gfx11-generic", "as is");
  expect_pick(&mix, "gfx1036", "gfx10-3-generic", CRK_MATCH_GENERIC);
  crk_set_isa_fallback(0);

  /* The built blob: every code object is its own processor's choice, exact,
   * or (a generic target) the choice of each member without its own. */
  {
    crk_module *q;
    crk_module_open(QUANTIZED, QUANTIZED_LEN, &q);
    char why[512] = "";
    int n = 0;
    for (size_t i = 0; i < QUANTIZED_ARCH_COUNT; i++) {
      const char *arch = QUANTIZED_ARCHS[i].arch;
      char got[64];
      crk_match how;
      if (strstr(arch, "-generic")) continue;
      if (crk_module_pick(q, arch, got, sizeof got, &how) != CRK_OK || strcmp(got, arch) || how != CRK_MATCH_EXACT)
        snprintf(why + strlen(why), sizeof why - strlen(why), " %s->%s", arch, got);
      n++;
    }
    CHECK(!*why && n > 0, "pick: each processor of the built blob gets its own code object, exact", "%d archs:%s", n,
          why);
    crk_module_close(q);
  }

  /* Bad arguments. */
  char buf[8];
  CHECK(crk_module_pick(mix.m, "gfx90a:frob+", buf, sizeof buf, NULL) == CRK_ERR_INVALID_ARG,
        "pick: crk_module_pick rejects a malformed target ID", "%s", crk_last_error());
  CHECK(crk_module_pick(mix.m, "gfx1031", buf, 4, NULL) == CRK_ERR_INVALID_ARG &&
            contains(crk_last_error(), "needs 16 bytes"),
        "pick: crk_module_pick: small buffer is an error saying the size", "%s", crk_last_error());

  CHECK(fake.misuse == 0, "pick: the fake saw no misuse", "%d", fake.misuse);
  close_fixture(&mix);
  CHECK(fake.live_modules == 0, "pick: every load unloaded at close", "%d live", fake.live_modules);
  crk_backend_set(NULL);
  CHECK_EXIT();
}
