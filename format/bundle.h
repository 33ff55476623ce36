/* bundle.h: read clang offload bundles on the host.
 *
 * Shared by the blob-to-C generator, the loader library and the dump tool, so
 * that there is exactly one parser of the bundle layout to get right (target
 * IDs, the tail of an entry id: target_pick.h
 * ; compressed bundles: ccob.h, decompress.h). No
 * allocation, no I/O: everything points into the caller's buffer, and every
 * offset and size is checked against it before use.
 *
 * Uncompressed bundle layout (all integers little-endian uint64):
 *   "__CLANG_OFFLOAD_BUNDLE__"  magic, 24 bytes
 *   count                       number of entries
 *   count x { offset, size, id_len, id[id_len] }
 * Entry ids are "<kind>-<arch>-<vendor>-<os>-<env>-<target id>", for example
 * "hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-" or "host-x86_64-unknown-linux-gnu-".
 */
#ifndef CRK_BUNDLE_H
#define CRK_BUNDLE_H

#include "hidden.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CRK_BUNDLE_MAGIC "__CLANG_OFFLOAD_BUNDLE__"
#define CRK_BUNDLE_MAGIC_LEN 24

typedef struct {
  const char *id;     /* not NUL-terminated: id_len bytes */
  size_t id_len;
  uint64_t offset;    /* of the entry's bytes, from the start of the bundle */
  uint64_t size;
} crk_bundle_entry;

/* Nonzero when data starts with the uncompressed bundle magic. */
int crk_is_bundle(const void *data, size_t len) CRK_HIDDEN;

/* Parses the bundle header. Stores at most max entries in out (out may be
 * NULL when max is 0) and the total entry count in *count. Returns 0, or -1
 * with a one-line reason in err (which names the bad entry) when the header
 * is truncated or any entry lies outside the buffer. */
int crk_bundle_parse(const void *data, size_t len, crk_bundle_entry *out,
                     size_t max, size_t *count, char *err, size_t errlen) CRK_HIDDEN;

/* Splits a bundle entry id into its kind ("hipv4", "host", ...) and target ID
 * (the text after the fifth '-', empty for the host entry). Returns 0, or -1
 * when the id has fewer than five dashes. */
int crk_bundle_id_split(const char *id, size_t n, const char **kind,
                        size_t *kind_len, const char **target, size_t *target_len) CRK_HIDDEN;

#ifdef __cplusplus
}
#endif
#endif
