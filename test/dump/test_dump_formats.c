/* test_dump_formats.c: crk-dump reads every blob format, and finds the same
 * code objects in each: the build's per-arch code objects (raw ELF), its
 * offload bundle, that bundle compressed by the toolchain's bundler (v2,
 * zstd) and by this test (v1, v2, v3 with zlib and zstd), the project's
 * shared and static libraries (bundle embedded in .rodata), and the host
 * objects of a HIP file (.hip_fatbin, plain and --offload-compress), plus
 * code objects of versions 4 and 6 (a generic target). Every kernel's
 * .wavefront_size is the processor table's wave size for its code object. */
#include "check.h"
#include "crk-dump/blob.h"
#include "ccob.h"
#include "processors.h"
#include "test_dump_util.h"

#include <md5.h>
#include <zlib.h>
#include <zstd.h>

/* The blob read from path, or NULL with a FAIL line. */
static int read_blob(const char *what, const char *path, unsigned char **data, crk_blob *b) {
  size_t len;
  char err[1024];
  *data = dump_read_file(path, &len);
  if (!*data) {
    CHECK(0, what, "cannot read %s", path);
    return -1;
  }
  if (crk_blob_read(b, *data, len, NULL, err, sizeof err) != 0) {
    CHECK(0, what, "%s: %s", path, err);
    free(*data);
    *data = NULL;
    return -1;
  }
  return 0;
}

/* Two parses of the same code object agree on everything. */
static int same_kernels(const crk_codeobj *a, const crk_codeobj *b, char *why, size_t n) {
  if (strcmp(a->arch, b->arch) || strcmp(a->target_id, b->target_id) || a->co_version != b->co_version) {
    snprintf(why, n, "target %s v%d vs %s v%d", a->target_id, a->co_version, b->target_id, b->co_version);
    return 0;
  }
  if (a->nkernels != b->nkernels) {
    snprintf(why, n, "%zu vs %zu kernels", a->nkernels, b->nkernels);
    return 0;
  }
  for (size_t k = 0; k < a->nkernels; k++) {
    const crk_kernel *x = &a->kernels[k], *y = &b->kernels[k];
    if (strcmp(x->name, y->name) || x->sgpr != y->sgpr || x->vgpr != y->vgpr || x->agpr != y->agpr ||
        x->lds != y->lds || x->scratch != y->scratch || x->sgpr_spill != y->sgpr_spill ||
        x->vgpr_spill != y->vgpr_spill || x->wavefront != y->wavefront || x->max_wg != y->max_wg ||
        x->kernarg_size != y->kernarg_size || x->nargs != y->nargs ||
        memcmp(x->args, y->args, x->nargs * sizeof *x->args) != 0) {
      snprintf(why, n, "kernel %s differs", x->name);
      return 0;
    }
  }
  return 1;
}

/* The container blob holds exactly the reference's code objects, in order,
 * byte for byte. */
static void check_same(const char *what, const crk_blob *ref, const crk_blob *got) {
  char why[512] = "";
  int ok = got->nobjs == ref->nobjs;
  if (!ok) snprintf(why, sizeof why, "%zu code objects, the bundle has %zu", got->nobjs, ref->nobjs);
  for (size_t i = 0; ok && i < ref->nobjs; i++) {
    const crk_blob_obj *r = &ref->objs[i], *g = &got->objs[i];
    if (r->size != g->size || memcmp(r->bytes, g->bytes, r->size) != 0) {
      snprintf(why, sizeof why, "code object %zu (%s) differs in its bytes", i, r->co.target_id);
      ok = 0;
    } else if (!r->entry_id || !g->entry_id || strcmp(r->entry_id, g->entry_id) != 0) {
      snprintf(why, sizeof why, "code object %zu: entry id %s vs %s", i, r->entry_id ? r->entry_id : "-",
               g->entry_id ? g->entry_id : "-");
      ok = 0;
    } else {
      ok = same_kernels(&r->co, &g->co, why, sizeof why);
    }
  }
  CHECK(ok, what, "%s", why);
}

