/* ccob.h: the header of a compressed offload bundle, read by the loader
 * (a COMPRESS=1 blob is decompressed at open: decompress.h) and by
 * crk-dump. No allocation, no I/O. */
#ifndef CRK_CCOB_H
#define CRK_CCOB_H

#include "hidden.h"

#include <stddef.h>
#include <stdint.h>


/* Compressed bundle ("CCOB", written by clang-offload-bundler --compress):
 * a header, then the zlib or zstd compression of a whole uncompressed
 * bundle. All integers little-endian:
 *   v1: "CCOB" u16 version, u16 method, u32 uncompressed size, u64 hash    (20 bytes)
 *   v2: "CCOB" u16 version, u16 method, u32 total size, u32 uncompressed size, u64 hash (24)
 *   v3: "CCOB" u16 version, u16 method, u64 total size, u64 uncompressed size, u64 hash (32)
 * The total size counts the header; v1 has none, so its compressed data
 * runs to the end of the buffer. The hash is the first 8 bytes of the MD5
 * of the uncompressed bundle, read as a little-endian integer. */
#define CRK_CCOB_MAGIC "CCOB"
#define CRK_CCOB_MAGIC_LEN 4
enum { CRK_CCOB_ZLIB = 0, CRK_CCOB_ZSTD = 1 }; /* llvm::compression::Format */

typedef struct {
  unsigned version;            /* 1, 2 or 3 */
  unsigned method;             /* CRK_CCOB_ZLIB or CRK_CCOB_ZSTD */
  size_t header_size;          /* 20, 24 or 32 */
  uint64_t total_size;         /* header + compressed data (v1: up to the buffer's end) */
  uint64_t uncompressed_size;
  uint64_t hash;
  const unsigned char *payload; /* the compressed data, inside the caller's buffer */
  size_t payload_len;
} crk_ccob_header;

/* Nonzero when data starts with the compressed bundle magic. */
int crk_is_compressed_bundle(const void *data, size_t len) CRK_HIDDEN;

/* Parses a compressed bundle header. Returns 0, or -1 with a one-line reason
 * in err for a truncated header, an unknown version or method, or a total
 * size that is smaller than the header or runs past the buffer. Decompressing
 * is the caller's business (decompress.h). */
int crk_ccob_parse(const void *data, size_t len, crk_ccob_header *out, char *err,
                   size_t errlen) CRK_HIDDEN;

#endif
