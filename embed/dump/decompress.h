/* decompress.h: inflate the payload of a compressed bundle (zlib or zstd). */
#ifndef CRK_DUMP_DECOMPRESS_H
#define CRK_DUMP_DECOMPRESS_H

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
                   char *err, size_t errlen);

#endif