/* A compressed bundle as clang-offload-bundler lays it out (bundle.h). */
static unsigned char *make_ccob(const unsigned char *bundle, size_t n, unsigned version,
                                unsigned method, size_t *out_len) {
  size_t hsize = version == 1 ? 20 : version == 2 ? 24 : 32;
  size_t cap = method == CRK_CCOB_ZLIB ? compressBound((uLong)n) : ZSTD_compressBound(n);
  unsigned char *out = malloc(hsize + cap);
  if (!out) return NULL;
  size_t clen;
  if (method == CRK_CCOB_ZLIB) {
    uLongf zl = (uLongf)cap;
    if (compress2(out + hsize, &zl, bundle, (uLong)n, 6) != Z_OK) { free(out); return NULL; }
    clen = zl;
  } else {
    clen = ZSTD_compress(out + hsize, cap, bundle, n, 3);
    if (ZSTD_isError(clen)) { free(out); return NULL; }
  }
  unsigned char d[MD5_DIGEST_LENGTH];
  MD5_CTX md5;
  MD5Init(&md5);
  MD5Update(&md5, bundle, n);
  MD5Final(d, &md5);
  uint64_t total = hsize + clen;
  unsigned char *h = out;
  memcpy(h, "CCOB", 4);
  h[4] = (unsigned char)version; h[5] = 0;
  h[6] = (unsigned char)method; h[7] = 0;
  int w = version == 3 ? 8 : 4, p = 8;
  if (version >= 2) { for (int i = 0; i < w; i++) h[p + i] = (unsigned char)(total >> (8 * i)); p += w; }
  for (int i = 0; i < w; i++) h[p + i] = (unsigned char)((uint64_t)n >> (8 * i));
  p += w;
  memcpy(h + p, d, 8); /* the MD5's first 8 bytes, as a little-endian integer */
  *out_len = total;
  return out;
}

/* The MD5 crk-dump checks CCOB hashes with is libmd's: RFC 1321's test
 * suite (a few of its vectors) says it is the one the bundler uses. */
