/* blob.c: see blob.h.
 *
 * Layers, each adding its place to an error's reason so that a fault deep
 * inside reads "bundle at .hip_fatbin+0x0: entry 2 (hipv4-...--gfx90a):
 * metadata note: kernel 3 (foo): .sgpr_count is not a non-negative integer".
 */
#include "blob.h"

#include "ccob.h"
#include "decompress.h"
#include "elf_view.h"
#include "rd.h"

#include <md5.h> /* libmd */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More bundles than this in one host file is not a build output. */
#define MAX_EMBEDDED_BUNDLES 4096

typedef struct {
  crk_blob *b;
  crk_blob_opts o;
  uint64_t inflated;  /* bytes decompressed so far, against o.max_uncompressed */
  size_t records;     /* kernel and argument records kept, against o.max_records */
  char *err;
  size_t errlen;
} ctx;

/* Prefixes the reason already in c->err with a place. */
static void place(ctx *c, const char *fmt, ...) {
  char where[256], tmp[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(where, sizeof where, fmt, ap);
  va_end(ap);
  snprintf(tmp, sizeof tmp, "%s", c->err);
  snprintf(c->err, c->errlen, "%s: %s", where, tmp);
}

static int fail(ctx *c, const char *fmt, ...) {
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
static int check_entry_target(ctx *c, const char *id, size_t id_len, const crk_codeobj *co) {
  const char *kind, *target;
  size_t kind_len, target_len;
  crk_target_id t;
  if (crk_bundle_id_split(id, id_len, &kind, &kind_len, &target, &target_len) != 0 || target_len == 0)
    return 0; /* an id of an older layout: nothing to compare */
  if (crk_target_id_parse(target, target_len, &t) != 0)
    return fail(c, "malformed target ID '%.*s' in the entry id", (int)(target_len > 64 ? 64 : target_len), target);
  if (strcmp(t.processor, co->arch) != 0)
    return fail(c, "the entry id names %s, but the code object's e_flags (0x%x) say %s", t.processor,
                co->e_flags, co->arch);
  /* An id names a feature only where the processor has it: "unsupported"
   * in e_flags goes with no feature in the id (which parses as "any"). */
  if (co->co_version >= 4) {
    int want_x = co->xnack == CRK_FEATURE_UNSUPPORTED ? CRK_FEATURE_ANY : co->xnack;
    int want_s = co->sramecc == CRK_FEATURE_UNSUPPORTED ? CRK_FEATURE_ANY : co->sramecc;
    if (t.xnack != want_x)
      return fail(c, "the entry id says xnack %s, but e_flags say %s", crk_feature_name(t.xnack),
                  crk_feature_name(co->xnack));
    if (t.sramecc != want_s)
      return fail(c, "the entry id says sramecc %s, but e_flags say %s", crk_feature_name(t.sramecc),
                  crk_feature_name(co->sramecc));
  }
  return 0;
}

static int add_object(ctx *c, const unsigned char *bytes, size_t size, const char *id,
                      size_t id_len, const char *where) {
  crk_blob *b = c->b;
  if (b->nobjs == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 16;
    crk_blob_obj *p = realloc(b->objs, nc * sizeof *p);
    if (!p) return fail(c, "out of memory");
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
    return fail(c, "the code objects hold more than %zu kernel and argument records in all "
                "(%zu before this one): refused as hostile input", c->o.max_records, have);
  }
  c->records += o->co.records;
  o->bytes = bytes;
  o->size = size;
  o->where = dupn(where, strlen(where));
  o->entry_id = id ? dupn(id, id_len) : NULL;
  if (!o->where || (id && !o->entry_id)) {
    free(o->where);
    free(o->entry_id);
    crk_codeobj_free(&o->co);
    return fail(c, "out of memory");
  }
  b->nobjs++;
  return 0;
}

static int by_offset(const void *a, const void *b) {
  const crk_bundle_entry *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Reads the uncompressed bundle data[0..len) found at `where`; *extent gets
 * the bytes it spans (header and every entry). */
static int read_bundle(ctx *c, const unsigned char *data, size_t len, const char *where,
                       uint64_t *extent) {
  size_t count;
  if (crk_bundle_parse(data, len, NULL, 0, &count, c->err, c->errlen) != 0) return -1;
  /* crk_bundle_parse bounded count by the bytes: at most len/24 entries. */
  crk_bundle_entry *e = malloc((count ? count : 1) * sizeof *e);
  crk_bundle_entry *sorted = malloc((count ? count : 1) * sizeof *sorted);
  if (!e || !sorted) {
    free(e);
    free(sorted);
    return fail(c, "out of memory for %zu bundle entries", count);
  }
  int rc = crk_bundle_parse(data, len, e, count, &count, c->err, c->errlen);
  uint64_t end = 32;
  size_t nsorted = 0;
  for (size_t i = 0; rc == 0 && i < count; i++) {
    uint64_t id_end = (uint64_t)((const unsigned char *)e[i].id - data) + e[i].id_len;
    if (id_end > end) end = id_end;
    if (e[i].offset + e[i].size > end) end = e[i].offset + e[i].size;
    if (e[i].size > 0) sorted[nsorted++] = e[i];
  }
  /* Entries of a real bundle never share bytes; overlapping ones would also
   * let a small file make us parse the same bytes over and over. */
  qsort(sorted, nsorted, sizeof *sorted, by_offset);
  for (size_t i = 1; rc == 0 && i < nsorted; i++)
    if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].size)
      rc = fail(c, "entries '%.*s' and '%.*s' overlap", (int)(sorted[i - 1].id_len > 80 ? 80 : sorted[i - 1].id_len),
                sorted[i - 1].id, (int)(sorted[i].id_len > 80 ? 80 : sorted[i].id_len), sorted[i].id);
  for (size_t i = 0; rc == 0 && i < count; i++) {
    const unsigned char *bytes = data + e[i].offset;
    size_t size = (size_t)e[i].size;
    int idn = (int)(e[i].id_len > 100 ? 100 : e[i].id_len);
    char here[300];
    snprintf(here, sizeof here, "%s%sentry %zu", where, *where ? ", " : "", i);
    if (e[i].id_len >= 5 && memcmp(e[i].id, "host-", 5) == 0) continue;
    if (!crk_is_amdgpu_elf(bytes, size)) {
      if (size == 0) rc = fail(c, "the entry is empty");
      else if (crk_elf_view_is(bytes, size)) rc = fail(c, "the entry is an ELF file for another machine, not an AMDGPU code object");
      else rc = fail(c, "the entry is not an AMDGPU code object (it starts with %02x %02x %02x %02x)",
                     size > 0 ? bytes[0] : 0, size > 1 ? bytes[1] : 0, size > 2 ? bytes[2] : 0,
                     size > 3 ? bytes[3] : 0);
    } else {
      rc = add_object(c, bytes, size, e[i].id, e[i].id_len, here);
    }
    if (rc != 0) place(c, "entry %zu (%.*s)", i, idn, e[i].id);
  }
  free(e);
  free(sorted);
  if (rc == 0) *extent = end;
  return rc;
}

static void keep(ctx *c, unsigned char *buf) {
  crk_blob *b = c->b;
  if (b->nowned == b->owncap) {
    size_t nc = b->owncap ? b->owncap * 2 : 8;
    unsigned char **p = realloc(b->owned, nc * sizeof *p);
    if (!p) {
      free(buf); /* cannot keep it: nothing points into it yet */
      return;
    }
    b->owned = p;
    b->owncap = nc;
  }
  b->owned[b->nowned++] = buf;
}

/* Reads the compressed bundle at data[0..len); *extent gets the bytes it
 * spans. The compressed stream's own end bounds a v1 bundle. */
static int read_ccob(ctx *c, const unsigned char *data, size_t len, const char *where,
                     uint64_t *extent, int *entries) {
  crk_ccob_header h;
  if (crk_ccob_parse(data, len, &h, c->err, c->errlen) != 0) return -1;
  const char *method = h.method == CRK_CCOB_ZLIB ? "zlib" : "zstd";
  uint64_t room = c->o.max_uncompressed - c->inflated;
  unsigned char *out;
  size_t out_len, consumed;
  if (crk_decompress(h.method, h.payload, h.payload_len, h.uncompressed_size, room, &out, &out_len,
                     &consumed, c->err, c->errlen) != 0) {
    place(c, "compressed bundle v%u (%s)", h.version, method);
    return -1;
  }
  c->inflated += out_len;
  keep(c, out);
  if (c->b->nowned == 0 || c->b->owned[c->b->nowned - 1] != out)
    return fail(c, "out of memory");
  if (!c->o.skip_hash) {
    unsigned char d[MD5_DIGEST_LENGTH];
    MD5_CTX md5;
    MD5Init(&md5);
    MD5Update(&md5, out, out_len);
    MD5Final(d, &md5);
    uint64_t got = rd_le(d, 8);
    if (got != h.hash)
      return fail(c, "compressed bundle v%u (%s): hash 0x%016llx in the header, but the data's is 0x%016llx: corrupted",
                  h.version, method, (unsigned long long)h.hash, (unsigned long long)got);
  }
  if (!crk_is_bundle(out, out_len))
    return fail(c, "compressed bundle v%u (%s): the decompressed data is not an offload bundle",
                h.version, method);
  char here[300];
  snprintf(here, sizeof here, "%s%scompressed bundle v%u (%s)", where, *where ? ", " : "", h.version, method);
  size_t before = c->b->nobjs;
  uint64_t inner;
  if (read_bundle(c, out, out_len, here, &inner) != 0) {
    place(c, "compressed bundle v%u (%s)", h.version, method);
    return -1;
  }
  *entries = (int)(c->b->nobjs - before);
  *extent = h.version == 1 ? h.header_size + consumed : h.total_size;
  return 0;
}

/* The first place at or after p where either magic starts wholly inside
 * [p, end), or NULL. Both magics start with a letter that is rare in
 * binaries ('_', 'C'), so memchr does most of the work. */
static const unsigned char *next_magic(const unsigned char *p, const unsigned char *end,
                                       const unsigned char **under) {
  /* *under: the next '_' at or after p (end when none), kept across calls
   * and searched for once per '_', so that no run of 'C's or of rejected
   * candidates can make the scan quadratic. Starts NULL. */
  const unsigned char *u = *under;
  while (p < end) {
    if (!u || u < p) {
      u = memchr(p, '_', (size_t)(end - p));
      if (!u) u = end;
      *under = u;
    }
    const unsigned char *k = memchr(p, 'C', (size_t)(u - p));
    const unsigned char *q = k ? k : u;
    if (q == end) return NULL;
    size_t left = (size_t)(end - q);
    if (*q == '_' && left >= CRK_BUNDLE_MAGIC_LEN && memcmp(q, CRK_BUNDLE_MAGIC, CRK_BUNDLE_MAGIC_LEN) == 0)
      return q;
    if (*q == 'C' && left >= CRK_CCOB_MAGIC_LEN && memcmp(q, CRK_CCOB_MAGIC, CRK_CCOB_MAGIC_LEN) == 0)
      return q;
    p = q + 1;
  }
  return NULL;
}

typedef struct {
  uint64_t work;       /* bundle entry headers looked at for candidates */
  uint64_t budget;     /* how many we allow: a few times the file's size */
  size_t found;        /* bundles holding code objects */
  size_t rejected;     /* places that start like a bundle but are none */
  char first_reject[512];
} scan_state;

/* Scans [start, end) of the file for embedded bundles; label names the
 * range (a section) in messages. */
static int scan_range(ctx *c, const unsigned char *file, size_t start, size_t end, const char *label,
                      scan_state *s) {
  const unsigned char *p = file + start, *e = file + end, *under = NULL;
  while (p < e && (p = next_magic(p, e, &under)) != NULL) {
    size_t off = (size_t)(p - file) - start, left = (size_t)(e - p);
    char here[200], why[256];
    snprintf(here, sizeof here, "bundle at %s+0x%zx", label, off);
    int compressed = memcmp(p, CRK_CCOB_MAGIC, CRK_CCOB_MAGIC_LEN) == 0;
    /* A header that does not parse is some other bytes that happen to
     * spell the magic (this project's own library holds the string). */
    int header_ok;
    if (compressed) {
      crk_ccob_header h;
      header_ok = crk_ccob_parse(p, left, &h, why, sizeof why) == 0;
    } else {
      /* Checking a candidate looks at up to count entry headers: charge
       * that to a budget, so that a file of many near-miss headers cannot
       * make the scan quadratic. */
      size_t n;
      uint64_t claimed = left >= 32 ? rd_le(p + 24, 8) : 0, most = left / 24;
      s->work += claimed < most ? claimed : most;
      if (s->work > s->budget)
        return fail(c, "too many places spell a bundle magic (last at %s+0x%zx)", label, off);
      header_ok = crk_bundle_parse(p, left, NULL, 0, &n, why, sizeof why) == 0;
    }
    if (!header_ok) {
      if (s->rejected++ == 0) snprintf(s->first_reject, sizeof s->first_reject, "%s: %s", here, why);
      p++;
      continue;
    }
    uint64_t extent;
    int entries = 0;
    size_t before = c->b->nobjs;
    int rc = compressed ? read_ccob(c, p, left, here, &extent, &entries)
                        : read_bundle(c, p, left, here, &extent);
    if (rc != 0) {
      place(c, "%s", here);
      return -1;
    }
    if (c->b->nobjs > before && ++s->found > MAX_EMBEDDED_BUNDLES)
      return fail(c, "more than %d embedded bundles", MAX_EMBEDDED_BUNDLES);
    p += extent > 0 && extent <= left ? extent : 1;
  }
  return 0;
}

typedef struct {
  uint64_t off, size;
  uint32_t index;
} range;

static int range_cmp(const void *a, const void *b) {
  const range *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off ? 1 : (x->index > y->index) - (x->index < y->index);
}

static int read_host_elf(ctx *c, const unsigned char *data, size_t len, scan_state *s) {
  crk_elf_view e;
  if (crk_elf_view_open(&e, data, len, c->err, c->errlen) != 0) return -1;
  if (e.shnum == 0)
    return fail(c, "host ELF has no section headers to find embedded bundles in");
  range *r = malloc(e.shnum * sizeof *r);
  if (!r) return fail(c, "out of memory for %u sections", e.shnum);
  size_t n = 0;
  for (uint32_t i = 1; i < e.shnum; i++) {
    crk_elf_view_shdr sh;
    if (crk_elf_view_section(&e, i, &sh, c->err, c->errlen) != 0) {
      free(r);
      return -1;
    }
    if (sh.type == CRK_SHT_NOBITS || sh.type == 0 || sh.size == 0) continue;
    r[n++] = (range){sh.offset, sh.size, i};
  }
  /* In file order, and each byte scanned once even if sections overlap. */
  qsort(r, n, sizeof *r, range_cmp);
  uint64_t done = 0;
  int rc = 0;
  for (size_t k = 0; k < n && rc == 0; k++) {
    uint64_t from = r[k].off > done ? r[k].off : done, to = r[k].off + r[k].size;
    if (from >= to) continue;
    crk_elf_view_shdr sh;
    crk_elf_view_section(&e, r[k].index, &sh, c->err, c->errlen);
    char label[80];
    snprintf(label, sizeof label, "%.60s", crk_elf_view_section_name(&e, &sh));
    if (from != r[k].off) /* the label's offsets stay section-relative */
      snprintf(label + strlen(label), sizeof label - strlen(label), "+0x%llx", (unsigned long long)(from - r[k].off));
    rc = scan_range(c, data, (size_t)from, (size_t)to, label, s);
    done = to;
  }
  free(r);
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
  ctx c = {b, {CRK_BLOB_MAX_UNCOMPRESSED, 0, 0, 0}, 0, 0, err, errlen};
  if (opts) c.o = *opts;
  if (c.o.max_records == 0) c.o.max_records = CRK_BLOB_MAX_RECORDS;
  int rc;
  uint64_t extent;
  if (len == 0) {
    rc = fail(&c, "the file is empty");
  } else if (crk_is_amdgpu_elf(data, len)) {
    b->format = "code object";
    rc = add_object(&c, data, len, NULL, 0, "");
    describe(b, "AMDGPU code object");
  } else if (crk_is_bundle(data, len)) {
    b->format = "offload bundle";
    rc = read_bundle(&c, data, len, "", &extent);
    size_t n = 0;
    crk_bundle_parse(data, len, NULL, 0, &n, err, 0);
    describe(b, "offload bundle, %zu entries, %zu code object%s", n, b->nobjs, b->nobjs == 1 ? "" : "s");
  } else if (crk_is_compressed_bundle(data, len)) {
    b->format = "compressed bundle";
    int entries;
    rc = read_ccob(&c, data, len, "", &extent, &entries);
    if (rc == 0) {
      crk_ccob_header h;
      crk_ccob_parse(data, len, &h, err, 0);
      describe(b, "compressed offload bundle v%u (%s), %zu code object%s", h.version,
               h.method == CRK_CCOB_ZLIB ? "zlib" : "zstd", b->nobjs, b->nobjs == 1 ? "" : "s");
    }
  } else if (crk_elf_view_is(data, len) || (len >= 8 && memcmp(data, "!<arch>\n", 8) == 0)) {
    int is_elf = crk_elf_view_is(data, len);
    scan_state s = {0, 8 * (uint64_t)len + (1u << 20), 0, 0, ""};
    b->format = is_elf ? "host ELF" : "archive";
    rc = is_elf ? read_host_elf(&c, data, len, &s) : scan_range(&c, data, 8, len, "archive", &s);
    if (rc == 0 && b->nobjs == 0) {
      if (s.rejected)
        rc = fail(&c, "no offload bundle in this %s (%zu places spell a bundle magic but are none; first, %s)",
                  b->format, s.rejected, s.first_reject);
      else
        rc = fail(&c, "no offload bundle in this %s", b->format);
    }
    describe(b, "%s with %zu embedded bundle%s, %zu code object%s", b->format, s.found,
             s.found == 1 ? "" : "s", b->nobjs, b->nobjs == 1 ? "" : "s");
  } else {
    rc = fail(&c, "not a code object, offload bundle, compressed bundle, ELF file or archive (it starts with %02x %02x %02x %02x)",
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
  for (size_t i = 0; i < b->nowned; i++) free(b->owned[i]);
  free(b->owned);
  memset(b, 0, sizeof *b);
}
