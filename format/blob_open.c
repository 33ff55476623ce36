/* blob_open.c: see blob_open.h. */
#include "blob_open.h"

#include "elf_view.h"
#include "escape.h"
#if CRK_CCOB
#include "decompress.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

crk_blob_kind crk_blob_classify(const void *data, size_t len) {
  if (crk_is_bundle(data, len)) return CRK_BLOB_BUNDLE;
  if (crk_is_compressed_bundle(data, len)) return CRK_BLOB_COMPRESSED;
  if (crk_elf_view_is_amdgpu(data, len)) return CRK_BLOB_AMDGPU_ELF;
  return CRK_BLOB_OTHER;
}

void crk_blob_close(crk_blob_view *v) {
  if (!v) return;
  free(v->entries);
  free(v->inflated);
  memset(v, 0, sizeof *v);
}

/* Lists the entries of the uncompressed bundle v->bundle; sets the extent
 * it spans (header, ids and every entry's bytes). */
static int list_bundle(crk_blob_view *v, char *err, size_t errlen) {
  size_t count;
  if (crk_bundle_parse(v->bundle, v->bundle_len, NULL, 0, &count, err, errlen) != 0) return -1;
  /* crk_bundle_parse bounded count by the bytes: at most len/24 entries. */
  crk_bundle_entry *e = calloc(count ? count : 1, sizeof *e);
  v->entries = calloc(count ? count : 1, sizeof *v->entries);
  if (!e || !v->entries) {
    free(e);
    snprintf(err, errlen, "out of memory for %zu bundle entries", count);
    return -1;
  }
  crk_bundle_parse(v->bundle, v->bundle_len, e, count, &count, err, errlen);
  uint64_t end = CRK_BUNDLE_MAGIC_LEN + 8;
  for (size_t i = 0; i < count; i++) {
    uint64_t id_end = (uint64_t)((const unsigned char *)e[i].id - v->bundle) + e[i].id_len;
    if (id_end > end) end = id_end;
    if (e[i].offset + e[i].size > end) end = e[i].offset + e[i].size;
    v->entries[i] = (crk_blob_entry){e[i].id, e[i].id_len, i, v->bundle + e[i].offset, (size_t)e[i].size};
  }
  free(e);
  v->count = count;
  if (v->kind == CRK_BLOB_BUNDLE) v->extent = end;
  return 0;
}

int crk_blob_open(crk_blob_view *v, const void *data, size_t len, uint64_t limit, int skip_hash,
                  char *err, size_t errlen) {
  memset(v, 0, sizeof *v);
  v->kind = crk_blob_classify(data, len);
  int rc = 0;
  switch (v->kind) {
  case CRK_BLOB_AMDGPU_ELF:
    v->entries = calloc(1, sizeof *v->entries);
    if (!v->entries) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
      break;
    }
    v->entries[0] = (crk_blob_entry){NULL, 0, 0, data, len};
    v->count = 1;
    v->extent = len;
    break;
  case CRK_BLOB_BUNDLE:
    v->bundle = data;
    v->bundle_len = len;
    rc = list_bundle(v, err, errlen);
    break;
  case CRK_BLOB_COMPRESSED: {
#if CRK_CCOB
    size_t out_len;
    rc = crk_ccob_inflate(data, len, limit ? limit : CRK_BLOB_MAX_INFLATED, !skip_hash, &v->inflated, &out_len,
                          &v->extent, err, errlen);
    if (rc == 0) crk_ccob_parse(data, len, &v->ccob, err, 0); /* parsed once already: cannot fail */
    if (rc == 0 && !crk_is_bundle(v->inflated, out_len)) {
      snprintf(err, errlen, "compressed bundle v%u (%s): the decompressed data is not an offload bundle",
               v->ccob.version, v->ccob.method == CRK_CCOB_ZLIB ? "zlib" : "zstd");
      rc = -1;
    }
    if (rc == 0) {
      v->bundle = v->inflated;
      v->bundle_len = out_len;
      rc = list_bundle(v, err, errlen);
    }
#else
    (void)limit, (void)skip_hash;
    snprintf(err, errlen, "a compressed AMD offload bundle: this NVIDIA build reads none (PLATFORM=amd does)");
    rc = -1;
#endif
    break;
  }
  case CRK_BLOB_OTHER:
    snprintf(err, errlen, "not an AMDGPU code object, offload bundle or compressed bundle");
    rc = -1;
    break;
  }
  if (rc != 0) crk_blob_close(v);
  return rc;
}

static int quote_len(size_t n) { return (int)(n > 80 ? 80 : n); }

const char *crk_blob_entry_name(const crk_blob_entry *e, char *buf, size_t n) {
  return crk_escape(buf, n, e->id ? e->id : "", e->id ? (size_t)quote_len(e->id_len) : 0);
}

int crk_blob_vet(const crk_blob_entry *e, crk_blob_vetted *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  const char *target = NULL;
  size_t target_len = 0;
  if (e->id) {
    if (crk_needs_escape(e->id, e->id_len)) {
      snprintf(err, errlen, "malformed id: it holds bytes that are not printable ASCII");
      return -1;
    }
    const char *kind;
    size_t kind_len;
    if (crk_bundle_id_split(e->id, e->id_len, &kind, &kind_len, &target, &target_len) != 0) {
      snprintf(err, errlen, "malformed id: fewer than five '-' (KIND-ARCH-VENDOR-OS-ENV-TARGET)");
      return -1;
    }
    /* Only AMDGPU HSA code objects load; the host entry and others
     * (SPIR-V, other offload kinds) are passed over. */
    static const char triple[] = "amdgcn-amd-amdhsa-";
    const char *rest = kind + kind_len + 1;
    if (kind_len < 3 || memcmp(kind, "hip", 3) != 0 || (size_t)(target - rest) < sizeof triple - 1 ||
        memcmp(rest, triple, sizeof triple - 1) != 0)
      return 0;
    if (target_len == 0 || target_len >= sizeof out->target ||
        crk_target_id_parse(target, target_len, &out->tid) != 0) {
      snprintf(err, errlen, "bad target ID");
      return -1;
    }
  }
  if (crk_elf_view_vet(e->bytes, e->size, CRK_EM_AMDGPU, err, errlen) != 0) return -1;
  if (crk_flags_target_of_elf(e->bytes, e->size, &out->flags) != 0) {
    snprintf(err, errlen, "code object for an unknown AMDGPU processor (EF_AMDGPU_MACH 0x%02x)", out->flags.mach);
    return -1;
  }
  if (target) {
    /* A bundle entry: its id must name the processor the object is for. */
    if (strcmp(out->tid.processor, out->flags.tid.processor) != 0) {
      snprintf(err, errlen, "the entry says %.*s but holds a code object for %s", quote_len(target_len), target,
               out->flags.text);
      return -1;
    }
    memcpy(out->target, target, target_len);
    out->target[target_len] = '\0';
  } else {
    snprintf(out->target, sizeof out->target, "%s", out->flags.text);
    out->tid = out->flags.tid;
  }
  return 1;
}
