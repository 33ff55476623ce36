/* blob.c: see blob.h.
 *
 * Layers, each adding its place to an error's reason so that a fault deep
 * inside reads "bundle at .hip_fatbin+0x0: entry 2 (hipv4-...--gfx90a):
 * metadata note: kernel 3 (foo): .sgpr_count is not a non-negative integer".
 * A bundle is opened by the format layer (format/blob_open.h, as the loader
 * opens it), and each entry also gets the loader's verdict (crk_blob_vet),
 * which --arch reports; host files are scanned for bundles by scan.c.
 */
#include "reader.h"

#include "blob_open.h"
#include "elf_view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void crk_reader_place(crk_reader *c, const char *fmt, ...) {
  char where[256], tmp[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(where, sizeof where, fmt, ap);
  va_end(ap);
  snprintf(tmp, sizeof tmp, "%s", c->err);
  snprintf(c->err, c->errlen, "%s: %s", where, tmp);
}

int crk_reader_fail(crk_reader *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, c->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static char *dupn(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

/* Checks that a bundle entry's target ID agrees with its code object's
 * e_flags: a bundle whose id says gfx1100 over gfx90a code would send the
 * runtime the wrong code. */
static int check_entry_target(crk_reader *c, const char *id, size_t id_len, const crk_codeobj *co) {
  const char *kind, *target;
  size_t kind_len, target_len;
  crk_target_id t;
  if (crk_bundle_id_split(id, id_len, &kind, &kind_len, &target, &target_len) != 0 || target_len == 0)
    return 0; /* an id of an older layout: nothing to compare */
  if (crk_target_id_parse(target, target_len, &t) != 0)
    return crk_reader_fail(c, "malformed target ID '%.*s' in the entry id", (int)(target_len > 64 ? 64 : target_len), target);
  if (strcmp(t.processor, co->arch) != 0)
    return crk_reader_fail(c, "the entry id names %s, but the code object's e_flags (0x%x) say %s", t.processor,
                co->e_flags, co->arch);
  /* An id names a feature only where the processor has it: "unsupported"
   * in e_flags goes with no feature in the id (which parses as "any"). */
  if (co->co_version >= 4) {
    int want_x = co->xnack == CRK_FEATURE_UNSUPPORTED ? CRK_FEATURE_ANY : co->xnack;
    int want_s = co->sramecc == CRK_FEATURE_UNSUPPORTED ? CRK_FEATURE_ANY : co->sramecc;
    if (t.xnack != want_x)
      return crk_reader_fail(c, "the entry id says xnack %s, but e_flags say %s", crk_feature_name(t.xnack),
                  crk_feature_name(co->xnack));
    if (t.sramecc != want_s)
      return crk_reader_fail(c, "the entry id says sramecc %s, but e_flags say %s", crk_feature_name(t.sramecc),
                  crk_feature_name(co->sramecc));
  }
  return 0;
}

/* Adds a code object; loader_takes is the loader's verdict on it. */
static int add_object(crk_reader *c, const unsigned char *bytes, size_t size, const char *id,
                      size_t id_len, const char *where, int loader_takes) {
  crk_blob *b = c->b;
  if (b->nobjs == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 16;
    crk_blob_obj *p = realloc(b->objs, nc * sizeof *p);
    if (!p) return crk_reader_fail(c, "out of memory");
    b->objs = p;
    b->cap = nc;
  }
  crk_blob_obj *o = &b->objs[b->nobjs];
  memset(o, 0, sizeof *o);
  if (crk_codeobj_parse(&o->co, bytes, size, c->o.max_records_per_object, c->err, c->errlen) != 0)
    return -1;
  if (id && check_entry_target(c, id, id_len, &o->co) != 0) {
    crk_codeobj_free(&o->co);
    return -1;
  }
  /* Checked after the parse: one code object's cap bounds the overshoot. */
  if (o->co.records > c->o.max_records - c->records) {
    size_t have = c->records;
    crk_codeobj_free(&o->co);
    return crk_reader_fail(c, "the code objects hold more than %zu kernel and argument records in all "
                "(%zu before this one): refused as hostile input", c->o.max_records, have);
  }
  c->records += o->co.records;
  o->loader_takes = loader_takes;
  o->bytes = bytes;
  o->size = size;
  o->where = dupn(where, strlen(where));
  o->entry_id = id ? dupn(id, id_len) : NULL;
  if (!o->where || (id && !o->entry_id)) {
    free(o->where);
    free(o->entry_id);
    crk_codeobj_free(&o->co);
    return crk_reader_fail(c, "out of memory");
  }
  b->nobjs++;
  return 0;
}

/* Keeps the loader's first reason to refuse the blob, with its place. */
static void refuse(crk_reader *c, const char *where, const char *why) {
  if (c->b->loader_refusal) return;
  size_t n = strlen(where) + strlen(why) + 3;
  char *r = malloc(n);
  if (!r) return;
  snprintf(r, n, "%s%s%s", where, *where ? ": " : "", why);
  c->b->loader_refusal = r;
}

static int keep(crk_reader *c, unsigned char *buf) {
  crk_blob *b = c->b;
  if (b->nowned == b->owncap) {
    size_t nc = b->owncap ? b->owncap * 2 : 8;
    unsigned char **p = realloc(b->owned, nc * sizeof *p);
    if (!p) {
      free(buf); /* cannot keep it: nothing points into it yet */
      return crk_reader_fail(c, "out of memory");
    }
    b->owned = p;
    b->owncap = nc;
  }
  b->owned[b->nowned++] = buf;
  return 0;
}

static int by_bytes(const void *a, const void *b) {
  const crk_blob_entry *x = a, *y = b;
  return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
}

/* The entries of an opened bundle: each code object read, each given the
 * loader's verdict; entries that share bytes are refused. */
static int read_entries(crk_reader *c, const crk_blob_view *v, const char *where) {
  crk_blob_entry *sorted = malloc((v->count ? v->count : 1) * sizeof *sorted);
  if (!sorted) return crk_reader_fail(c, "out of memory for %zu bundle entries", v->count);
  size_t nsorted = 0;
  for (size_t i = 0; i < v->count; i++)
    if (v->entries[i].size > 0) sorted[nsorted++] = v->entries[i];
  /* Entries of a real bundle never share bytes; overlapping ones would also
   * let a small file make us parse the same bytes over and over. */
  qsort(sorted, nsorted, sizeof *sorted, by_bytes);
  int rc = 0;
  for (size_t i = 1; rc == 0 && i < nsorted; i++)
    if (sorted[i].bytes < sorted[i - 1].bytes + sorted[i - 1].size) {
      char a[400], b[400];
      rc = crk_reader_fail(c, "entries '%s' and '%s' overlap", crk_blob_entry_name(&sorted[i - 1], a, sizeof a),
                           crk_blob_entry_name(&sorted[i], b, sizeof b));
    }
  free(sorted);
  size_t before = c->b->nobjs;
  int refused = 0;
  for (size_t i = 0; rc == 0 && i < v->count; i++) {
    const crk_blob_entry *e = &v->entries[i];
    char here[340], why[300];
    snprintf(here, sizeof here, "%.300s%sentry %zu", where, *where ? ", " : "", i);
    crk_blob_vetted ok;
    int verdict = crk_blob_vet(e, &ok, why, sizeof why);
    if (verdict < 0) {
      char name[400], place[512];
      snprintf(place, sizeof place, "%s (%s)", here, crk_blob_entry_name(e, name, sizeof name));
      refuse(c, place, why);
      refused = 1;
    }
    if (e->id_len >= 5 && memcmp(e->id, "host-", 5) == 0) continue;
    if (!crk_is_amdgpu_elf(e->bytes, e->size)) {
      if (e->size == 0) rc = crk_reader_fail(c, "the entry is empty");
      else if (crk_elf_view_is(e->bytes, e->size)) rc = crk_reader_fail(c, "the entry is an ELF file for another machine, not an AMDGPU code object");
      else rc = crk_reader_fail(c, "the entry is not an AMDGPU code object (it starts with %02x %02x %02x %02x)",
                                e->bytes[0], e->size > 1 ? e->bytes[1] : 0, e->size > 2 ? e->bytes[2] : 0,
                                e->size > 3 ? e->bytes[3] : 0);
    } else {
      rc = add_object(c, e->bytes, e->size, e->id, e->id_len, here, verdict == 1);
    }
    if (rc != 0) {
      char name[400];
      crk_reader_place(c, "entry %zu (%s)", i, crk_blob_entry_name(e, name, sizeof name));
    }
  }
  /* One entry the loader refuses refuses the whole bundle. */
  for (size_t i = before; refused && i < c->b->nobjs; i++) c->b->objs[i].loader_takes = 0;
  return rc;
}

int crk_reader_bundle(crk_reader *c, const unsigned char *data, size_t len, const char *where,
                      uint64_t *extent) {
  crk_blob_view v;
  uint64_t room = c->o.max_uncompressed - c->inflated;
  if (crk_is_compressed_bundle(data, len) && room == 0)
    return crk_reader_fail(c, "more than %llu bytes decompressed in all: refused as hostile input",
                           (unsigned long long)c->o.max_uncompressed);
  if (crk_blob_open(&v, data, len, room, c->o.skip_hash, c->err, c->errlen) != 0) return -1;
  char here[300];
  snprintf(here, sizeof here, "%s", where);
  if (v.inflated) {
    c->inflated += v.bundle_len;
    unsigned char *copy = v.inflated;
    v.inflated = NULL; /* the code objects point into it: the blob keeps it */
    if (keep(c, copy) != 0) {
      crk_blob_close(&v);
      return -1;
    }
    snprintf(here, sizeof here, "%s%scompressed bundle v%u (%s)", where, *where ? ", " : "", v.ccob.version,
             v.ccob.method == CRK_CCOB_ZLIB ? "zlib" : "zstd");
  }
  int rc = read_entries(c, &v, here);
  if (rc != 0 && v.kind == CRK_BLOB_COMPRESSED)
    crk_reader_place(c, "compressed bundle v%u (%s)", v.ccob.version, v.ccob.method == CRK_CCOB_ZLIB ? "zlib" : "zstd");
  if (rc == 0) *extent = v.extent;
  crk_blob_close(&v);
  return rc;
}

static void describe(crk_blob *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->desc, sizeof b->desc, fmt, ap);
  va_end(ap);
}

int crk_blob_read(crk_blob *b, const void *vdata, size_t len, const crk_blob_opts *opts,
                  char *err, size_t errlen) {
  const unsigned char *data = vdata;
  memset(b, 0, sizeof *b);
  crk_reader c = {b, {CRK_BLOB_MAX_UNCOMPRESSED, 0, 0, 0}, 0, 0, err, errlen};
  if (opts) c.o = *opts;
  if (c.o.max_records == 0) c.o.max_records = CRK_BLOB_MAX_RECORDS;
  int rc;
  uint64_t extent;
  if (len == 0) {
    rc = crk_reader_fail(&c, "the file is empty");
  } else if (crk_is_amdgpu_elf(data, len)) {
    b->format = "code object";
    crk_blob_entry whole = {NULL, 0, 0, data, len};
    crk_blob_vetted ok;
    char why[300];
    int verdict = crk_blob_vet(&whole, &ok, why, sizeof why);
    if (verdict < 0) refuse(&c, "", why);
    rc = add_object(&c, data, len, NULL, 0, "", verdict == 1);
    describe(b, "AMDGPU code object");
  } else if (crk_is_bundle(data, len)) {
    b->format = "offload bundle";
    rc = crk_reader_bundle(&c, data, len, "", &extent);
    size_t n = 0;
    crk_bundle_parse(data, len, NULL, 0, &n, err, 0);
    describe(b, "offload bundle, %zu entries, %zu code object%s", n, b->nobjs, b->nobjs == 1 ? "" : "s");
  } else if (crk_is_compressed_bundle(data, len)) {
    b->format = "compressed bundle";
    rc = crk_reader_bundle(&c, data, len, "", &extent);
    if (rc == 0) {
      crk_ccob_header h;
      crk_ccob_parse(data, len, &h, err, 0);
      describe(b, "compressed offload bundle v%u (%s), %zu code object%s", h.version,
               h.method == CRK_CCOB_ZLIB ? "zlib" : "zstd", b->nobjs, b->nobjs == 1 ? "" : "s");
    }
  } else if (crk_elf_view_is(data, len) || (len >= 8 && memcmp(data, "!<arch>\n", 8) == 0)) {
    int is_elf = crk_elf_view_is(data, len);
    crk_scan_state s = {0, 8 * (uint64_t)len + (1u << 20), 0, 0, ""};
    b->format = is_elf ? "host ELF" : "archive";
    rc = crk_scan_host(&c, data, len, is_elf, &s);
    if (rc == 0 && b->nobjs == 0) {
      if (s.rejected)
        rc = crk_reader_fail(&c, "no offload bundle in this %s (%zu places spell a bundle magic but are none; first, %s)",
                  b->format, s.rejected, s.first_reject);
      else
        rc = crk_reader_fail(&c, "no offload bundle in this %s", b->format);
    }
    describe(b, "%s with %zu embedded bundle%s, %zu code object%s", b->format, s.found,
             s.found == 1 ? "" : "s", b->nobjs, b->nobjs == 1 ? "" : "s");
  } else {
    rc = crk_reader_fail(&c, "not a code object, offload bundle, compressed bundle, ELF file or archive (it starts with %02x %02x %02x %02x)",
              data[0], len > 1 ? data[1] : 0, len > 2 ? data[2] : 0, len > 3 ? data[3] : 0);
  }
  if (rc != 0) crk_blob_free(b);
  return rc;
}

void crk_blob_free(crk_blob *b) {
  for (size_t i = 0; i < b->nobjs; i++) {
    crk_codeobj_free(&b->objs[i].co);
    free(b->objs[i].where);
    free(b->objs[i].entry_id);
  }
  free(b->objs);
  free(b->loader_refusal);
  for (size_t i = 0; i < b->nowned; i++) free(b->owned[i]);
  free(b->owned);
  memset(b, 0, sizeof *b);
}
