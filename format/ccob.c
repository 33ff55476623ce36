/* ccob.c: see ccob.h. */
#include "ccob.h"

#include "rd.h"

#include <stdio.h>
#include <string.h>

int crk_is_compressed_bundle(const void *data, size_t len) {
  return data && len >= CRK_CCOB_MAGIC_LEN && memcmp(data, CRK_CCOB_MAGIC, CRK_CCOB_MAGIC_LEN) == 0;
}

int crk_ccob_parse(const void *data, size_t len, crk_ccob_header *out, char *err,
                   size_t errlen) {
  const unsigned char *b = data;
  if (!crk_is_compressed_bundle(data, len)) {
    snprintf(err, errlen, "not a compressed offload bundle (no %s magic)", CRK_CCOB_MAGIC);
    return -1;
  }
  if (len < 8) {
    snprintf(err, errlen, "compressed bundle truncated: %zu bytes, no version", len);
    return -1;
  }
  unsigned version = (unsigned)rd_le(b + 4, 2), method = (unsigned)rd_le(b + 6, 2);
  size_t hsize = version == 1 ? 20 : version == 2 ? 24 : version == 3 ? 32 : 0;
  if (hsize == 0) {
    snprintf(err, errlen, "compressed bundle version %u is not known (1, 2 or 3)", version);
    return -1;
  }
  if (method != CRK_CCOB_ZLIB && method != CRK_CCOB_ZSTD) {
    snprintf(err, errlen, "compressed bundle method %u is not known (0 zlib, 1 zstd)", method);
    return -1;
  }
  if (len < hsize) {
    snprintf(err, errlen, "compressed bundle v%u header truncated: %zu of %zu bytes", version, len,
             hsize);
    return -1;
  }
  uint64_t total;
  if (version == 1) {
    total = len;
    out->uncompressed_size = rd_le(b + 8, 4);
    out->hash = rd_le(b + 12, 8);
  } else if (version == 2) {
    total = rd_le(b + 8, 4);
    out->uncompressed_size = rd_le(b + 12, 4);
    out->hash = rd_le(b + 16, 8);
  } else {
    total = rd_le(b + 8, 8);
    out->uncompressed_size = rd_le(b + 16, 8);
    out->hash = rd_le(b + 24, 8);
  }
  if (total < hsize || total > len) {
    if (total < hsize)
      snprintf(err, errlen, "compressed bundle claims %llu bytes, less than its %zu-byte header",
               (unsigned long long)total, hsize);
    else
      snprintf(err, errlen, "compressed bundle claims %llu bytes, but only %zu are there",
               (unsigned long long)total, len);
    return -1;
  }
  out->version = version;
  out->method = method;
  out->header_size = hsize;
  out->total_size = total;
  out->payload = b + hsize;
  out->payload_len = (size_t)(total - hsize);
  return 0;
}