static void check_md5(void) {
  static const struct { const char *in, *hex; } v[] = {
    {"", "d41d8cd98f00b204e9800998ecf8427e"},
    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
    {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
     "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char hex[MD5_DIGEST_STRING_LENGTH];
    MD5Data((const uint8_t *)v[i].in, strlen(v[i].in), hex);
    char what[96];
    snprintf(what, sizeof what, "md5: RFC 1321 vector %zu", i);
    CHECK(strcmp(hex, v[i].hex) == 0, what, "got %s, want %s", hex, v[i].hex);
  }
}

/* The HIP fixture: kernels crk_fixture_kernel (int*, int) and
 * crk_fixture_wide (long long*, double, char; at most 128 work-items). */
static void check_fixture(const char *what, const crk_blob *b, const char *const *targets, size_t nt) {
  char why[512] = "";
  int ok = b->nobjs == nt;
  if (!ok) snprintf(why, sizeof why, "%zu code objects, want %zu", b->nobjs, nt);
  for (size_t i = 0; ok && i < nt; i++) {
    const crk_codeobj *co = &b->objs[i].co;
    const crk_kernel *k0 = co->nkernels == 2 ? &co->kernels[0] : NULL, *k1 = k0 ? &co->kernels[1] : NULL;
    if (strcmp(co->target_id, targets[i]) != 0) {
      snprintf(why, sizeof why, "code object %zu is %s, want %s", i, co->target_id, targets[i]);
      ok = 0;
    } else if (!k0 || strcmp(k0->name, "crk_fixture_kernel") || strcmp(k1->name, "crk_fixture_wide")) {
      snprintf(why, sizeof why, "%s: kernels are not crk_fixture_kernel, crk_fixture_wide", co->target_id);
      ok = 0;
    } else if (k0->explicit_args != 2 || k0->args[0].size != 8 || strcmp(k0->args[0].kind, "global_buffer") ||
               k0->args[1].size != 4 || strcmp(k0->args[1].kind, "by_value") || k1->explicit_args != 3 ||
               k1->args[1].size != 8 || k1->args[2].size != 1 || k1->args[2].offset != 16) {
      snprintf(why, sizeof why, "%s: argument lists differ from the source's", co->target_id);
      ok = 0;
    } else if (k1->max_wg != 128 || k0->max_wg != 1024) {
      snprintf(why, sizeof why, "%s: max workgroup sizes %lld and %lld, want 1024 and 128", co->target_id,
               (long long)k0->max_wg, (long long)k1->max_wg);
      ok = 0;
    } else if (!crk_processor_find(co->arch) || k0->wavefront != crk_processor_find(co->arch)->wave_size) {
      snprintf(why, sizeof why, "%s: wavefront %lld, the processor table says %u", co->target_id,
               (long long)k0->wavefront, crk_processor_find(co->arch) ? crk_processor_find(co->arch)->wave_size : 0);
      ok = 0;
    } else if (k0->scratch != 0 || k0->sgpr <= 0 || k0->vgpr <= 0) {
      snprintf(why, sizeof why, "%s: implausible resources", co->target_id);
      ok = 0;
    }
  }
  CHECK(ok, what, "%s", why);
}

int main(void) {
  check_md5();

  char archs[64][32];
  int narchs = built_archs(archs, 64);
  if (narchs <= 0) {
    CHECK(0, "formats: the build's arch list", "cannot read %s", build_path("archs.list", NULL));
    CHECK_EXIT();
  }

  /* The offload bundle is the reference every other format must match. */
  unsigned char *bundle;
  crk_blob ref;
  if (read_blob("formats: offload bundle reads", build_path("quantized.hsaco", NULL), &bundle, &ref) != 0)
    CHECK_EXIT();
  size_t bundle_len;
  free(dump_read_file(build_path("quantized.hsaco", NULL), &bundle_len));
  {
    int ok = ref.nobjs == (size_t)narchs && strcmp(ref.format, "offload bundle") == 0;
    for (int a = 0; ok && a < narchs; a++) ok = strcmp(ref.objs[a].co.arch, archs[a]) == 0;
    CHECK(ok, "formats: offload bundle holds one code object per built arch, in order",
          "%zu code objects (%s) for %d archs", ref.nobjs, ref.format, narchs);
  }

  /* The processor table's wave size column says what the compiler builds
   * each processor's kernels for; the build's own code objects hold it to
   * that, kernel by kernel, so a wrong row cannot pass. */
  for (size_t i = 0; i < ref.nobjs; i++) {
    const crk_codeobj *co = &ref.objs[i].co;
    const crk_processor *row = crk_processor_find(co->arch);
    char what[160], why[256] = "";
    snprintf(what, sizeof what, "formats: every %s kernel's .wavefront_size is the processor table's (%u)", co->arch,
             row ? row->wave_size : 0);
    int ok = row != NULL && co->nkernels > 0;
    if (!ok) snprintf(why, sizeof why, row ? "no kernels" : "no row for %s", co->arch);
    for (size_t k = 0; ok && k < co->nkernels; k++)
      if (co->kernels[k].wavefront != row->wave_size) {
        snprintf(why, sizeof why, "%s: %lld", co->kernels[k].name, (long long)co->kernels[k].wavefront);
        ok = 0;
      }
    CHECK(ok, what, "%s", why);
  }

  /* Each arch's own code object file: a bare AMDGPU ELF. */
  for (int a = 0; a < narchs && (size_t)a < ref.nobjs; a++) {
    char what[128];
    snprintf(what, sizeof what, "formats: code object %s.hsaco reads as the bundle's entry", archs[a]);
    unsigned char *data;
    crk_blob b;
    if (read_blob(what, build_path("%s.hsaco", archs[a]), &data, &b) != 0) continue;
    char why[512] = "";
    int ok = b.nobjs == 1 && strcmp(b.format, "code object") == 0 && !b.objs[0].entry_id &&
             b.objs[0].size == ref.objs[a].size && memcmp(b.objs[0].bytes, ref.objs[a].bytes, b.objs[0].size) == 0;
    if (!ok) snprintf(why, sizeof why, "not the bundle's bytes for %s", archs[a]);
    else ok = same_kernels(&b.objs[0].co, &ref.objs[a].co, why, sizeof why);
    CHECK(ok, what, "%s", why);
    crk_blob_free(&b);
    free(data);
  }

  /* Compressed by the toolchain's bundler (-compress). */
  {
    unsigned char *data;
    crk_blob b;
    const char *what = "formats: compressed bundle from clang-offload-bundler -compress";
    if (read_blob(what, build_path("test/dump-fixtures/quantized.ccob", NULL), &data, &b) == 0) {
      CHECK(strcmp(b.format, "compressed bundle") == 0, "formats: bundler output detected as compressed",
            "read as %s", b.format);
      check_same(what, &ref, &b);
      crk_blob_free(&b);
      free(data);
    }
  }

  /* Every version and method, compressed here from the bundle. */
  for (unsigned v = 1; v <= 3; v++)
    for (unsigned m = 0; m <= 1; m++) {
      char what[128], err[1024];
      snprintf(what, sizeof what, "formats: compressed bundle v%u (%s) made by the test", v, m ? "zstd" : "zlib");
      size_t n;
      unsigned char *c = make_ccob(bundle, bundle_len, v, m, &n);
      crk_blob b;
      if (!c) {
        CHECK(0, what, "could not compress");
        continue;
      }
      if (crk_blob_read(&b, c, n, NULL, err, sizeof err) != 0) {
        CHECK(0, what, "%s", err);
      } else {
        check_same(what, &ref, &b);
        crk_blob_free(&b);
      }
      free(c);
    }

  /* The project's libraries embed the bundle (QUANTIZED, in .rodata). */
  const char *libs[] = {"libcandle_rocm_kernels.so", "libcandle_rocm_kernels.a"};
  const char *lib_formats[] = {"host ELF", "archive"};
  for (int i = 0; i < 2; i++) {
    char what[128];
    snprintf(what, sizeof what, "formats: %s (%s) embeds the bundle", libs[i], lib_formats[i]);
    unsigned char *data;
    crk_blob b;
    if (read_blob(what, build_path("%s", libs[i]), &data, &b) != 0) continue;
    char what2[160];
    snprintf(what2, sizeof what2, "formats: %s is read as a %s", libs[i], lib_formats[i]);
    CHECK(strcmp(b.format, lib_formats[i]) == 0, what2, "read as %s", b.format);
    check_same(what, &ref, &b);
    crk_blob_free(&b);
    free(data);
  }

  /* A HIP program's host objects: .hip_fatbin, plain and compressed. */
  static const char *const plain[] = {"gfx1100", "gfx90a:xnack+", "gfx90a:xnack-"};
  static const char *const packed[] = {"gfx1100", "gfx90a"};
  static const struct { const char *file, *format; const char *const *targets; size_t n; } hosts[] = {
    {"hip_host.elf", "host ELF", plain, 3},
    {"hip_host.so", "host ELF", plain, 3},
    {"hip_host_ccob.elf", "host ELF", packed, 2},
  };
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
    char what[128], path[256];
    snprintf(what, sizeof what, "formats: HIP host object %s: code objects, kernels, arguments", hosts[i].file);
    snprintf(path, sizeof path, "test/dump-fixtures/%s", hosts[i].file);
    unsigned char *data;
    crk_blob b;
    if (read_blob(what, build_path("%s", path), &data, &b) != 0) continue;
    int in_fatbin = b.nobjs > 0 && strstr(b.objs[0].where, ".hip_fatbin") != NULL;
    int compressed = b.nobjs > 0 && strstr(b.objs[0].where, "compressed bundle v") != NULL;
    char what2[160];
    snprintf(what2, sizeof what2, "formats: HIP host object %s: bundle found in .hip_fatbin%s", hosts[i].file,
             hosts[i].n == 2 ? ", compressed" : "");
    CHECK(strcmp(b.format, hosts[i].format) == 0 && in_fatbin && compressed == (hosts[i].n == 2), what2,
          "format %s, found at '%s'", b.format, b.nobjs ? b.objs[0].where : "");
    check_fixture(what, &b, hosts[i].targets, hosts[i].n);
    crk_blob_free(&b);
    free(data);
  }

  /* Code object versions 4 and 6 (generic target). */
  static const struct { const char *file, *target; int version; unsigned generic; int xnack; } cos[] = {
    {"gfx906_v4.hsaco", "gfx906", 4, 0, CRK_FEATURE_ANY},
    {"gfx11_generic_v6.hsaco", "gfx11-generic", 6, 1, CRK_FEATURE_UNSUPPORTED},
  };
  for (size_t i = 0; i < sizeof cos / sizeof cos[0]; i++) {
    char what[128], path[256];
    snprintf(what, sizeof what, "formats: %s: kernels and arguments", cos[i].file);
    char what2[160];
    snprintf(what2, sizeof what2, "formats: %s: code object v%d, %s", cos[i].file, cos[i].version, cos[i].target);
    snprintf(path, sizeof path, "test/dump-fixtures/%s", cos[i].file);
    unsigned char *data;
    crk_blob b;
    if (read_blob(what, build_path("%s", path), &data, &b) != 0) continue;
    const crk_codeobj *co = b.nobjs == 1 ? &b.objs[0].co : NULL;
    CHECK(co && co->co_version == cos[i].version && strcmp(co->arch, cos[i].target) == 0 &&
              co->generic_version == cos[i].generic && co->xnack == cos[i].xnack,
          what2, "read v%d %s generic %u xnack %s", co ? co->co_version : -1, co ? co->arch : "-",
          co ? co->generic_version : 0, co ? crk_feature_name(co->xnack) : "-");
    const char *one[] = {cos[i].target};
    check_fixture(what, &b, one, 1);
    crk_blob_free(&b);
    free(data);
  }

  /* Two relocatable objects linked into one code object: two metadata
   * notes, read as one list of kernels (as the runtime's comgr does). */
  {
    const char *what = "formats: code object linked from two objects: both metadata notes' kernels";
    unsigned char *data;
    crk_blob b;
    if (read_blob(what, build_path("test/dump-fixtures/two_notes.hsaco", NULL), &data, &b) == 0) {
      const crk_codeobj *co = b.nobjs == 1 ? &b.objs[0].co : NULL;
      int ok = co && co->nkernels == 3 && !strcmp(co->kernels[0].name, "crk_fixture_kernel") &&
               !strcmp(co->kernels[1].name, "crk_fixture_wide") && !strcmp(co->kernels[2].name, "crk_fixture_second") &&
               co->kernels[2].explicit_args == 3 && co->kernels[2].max_wg == 64 && co->md_target &&
               !strcmp(co->md_target, "amdgcn-amd-amdhsa--gfx1100");
      CHECK(ok, what, "%zu kernels (want crk_fixture_kernel, crk_fixture_wide, crk_fixture_second)",
            co ? co->nkernels : 0);
      crk_blob_free(&b);
      free(data);
    }
  }

  crk_blob_free(&ref);
  free(bundle);
  CHECK_EXIT();
}
