/* module_blob.c: see module_blob.h. The bundle layout and target IDs are read by
 * format/bundle.c (the one parser of them); ELF by elf_check.c. */
#include "module_blob.h"

#if CRK_CCOB
#include "ccob.h"
#include "decompress.h"
#include "elf_view.h"
#endif
#include "elf_check.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FATBIN_MAGIC 0xBA55ED50u

static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

const char *crk_ldr_blob_kind_name(crk_ldr_blob_kind k) {
  switch (k) {
  case CRK_LDR_BLOB_AMD_BUNDLE: return "AMD offload bundle";
  case CRK_LDR_BLOB_AMD_ELF: return "AMDGPU code object";
  case CRK_LDR_BLOB_CUDA_ELF: return "CUDA cubin";
  case CRK_LDR_BLOB_CUDA_FATBIN: return "CUDA fatbin";
  case CRK_LDR_BLOB_CUDA_PTX: return "PTX";
  }
  return "blob";
}

crk_platform crk_ldr_blob_platform(crk_ldr_blob_kind k) {
  return k == CRK_LDR_BLOB_AMD_BUNDLE || k == CRK_LDR_BLOB_AMD_ELF ? CRK_PLATFORM_AMD : CRK_PLATFORM_NVIDIA;
}

void crk_ldr_blob_free(crk_ldr_blob *b) {
  if (!b) return;
  free(b->targets);
  free(b->inflated);
  b->targets = NULL;
  b->inflated = NULL;
  b->inflated_len = 0;
  b->count = 0;
}

static crk_status bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static crk_status bad(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return CRK_ERR_BAD_BLOB;
}

static crk_status alloc_targets(crk_ldr_blob *out, size_t n, char *err, size_t errlen) {
  out->targets = calloc(n ? n : 1, sizeof *out->targets);
  if (!out->targets) {
    snprintf(err, errlen, "out of host memory listing %zu targets", n);
    return CRK_ERR_NO_MEMORY;
  }
  return CRK_OK;
}

/* Checks one AMDGPU code object and fills t from it. `where` names it. */
static crk_status amd_object(const unsigned char *p, size_t n, const char *where,
                             crk_ldr_blob_target *t, char *err, size_t errlen) {
  char why[256];
  if (crk_elf_check(p, n, CRK_EM_AMDGPU, why, sizeof why))
    return bad(err, errlen, "%s: %s", where, why);
  char target[CRK_TARGET_MAX];
  if (crk_elf_amdgpu_target(p, n, target, sizeof target))
    return bad(err, errlen, "%s: code object for an unknown AMDGPU processor (EF_AMDGPU_MACH 0x%02x)",
               where, p[48]);
  crk_target_id tid;
  if (crk_target_id_parse(target, strlen(target), &tid))
    return bad(err, errlen, "%s: unparsable target ID %s", where, target);
  if (t->target[0]) {
    /* A bundle entry: its id must name the processor the object is for. */
    if (strcmp(tid.processor, t->tid.processor) != 0)
      return bad(err, errlen, "%s: the entry says %s but holds a code object for %s", where,
                 t->target, target);
  } else {
    memcpy(t->target, target, sizeof target);
    t->tid = tid;
  }
  t->image = p;
  t->size = n;
  return CRK_OK;
}

static crk_status inspect_bundle(const unsigned char *p, size_t len, crk_ldr_blob *out, char *err,
                                 size_t errlen) {
  char why[256];
  size_t count;
  if (crk_bundle_parse(p, len, NULL, 0, &count, why, sizeof why))
    return bad(err, errlen, "offload bundle: %s", why);
  crk_bundle_entry *e = calloc(count ? count : 1, sizeof *e);
  if (!e) {
    snprintf(err, errlen, "out of host memory reading %zu bundle entries", count);
    return CRK_ERR_NO_MEMORY;
  }
  crk_status s = alloc_targets(out, count, err, errlen);
  if (s != CRK_OK) {
    free(e);
    return s;
  }
  crk_bundle_parse(p, len, e, count, &count, why, sizeof why);
  out->kind = CRK_LDR_BLOB_AMD_BUNDLE;
  static const char triple[] = "amdgcn-amd-amdhsa-";
  for (size_t i = 0; i < count && s == CRK_OK; i++) {
    const char *kind, *target;
    size_t kind_len, target_len;
    int idlen = (int)(e[i].id_len > 80 ? 80 : e[i].id_len);
    if (crk_bundle_id_split(e[i].id, e[i].id_len, &kind, &kind_len, &target, &target_len)) {
      s = bad(err, errlen, "offload bundle entry %zu: malformed id '%.*s'", i, idlen, e[i].id);
      break;
    }
    /* Only AMDGPU HSA code objects load here; the host entry and others
     * (SPIR-V, other offload kinds) are skipped. */
    const char *rest = kind + kind_len + 1;
    if (kind_len < 3 || memcmp(kind, "hip", 3) != 0 ||
        (size_t)(target - rest) < sizeof triple - 1 || memcmp(rest, triple, sizeof triple - 1) != 0)
      continue;
    crk_ldr_blob_target *t = &out->targets[out->count];
    char where[128];
    snprintf(where, sizeof where, "offload bundle entry %zu (%.*s)", i, idlen, e[i].id);
    if (target_len == 0 || target_len >= CRK_TARGET_MAX ||
        crk_target_id_parse(target, target_len, &t->tid)) {
      s = bad(err, errlen, "%s: bad target ID", where);
      break;
    }
    memcpy(t->target, target, target_len);
    t->target[target_len] = '\0';
    s = amd_object(p + e[i].offset, (size_t)e[i].size, where, t, err, errlen);
    if (s == CRK_OK) out->count++;
  }
  free(e);
  if (s == CRK_OK && out->count == 0)
    s = bad(err, errlen, "offload bundle holds no AMDGPU code object (%zu entries)", count);
  return s;
}

