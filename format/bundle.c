/* bundle.c: see bundle.h. */
#include "bundle.h"

#include <stdio.h>
#include <string.h>

static uint64_t rd64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

int crk_is_bundle(const void *data, size_t len) {
  return data && len >= CRK_BUNDLE_MAGIC_LEN &&
         memcmp(data, CRK_BUNDLE_MAGIC, CRK_BUNDLE_MAGIC_LEN) == 0;
}

int crk_bundle_parse(const void *data, size_t len, crk_bundle_entry *out,
                     size_t max, size_t *count, char *err, size_t errlen) {
  const unsigned char *b = data;
  if (!crk_is_bundle(data, len)) {
    snprintf(err, errlen, "not a clang offload bundle (no %s magic)", CRK_BUNDLE_MAGIC);
    return -1;
  }
  if (len < CRK_BUNDLE_MAGIC_LEN + 8) {
    snprintf(err, errlen, "bundle truncated: %zu bytes, no entry count", len);
    return -1;
  }
  uint64_t n = rd64(b + CRK_BUNDLE_MAGIC_LEN);
  size_t pos = CRK_BUNDLE_MAGIC_LEN + 8;
  /* Each entry header is at least 24 bytes: bounds the count before looping. */
  if (n > (len - pos) / 24) {
    snprintf(err, errlen, "bundle claims %llu entries, but %zu bytes cannot hold them",
             (unsigned long long)n, len);
    return -1;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (len - pos < 24) {
      snprintf(err, errlen, "bundle entry %llu: header truncated", (unsigned long long)i);
      return -1;
    }
    uint64_t off = rd64(b + pos), size = rd64(b + pos + 8), idlen = rd64(b + pos + 16);
    pos += 24;
    if (idlen > len - pos) {
      snprintf(err, errlen, "bundle entry %llu: id length %llu runs past the end",
               (unsigned long long)i, (unsigned long long)idlen);
      return -1;
    }
    const char *id = (const char *)b + pos;
    pos += (size_t)idlen;
    if (off > len || size > len - off) {
      snprintf(err, errlen, "bundle entry %llu (%.*s): bytes %llu+%llu lie outside the %zu-byte bundle",
               (unsigned long long)i, (int)(idlen > 80 ? 80 : idlen), id,
               (unsigned long long)off, (unsigned long long)size, len);
      return -1;
    }
    if (i < max) {
      out[i].id = id;
      out[i].id_len = (size_t)idlen;
      out[i].offset = off;
      out[i].size = size;
    }
  }
  *count = (size_t)n;
  return 0;
}

int crk_bundle_id_split(const char *id, size_t n, const char **kind,
                        size_t *kind_len, const char **target, size_t *target_len) {
  size_t dashes = 0, first = 0;
  for (size_t i = 0; i < n; i++) {
    if (id[i] != '-') continue;
    if (dashes == 0) first = i;
    if (++dashes == 5) {
      *kind = id;
      *kind_len = first;
      *target = id + i + 1;
      *target_len = n - i - 1;
      return 0;
    }
  }
  /* Older bundlers write the host entry without the trailing '-'. */
  if (dashes == 4 && n >= 5 && memcmp(id, "host-", 5) == 0) {
    *kind = id;
    *kind_len = 4;
    *target = id + n;
    *target_len = 0;
    return 0;
  }
  return -1;
}

int crk_target_id_parse(const char *s, size_t n, crk_target_id *out) {
  size_t i = 0;
  while (i < n && s[i] != ':') i++;
  if (i == 0 || i >= sizeof out->processor) return -1;
  memcpy(out->processor, s, i);
  out->processor[i] = '\0';
  out->xnack = out->sramecc = CRK_FEATURE_ANY;
  while (i < n) {
    size_t start = ++i; /* skip ':' */
    while (i < n && s[i] != ':') i++;
    size_t flen = i - start;
    if (flen < 2) return -1;
    char sign = s[start + flen - 1];
    if (sign != '+' && sign != '-') return -1;
    int *slot;
    if (flen - 1 == 5 && memcmp(s + start, "xnack", 5) == 0) slot = &out->xnack;
    else if (flen - 1 == 7 && memcmp(s + start, "sramecc", 7) == 0) slot = &out->sramecc;
    else return -1;
    if (*slot != CRK_FEATURE_ANY) return -1;
    *slot = sign == '+' ? CRK_FEATURE_ON : CRK_FEATURE_OFF;
  }
  return 0;
}
