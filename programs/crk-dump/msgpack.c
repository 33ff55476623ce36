/* msgpack.c: see msgpack.h. Format: https://github.com/msgpack/msgpack/blob/master/spec.md */
#include "msgpack.h"

#include "rd.h"

#include <stdio.h>
#include <string.h>

void mp_init(mp_reader *r, const void *data, size_t len) {
  r->base = r->p = data;
  r->end = r->p + len;
}

static size_t left(const mp_reader *r) { return (size_t)(r->end - r->p); }

/* Takes n bytes of the value being read, or fails naming the byte it began at. */
static const unsigned char *take(mp_reader *r, uint64_t n, size_t at, char *err, size_t errlen) {
  if (n > left(r)) {
    snprintf(err, errlen, "msgpack value at byte %zu needs %llu more bytes, %zu left", at,
             (unsigned long long)n, left(r));
    return NULL;
  }
  const unsigned char *q = r->p;
  r->p += n;
  return q;
}

int mp_read(mp_reader *r, mp_obj *o, char *err, size_t errlen) {
  size_t at = (size_t)(r->p - r->base);
  memset(o, 0, sizeof *o);
  const unsigned char *q = take(r, 1, at, err, errlen);
  if (!q) return -1;
  unsigned c = q[0];
  uint64_t n = 0;   /* length or count that follows */
  int nbytes = 0;   /* width of an explicit length/count/value field */

  if (c <= 0x7f) { o->type = MP_UINT; o->u = c; return 0; }
  if (c >= 0xe0) { o->type = MP_INT; o->i = (int64_t)c - 256; return 0; }
  if (c >= 0x80 && c <= 0x8f) { o->type = MP_MAP; n = c & 0x0f; goto count; }
  if (c >= 0x90 && c <= 0x9f) { o->type = MP_ARRAY; n = c & 0x0f; goto count; }
  if (c >= 0xa0 && c <= 0xbf) { o->type = MP_STR; n = c & 0x1f; goto bytes; }

  switch (c) {
  case 0xc0: o->type = MP_NIL; return 0;
  case 0xc2: case 0xc3: o->type = MP_BOOL; o->u = c == 0xc3; return 0;
  case 0xc4: case 0xc5: case 0xc6:
    o->type = MP_BIN; nbytes = 1 << (c - 0xc4); break;
  case 0xc7: case 0xc8: case 0xc9:
    o->type = MP_EXT; nbytes = 1 << (c - 0xc7); break;
  case 0xca: case 0xcb:
    o->type = MP_FLOAT;
    return take(r, c == 0xca ? 4 : 8, at, err, errlen) ? 0 : -1;
  case 0xcc: case 0xcd: case 0xce: case 0xcf: {
    int w = 1 << (c - 0xcc);
    if (!(q = take(r, w, at, err, errlen))) return -1;
    o->type = MP_UINT;
    o->u = rd_be(q, w);
    return 0;
  }
  case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
    int w = 1 << (c - 0xd0);
    if (!(q = take(r, w, at, err, errlen))) return -1;
    uint64_t v = rd_be(q, w);
    /* Sign-extend from w bytes without shifting a negative value. */
    if (w < 8 && (v >> (8 * w - 1))) v |= ~UINT64_C(0) << (8 * w);
    o->type = MP_INT;
    o->i = v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
    return 0;
  }
  case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
    /* fixext: a type byte and 1..16 data bytes */
    o->type = MP_EXT;
    n = (uint64_t)1 << (c - 0xd4);
    if (!take(r, 1, at, err, errlen)) return -1;
    goto bytes;
  case 0xd9: case 0xda: case 0xdb:
    o->type = MP_STR; nbytes = 1 << (c - 0xd9); break;
  case 0xdc: case 0xdd:
    o->type = MP_ARRAY; nbytes = c == 0xdc ? 2 : 4; break;
  case 0xde: case 0xdf:
    o->type = MP_MAP; nbytes = c == 0xde ? 2 : 4; break;
  default:
    snprintf(err, errlen, "msgpack byte 0x%02x at byte %zu is not a valid type", c, at);
    return -1;
  }
  if (!(q = take(r, nbytes, at, err, errlen))) return -1;
  n = rd_be(q, nbytes);
  if (o->type == MP_ARRAY || o->type == MP_MAP) goto count;
  if (o->type == MP_EXT && !take(r, 1, at, err, errlen)) return -1;

bytes:
  if (!(q = take(r, n, at, err, errlen))) return -1;
  o->data = q;
  o->len = (uint32_t)n; /* n <= 2^32-1 by construction */
  return 0;

count:
  /* Every element takes at least one byte: a count beyond the bytes left
   * is a lie, whatever the elements would be. */
  if ((o->type == MP_MAP ? 2 * n : n) > left(r)) {
    snprintf(err, errlen, "msgpack %s at byte %zu claims %llu %s, but only %zu bytes are left",
             o->type == MP_MAP ? "map" : "array", at, (unsigned long long)n,
             o->type == MP_MAP ? "pairs" : "elements", left(r));
    return -1;
  }
  o->u = n;
  return 0;
}

int mp_skip(mp_reader *r, char *err, size_t errlen) {
  /* Values still to skip; bounded by twice the bytes of input. */
  uint64_t pending = 1;
  while (pending > 0) {
    mp_obj o;
    if (mp_read(r, &o, err, errlen) != 0) return -1;
    pending--;
    if (o.type == MP_ARRAY) pending += o.u;
    else if (o.type == MP_MAP) pending += 2 * o.u;
  }
  return 0;
}

int mp_as_i64(const mp_obj *o, int64_t *v) {
  if (o->type == MP_INT) { *v = o->i; return 0; }
  if (o->type == MP_UINT && o->u <= INT64_MAX) { *v = (int64_t)o->u; return 0; }
  return -1;
}

int mp_str_is(const mp_obj *o, const char *s) {
  size_t n = strlen(s);
  return o->type == MP_STR && o->len == n && memcmp(o->data, s, n) == 0;
}
