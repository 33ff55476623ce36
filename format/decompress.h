/* decompress.h: inflate the payload of a compressed bundle (zlib or zstd).
 * Shared by crk-dump and the loader library (both link -lzstd -lz). */
#ifndef CRK_DECOMPRESS_H
#define CRK_DECOMPRESS_H

#include "hidden.h"

#include <stddef.h>
#include <stdint.h>

/* Decompresses in[0..in_len) with method (CRK_CCOB_ZLIB or CRK_CCOB_ZSTD),
 * which must give exactly `expect` bytes; `limit` caps expect. The output
 * buffer grows with what the stream really yields, so a header that claims
 * gigabytes costs nothing until the data delivers them. On success *out is
 * a malloc'd buffer of *out_len == expect bytes and *consumed says how many
 * input bytes the stream took (what follows it is ignored). 0, or -1 with err. */
int crk_decompress(unsigned method, const unsigned char *in, size_t in_len, uint64_t expect,
                   uint64_t limit, unsigned char **out, size_t *out_len, size_t *consumed,
                   char *err, size_t errlen) CRK_HIDDEN;

/* A whole compressed bundle (CCOB, see ccob.h) at data[0..len): its
 * header parsed, its payload decompressed (at most `limit` bytes) and, when
 * check_hash is set, checked against the header's MD5 hash (only a fuzzer
 * skips it). On success *out is the malloc'd uncompressed offload bundle,
 * *out_len its size and *extent (may be NULL) the bytes of data the
 * compressed bundle spans. 0, or -1 with err. */
int crk_ccob_inflate(const unsigned char *data, size_t len, uint64_t limit, int check_hash,
                     unsigned char **out, size_t *out_len, uint64_t *extent, char *err,
                     size_t errlen) CRK_HIDDEN;

#endif