/* Walks the fatbin's entries; fills out->targets when it is allocated,
 * counts them (in *n) either way. */
static crk_status walk_fatbin(const unsigned char *p, size_t len, crk_ldr_blob *out, size_t *n,
                              char *err, size_t errlen) {
  unsigned hsize = p[6] | p[7] << 8;
  uint64_t fat_size = rd64(p + 8);
  if (hsize < 16 || hsize > len || fat_size > len - hsize)
    return bad(err, errlen, "fatbin truncated or corrupt: header %u + %llu bytes of entries, but the blob has %zu",
               hsize, (unsigned long long)fat_size, len);
  size_t pos = hsize, end = hsize + (size_t)fat_size, i = 0;
  *n = 0;
  while (pos < end) {
    if (end - pos < 32)
      return bad(err, errlen, "fatbin entry %zu: header truncated (%zu bytes left)", i, end - pos);
    unsigned kind = p[pos] | p[pos + 1] << 8;
    uint32_t ehs = rd32(p + pos + 4);
    uint64_t size = rd64(p + pos + 8);
    uint32_t arch = rd32(p + pos + 28);
    if (ehs < 32 || ehs > end - pos || size > end - pos - ehs)
      return bad(err, errlen, "fatbin entry %zu: header %u + %llu bytes run past the fatbin's end",
                 i, ehs, (unsigned long long)size);
    if (kind == 1 || kind == 2) { /* PTX, cubin */
      if (out->targets) {
        crk_ldr_blob_target *t = &out->targets[*n];
        snprintf(t->target, sizeof t->target, "%s_%u", kind == 1 ? "compute" : "sm", arch);
        t->image = p;
        t->size = len;
      }
      (*n)++;
    }
    pos += ehs + (size_t)size;
    i++;
  }
  if (*n == 0) return bad(err, errlen, "fatbin holds no cubin or PTX (%zu entries)", i);
  return CRK_OK;
}

static crk_status inspect_fatbin(const unsigned char *p, size_t len, crk_ldr_blob *out, char *err,
                                 size_t errlen) {
  if (len < 16) return bad(err, errlen, "fatbin truncated: %zu bytes, the header alone is 16", len);
  size_t n;
  crk_status s = walk_fatbin(p, len, out, &n, err, errlen);
  if (s != CRK_OK) return s;
  if ((s = alloc_targets(out, n, err, errlen)) != CRK_OK) return s;
  out->kind = CRK_LDR_BLOB_CUDA_FATBIN;
  walk_fatbin(p, len, out, &out->count, err, errlen);
  return CRK_OK;
}

/* PTX is text that cuModuleLoadData reads up to its NUL. */
static crk_status inspect_ptx(const unsigned char *p, size_t len, crk_ldr_blob *out, char *err,
                              size_t errlen) {
  const unsigned char *nul = memchr(p, 0, len);
  if (!nul)
    return bad(err, errlen, "PTX text is not NUL-terminated within its %zu bytes (the driver reads a C string)", len);
  for (const unsigned char *c = p; c < nul; c++)
    if (*c < 0x20 && *c != '\n' && *c != '\r' && *c != '\t')
      return bad(err, errlen, "PTX text holds a control byte 0x%02x at offset %zu", *c, (size_t)(c - p));
  const char *text = (const char *)p;
  const char *tgt = strstr(text, ".target");
  if (!strstr(text, ".version") || !tgt)
    return bad(err, errlen, "text without .version and .target directives is not PTX");
  tgt += 7;
  while (*tgt == ' ' || *tgt == '\t') tgt++;
  size_t n = strcspn(tgt, " \t\r\n,");
  crk_status s = alloc_targets(out, 1, err, errlen);
  if (s != CRK_OK) return s;
  out->kind = CRK_LDR_BLOB_CUDA_PTX;
  out->count = 1;
  if (n > 3 && memcmp(tgt, "sm_", 3) == 0 && n - 3 < CRK_TARGET_MAX - 8)
    snprintf(out->targets[0].target, CRK_TARGET_MAX, "compute_%.*s", (int)(n - 3), tgt + 3);
  else
    snprintf(out->targets[0].target, CRK_TARGET_MAX, "%.*s", (int)(n < 32 ? n : 32), tgt);
  out->targets[0].image = p;
  out->targets[0].size = len;
  return CRK_OK;
}

