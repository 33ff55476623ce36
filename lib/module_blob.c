/* module_blob.c: see module_blob.h. AMD blobs are opened and vetted by
 * format/blob_open.c (the rules crk-dump applies too); NVIDIA ones here. */
#include "module_blob.h"

#include "blob_open.h"
#include "elf_check.h"
#include "rd.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FATBIN_MAGIC 0xBA55ED50u

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

/* An AMD blob (a bundle, compressed or not, or one code object), opened
 * and every entry vetted by the format layer's rules. */
static crk_status inspect_amd(const unsigned char *p, size_t len, crk_ldr_blob *out, char *err,
                              size_t errlen) {
  crk_blob_view v;
  char why[384];
  if (crk_blob_open(&v, p, len, CRK_BLOB_MAX_INFLATED, 0, why, sizeof why) != 0) {
    if (crk_is_bundle(p, len)) return bad(err, errlen, "offload bundle: %s", why);
    if (!strncmp(why, "out of memory", 13)) {
      snprintf(err, errlen, "%s", why);
      return CRK_ERR_NO_MEMORY;
    }
    return bad(err, errlen, "%s", why);
  }
  crk_status s = alloc_targets(out, v.count, err, errlen);
  out->kind = v.kind == CRK_BLOB_AMDGPU_ELF ? CRK_LDR_BLOB_AMD_ELF : CRK_LDR_BLOB_AMD_BUNDLE;
  for (size_t i = 0; i < v.count && s == CRK_OK; i++) {
    crk_blob_vetted ok;
    int r = crk_blob_vet(&v.entries[i], &ok, why, sizeof why);
    char name[400];
    crk_blob_entry_name(&v.entries[i], name, sizeof name);
    if (r < 0 && v.kind == CRK_BLOB_AMDGPU_ELF) s = bad(err, errlen, "AMDGPU code object: %s", why);
    else if (r < 0) s = bad(err, errlen, "offload bundle entry %zu (%s): %s", i, name, why);
    if (r <= 0) continue;
    crk_ldr_blob_target *t = &out->targets[out->count++];
    memcpy(t->target, ok.target, sizeof t->target);
    t->tid = ok.tid;
    t->image = v.entries[i].bytes;
    t->size = v.entries[i].size;
  }
  if (s == CRK_OK && out->count == 0)
    s = bad(err, errlen, "offload bundle holds no AMDGPU code object (%zu entries)", v.count);
  /* The targets point into the decompressed copy: the blob keeps it. */
  if (s == CRK_OK && v.inflated) {
    out->inflated = v.inflated;
    out->inflated_len = v.bundle_len;
    v.inflated = NULL;
  }
  crk_blob_close(&v);
  return s;
}

/* Walks the fatbin's entries; fills out->targets when it is allocated,
 * counts them (in *n) either way. */
static crk_status walk_fatbin(const unsigned char *p, size_t len, crk_ldr_blob *out, size_t *n,
                              char *err, size_t errlen) {
  unsigned hsize = (unsigned)rd_le(p + 6, 2);
  uint64_t fat_size = rd_le(p + 8, 8);
  if (hsize < 16 || hsize > len || fat_size > len - hsize)
    return bad(err, errlen, "fatbin truncated or corrupt: header %u + %llu bytes of entries, but the blob has %zu",
               hsize, (unsigned long long)fat_size, len);
  size_t pos = hsize, end = hsize + (size_t)fat_size, i = 0;
  *n = 0;
  while (pos < end) {
    if (end - pos < 32)
      return bad(err, errlen, "fatbin entry %zu: header truncated (%zu bytes left)", i, end - pos);
    unsigned kind = (unsigned)rd_le(p + pos, 2);
    uint32_t ehs = (uint32_t)rd_le(p + pos + 4, 4);
    uint64_t size = rd_le(p + pos + 8, 8);
    uint32_t arch = (uint32_t)rd_le(p + pos + 28, 4);
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
  crk_blob_kind kind = crk_blob_classify(p, len);
  if (kind != CRK_BLOB_OTHER) return inspect_amd(p, len, out, err, errlen);
  if (crk_elf_view_is(p, len)) {
    unsigned machine = len >= 20 ? (unsigned)rd_le(p + 18, 2) : 0;
    if (machine == CRK_EM_CUDA) {
      char why[256];
      if (crk_elf_view_vet(p, len, CRK_EM_CUDA, why, sizeof why)) return bad(err, errlen, "CUDA cubin: %s", why);
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
    /* An AMDGPU ELF crk_blob_classify did not take (truncated, big-endian). */
    char why[256];
    crk_elf_view_vet(p, len, CRK_EM_AMDGPU, why, sizeof why);
    return bad(err, errlen, "AMDGPU code object: %s", why);
  }
  if (len >= 4 && rd_le(p, 4) == FATBIN_MAGIC) return inspect_fatbin(p, len, out, err, errlen);
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
  if (b->count == 0) {
    if (kind) *kind = CRK_PICK_NONE;
    return -1;
  }
  return crk_pick_best(&b->targets[0].tid, b->count, sizeof b->targets[0], NULL, dev, isa_ok, 0, kind, NULL);
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
