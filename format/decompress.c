/* decompress.c: see decompress.h. */
#include "decompress.h"

#include "ccob.h"
#include "rd.h"

#include <md5.h> /* libmd */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

typedef struct {
  unsigned char *buf;
  size_t len, cap;
  size_t max; /* expect + 1: one byte more than expected proves the lie */
  int oom;
} outbuf;

/* Makes room for at least one more byte; -1 when the buffer is at its
 * maximum (the data says more than the header) or memory ran out. */
static int out_room(outbuf *o) {
  if (o->len < o->cap) return 0;
  if (o->cap >= o->max) return -1;
  size_t nc = o->cap < 65536 ? 65536 : o->cap * 2;
  if (nc > o->max) nc = o->max;
  unsigned char *p = realloc(o->buf, nc);
  if (!p) {
    o->oom = 1;
    return -1;
  }
  o->buf = p;
  o->cap = nc;
  return 0;
}

static int inflate_zlib(outbuf *o, const unsigned char *in, size_t in_len, size_t *consumed,
                        char *err, size_t errlen) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK) {
    snprintf(err, errlen, "zlib: cannot initialise");
    return -1;
  }
  size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && fed < in_len) {
      size_t chunk = in_len - fed > (1u << 30) ? (1u << 30) : in_len - fed;
      z.next_in = (unsigned char *)in + fed;
      z.avail_in = (uInt)chunk;
      fed += chunk;
    }
    if (out_room(o) != 0) break; /* more output than expected, or no memory */
    size_t room = o->cap - o->len;
    if (room > (1u << 30)) room = 1u << 30;
    z.next_out = o->buf + o->len;
    z.avail_out = (uInt)room;
    rc = inflate(&z, Z_NO_FLUSH);
    o->len += room - z.avail_out;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in_len) {
      inflateEnd(&z);
      snprintf(err, errlen, "zlib: compressed data truncated after %zu output bytes", o->len);
      return -1;
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      inflateEnd(&z);
      snprintf(err, errlen, "zlib: corrupt compressed data (%s)", z.msg ? z.msg : "error");
      return -1;
    }
  }
  *consumed = fed - z.avail_in;
  inflateEnd(&z);
  return 0;
}

static int inflate_zstd(outbuf *o, const unsigned char *in, size_t in_len, size_t *consumed,
                        char *err, size_t errlen) {
  ZSTD_DCtx *d = ZSTD_createDCtx();
  if (!d) {
    snprintf(err, errlen, "zstd: cannot initialise");
    return -1;
  }
  /* The window is memory the decoder allocates from the frame's say-so:
   * keep it at zstd's default ceiling (128 MiB). */
  ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
  ZSTD_inBuffer ib = {in, in_len, 0};
  size_t ret = 1; /* 0 exactly at a frame's end */
  /* Frames may follow each other; at a frame's end with every expected
   * byte out, what follows is padding (a v1 bundle inside a host section
   * has no size to stop at), as zlib ignores what follows its stream. */
  while (!(ret == 0 && (o->len == o->max - 1 || ib.pos == ib.size))) {
    if (out_room(o) != 0) break;
    ZSTD_outBuffer ob = {o->buf, o->cap, o->len};
    size_t before_in = ib.pos, before_out = o->len;
    ret = ZSTD_decompressStream(d, &ob, &ib);
    o->len = ob.pos;
    if (ZSTD_isError(ret)) {
      snprintf(err, errlen, "zstd: corrupt compressed data (%s)", ZSTD_getErrorName(ret));
      ZSTD_freeDCtx(d);
      return -1;
    }
    if (ret != 0 && ib.pos == ib.size && ib.pos == before_in && o->len == before_out) {
      snprintf(err, errlen, "zstd: compressed data truncated after %zu output bytes", o->len);
      ZSTD_freeDCtx(d);
      return -1;
    }
  }
  *consumed = ib.pos;
  ZSTD_freeDCtx(d);
  return 0;
}

int crk_decompress(unsigned method, const unsigned char *in, size_t in_len, uint64_t expect,
                   uint64_t limit, unsigned char **out, size_t *out_len, size_t *consumed,
                   char *err, size_t errlen) {
  if (expect > limit || expect >= SIZE_MAX) {
    snprintf(err, errlen, "claims %llu uncompressed bytes, more than the %llu-byte limit",
             (unsigned long long)expect, (unsigned long long)limit);
    return -1;
  }
  outbuf o = {NULL, 0, 0, (size_t)expect + 1, 0};
  *consumed = 0;
  int rc = method == CRK_CCOB_ZLIB ? inflate_zlib(&o, in, in_len, consumed, err, errlen)
         : method == CRK_CCOB_ZSTD ? inflate_zstd(&o, in, in_len, consumed, err, errlen)
         : (snprintf(err, errlen, "unknown compression method %u", method), -1);
  if (rc == 0 && o.oom) {
    snprintf(err, errlen, "out of memory after %zu of %llu bytes", o.len, (unsigned long long)expect);
    rc = -1;
  }
  if (rc == 0 && o.len != expect) {
    snprintf(err, errlen, "decompresses to %s%zu bytes, but the header says %llu",
             o.len > expect ? "more than " : "", o.len > expect ? (size_t)expect : o.len,
             (unsigned long long)expect);
    rc = -1;
  }
  if (rc != 0) {
    free(o.buf);
    return -1;
  }
  if (!o.buf) o.buf = malloc(1); /* an empty result is still a buffer to own */
  if (!o.buf) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  *out = o.buf;
  *out_len = o.len;
  return 0;
}

int crk_ccob_inflate(const unsigned char *data, size_t len, uint64_t limit, int check_hash,
                     unsigned char **out, size_t *out_len, uint64_t *extent, char *err, size_t errlen) {
  crk_ccob_header h;
  char why[256];
  if (crk_ccob_parse(data, len, &h, why, sizeof why) != 0) {
    snprintf(err, errlen, "compressed bundle: %s", why);
    return -1;
  }
  const char *method = h.method == CRK_CCOB_ZLIB ? "zlib" : "zstd";
  size_t consumed;
  if (crk_decompress(h.method, h.payload, h.payload_len, h.uncompressed_size, limit, out, out_len, &consumed,
                     why, sizeof why) != 0) {
    snprintf(err, errlen, "compressed bundle v%u (%s): %s", h.version, method, why);
    return -1;
  }
  /* v1 has no total size: its compressed stream's end is its end. */
  if (extent) *extent = h.version == 1 ? h.header_size + consumed : h.total_size;
  if (!check_hash) return 0;
  unsigned char d[16];
  MD5_CTX md5;
  MD5Init(&md5);
  MD5Update(&md5, *out, *out_len);
  MD5Final(d, &md5);
  uint64_t got = rd_le(d, 8);
  if (got != h.hash) {
    snprintf(err, errlen, "compressed bundle v%u (%s): hash 0x%016llx in the header, but the data's is 0x%016llx: corrupted",
             h.version, method, (unsigned long long)h.hash, (unsigned long long)got);
    free(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}