static crk_status inspect(const unsigned char *p, size_t len, crk_ldr_blob *out, char *err,
                          size_t errlen) {
  if (crk_is_bundle(p, len)) return inspect_bundle(p, len, out, err, errlen);
#if CRK_CCOB
  if (crk_is_compressed_bundle(p, len)) {
    /* Decompressed once, here: the code objects are picked from the copy. */
    char why[384];
    if (crk_ccob_inflate(p, len, CRK_CCOB_LIMIT, &out->inflated, &out->inflated_len, why, sizeof why) != 0)
      return bad(err, errlen, "%s", why);
    if (!crk_is_bundle(out->inflated, out->inflated_len))
      return bad(err, errlen, "compressed bundle: the decompressed data is not an offload bundle");
    return inspect_bundle(out->inflated, out->inflated_len, out, err, errlen);
  }
#else
  if (len >= 4 && memcmp(p, "CCOB", 4) == 0)
    return bad(err, errlen, "a compressed AMD offload bundle: this NVIDIA build of the loader reads none (PLATFORM=amd does)");
#endif
  if (crk_elf_view_is(p, len)) {
    unsigned machine = len >= 20 ? (unsigned)(p[18] | p[19] << 8) : 0;
    if (machine == CRK_EM_CUDA) {
      char why[256];
      if (crk_elf_check(p, len, CRK_EM_CUDA, why, sizeof why)) return bad(err, errlen, "CUDA cubin: %s", why);
      crk_status s = alloc_targets(out, 1, err, errlen);
      if (s != CRK_OK) return s;
      out->kind = CRK_LDR_BLOB_CUDA_ELF;
      out->count = 1;
      int sm = crk_elf_cuda_sm(p, len);
      if (sm > 0) snprintf(out->targets[0].target, CRK_TARGET_MAX, "sm_%d", sm);
      else snprintf(out->targets[0].target, CRK_TARGET_MAX, "sm_unknown");
      out->targets[0].image = p;
      out->targets[0].size = len;
      return CRK_OK;
    }
    if (machine != CRK_EM_AMDGPU && len >= 64)
      return bad(err, errlen, "ELF for machine %u is neither an AMDGPU code object (%d) nor a CUDA cubin (%d)",
                 machine, CRK_EM_AMDGPU, CRK_EM_CUDA);
    crk_status s = alloc_targets(out, 1, err, errlen);
    if (s != CRK_OK) return s;
    out->kind = CRK_LDR_BLOB_AMD_ELF;
    s = amd_object(p, len, "AMDGPU code object", &out->targets[0], err, errlen);
    if (s == CRK_OK) out->count = 1;
    return s;
  }
  if (len >= 4 && rd32(p) == FATBIN_MAGIC) return inspect_fatbin(p, len, out, err, errlen);
  if (memchr(p, '.', len < 4096 ? len : 4096) && (p[0] == '/' || p[0] == '.' || p[0] == '\n' ||
                                                  p[0] == ' ' || p[0] == '\t' || p[0] == '\r'))
    return inspect_ptx(p, len, out, err, errlen);
  return bad(err, errlen, "not a code object, offload bundle, cubin, fatbin or PTX "
                          "(%zu bytes starting %02x %02x %02x %02x)",
             len, p[0], len > 1 ? p[1] : 0, len > 2 ? p[2] : 0, len > 3 ? p[3] : 0);
}

crk_status crk_ldr_blob_inspect(const void *data, size_t len, crk_ldr_blob *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!data || len == 0) return bad(err, errlen, "empty blob (%zu bytes)", len);
  crk_status s = inspect(data, len, out, err, errlen);
  if (s != CRK_OK) crk_ldr_blob_free(out);
  return s;
}

int crk_ldr_blob_pick(const crk_ldr_blob *b, const crk_target_id *dev, int isa_ok,
                      crk_pick_kind *kind) {
  int best = -1;
  long best_score = 0;
  crk_pick_kind best_kind = CRK_PICK_NONE;
  for (size_t i = 0; i < b->count; i++) {
    crk_pick_kind k;
    long score = crk_pick_score(&b->targets[i].tid, dev, isa_ok, &k);
    if (score > best_score) {
      best = (int)i;
      best_score = score;
      best_kind = k;
    }
  }
  if (kind) *kind = best_kind;
  return best;
}

size_t crk_ldr_blob_targets(const crk_ldr_blob *b, char *buf, size_t len) {
  size_t need = 0;
  int full = len == 0;
  if (len) buf[0] = '\0';
  for (size_t i = 0; i < b->count; i++) {
    const char *t = b->targets[i].target;
    int dup = 0;
    for (size_t j = 0; j < i && !dup; j++) dup = strcmp(b->targets[j].target, t) == 0;
    if (dup) continue;
    size_t tl = strlen(t), at = need + (need ? 1 : 0);
    if (!full && at + tl < len) {
      if (need) buf[need] = ' ';
      memcpy(buf + at, t, tl + 1);
    } else {
      full = 1; /* keep the list a prefix: write nothing after a gap */
    }
    need = at + tl;
  }
  return need;
}
