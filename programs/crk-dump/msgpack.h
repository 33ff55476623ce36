/* msgpack.h: a small, bounded MessagePack reader for the AMDGPU metadata
 * note. It reads one value head at a time from a byte range and never reads
 * outside it: string lengths are checked against the bytes left, and an
 * array or map may not claim more elements than there are bytes left (each
 * element takes at least one), so no count can make a caller loop or
 * allocate beyond what the input holds. Skipping is iterative: nesting depth
 * cannot overflow the stack. */
#ifndef CRK_DUMP_MSGPACK_H
#define CRK_DUMP_MSGPACK_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  MP_NIL, MP_BOOL, MP_UINT, MP_INT, MP_FLOAT, MP_STR, MP_BIN, MP_EXT, MP_ARRAY, MP_MAP
} mp_type;

typedef struct {
  mp_type type;
  uint64_t u;                 /* MP_UINT value; MP_ARRAY/MP_MAP element (pair) count; MP_BOOL */
  int64_t i;                  /* MP_INT value (a signed format or a negative fixint) */
  const unsigned char *data;  /* MP_STR/MP_BIN/MP_EXT bytes */
  uint32_t len;               /* their length */
} mp_obj;

typedef struct {
  const unsigned char *base, *p, *end;
} mp_reader;

void mp_init(mp_reader *r, const void *data, size_t len);

/* Reads the head of the next value (a scalar whole, a string with its bytes,
 * an array or map only its count). 0, or -1 with the reason in err. */
int mp_read(mp_reader *r, mp_obj *o, char *err, size_t errlen);

/* Skips the next value with everything nested in it. 0 or -1. */
int mp_skip(mp_reader *r, char *err, size_t errlen);

/* The integer in o (MP_UINT or MP_INT) if it fits in int64_t: 0, else -1. */
int mp_as_i64(const mp_obj *o, int64_t *v);

/* Nonzero when o is the string s. */
int mp_str_is(const mp_obj *o, const char *s);

#endif
