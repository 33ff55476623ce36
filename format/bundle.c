/* bundle.c: see bundle.h. */
#include "bundle.h"

#include "rd.h"

#include <stdio.h>
#include <string.h>

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
  uint64_t n = rd_le(b + CRK_BUNDLE_MAGIC_LEN, 8);
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
    uint64_t off = rd_le(b + pos, 8), size = rd_le(b + pos + 8, 8), idlen = rd_le(b + pos + 16, 8);
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
