/* blob_open.h: open a blob of AMDGPU code objects, the one way the loader,
 * crk-dump and blob2c read one: tell its kind from its bytes, inflate it
 * when it is compressed, list its code objects; and the loader's rules for
 * each of them (crk_blob_vet), so that "would the loader take this?" has one
 * answer, the loader's, in crk-dump --arch too.
 *
 * No I/O. The entries point into the caller's bytes or, for a compressed
 * bundle, into the view's own decompressed copy (freed by crk_blob_close).
 */
#ifndef CRK_BLOB_OPEN_H
#define CRK_BLOB_OPEN_H

#include "bundle.h"
#include "ccob.h"
#include "hidden.h"
#include "target_pick.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
  CRK_BLOB_OTHER,       /* none of the kinds below (the loader reads NVIDIA ones itself) */
  CRK_BLOB_AMDGPU_ELF,  /* one AMDGPU code object */
  CRK_BLOB_BUNDLE,      /* a clang offload bundle */
  CRK_BLOB_COMPRESSED   /* a compressed offload bundle (CCOB) */
} crk_blob_kind;

/* The kind of blob data starts with (its magic, and for ELF the machine). */
crk_blob_kind crk_blob_classify(const void *data, size_t len) CRK_HIDDEN;

/* One entry: a bundle entry, or the whole of a bare code object. */
typedef struct {
  const char *id;             /* the bundle entry id (id_len bytes, not NUL-terminated), or NULL */
  size_t id_len;
  size_t index;               /* its place among the bundle's entries */
  const unsigned char *bytes; /* its bytes, in the input or the decompressed bundle */
  size_t size;
} crk_blob_entry;

typedef struct {
  crk_blob_kind kind;
  const unsigned char *bundle; /* BUNDLE, COMPRESSED: the uncompressed bundle */
  size_t bundle_len;
  unsigned char *inflated;     /* COMPRESSED: that bundle, decompressed here (owned) */
  crk_ccob_header ccob;        /* COMPRESSED: its header */
  uint64_t extent;             /* the bytes of the input the blob spans (a bundle
                                  embedded in a larger file ends there) */
  crk_blob_entry *entries;     /* every entry in order, the host's too (owned) */
  size_t count;
} crk_blob_view;

/* The most a compressed bundle may decompress to. This project's largest
 * bundle (every default arch and the generic targets) is some 20 MB; a
 * compressed one of 128 KB that claims gigabytes must not cost them. */
#define CRK_BLOB_MAX_INFLATED ((uint64_t)256 << 20)

/* Opens data[0..len) as a code object, a bundle or (in a build with
 * CRK_CCOB) a compressed bundle, decompressing at most `limit` bytes (0:
 * CRK_BLOB_MAX_INFLATED) and checking its hash unless skip_hash (fuzzing).
 * What follows the blob in data is not read (see extent). 0, or -1 with a
 * one-line reason in err (v is then empty; crk_blob_close stays safe). */
int crk_blob_open(crk_blob_view *v, const void *data, size_t len, uint64_t limit, int skip_hash,
                  char *err, size_t errlen) CRK_HIDDEN;
void crk_blob_close(crk_blob_view *v) CRK_HIDDEN;

/* The entry's id for a message: its first 80 bytes, escaped (escape.h);
 * "" for a bare code object. Returns buf. */
const char *crk_blob_entry_name(const crk_blob_entry *e, char *buf, size_t n) CRK_HIDDEN;

/* What the loader takes from one entry it accepts. */
typedef struct {
  char target[64];         /* the target ID the entry's id names, or for a bare
                              code object the one its e_flags name */
  crk_target_id tid;       /* target, parsed */
  crk_flags_target flags;  /* what the code object's e_flags say */
} crk_blob_vetted;

/* The loader's rules for one entry, the one place they are written:
 * 1 an AMDGPU code object it hands a runtime (out filled), 0 an entry it
 * passes over (the host's, other offload kinds, SPIR-V), -1 one it refuses,
 * which refuses the whole blob; err then says why, without the entry's
 * place. An entry id must be printable ASCII with five '-' (the host entry
 * of older bundlers four), a hip entry's target a target ID; the code
 * object must pass crk_elf_view_vet, be for a processor of the table, and
 * the one its id names. */
int crk_blob_vet(const crk_blob_entry *e, crk_blob_vetted *out, char *err, size_t errlen) CRK_HIDDEN;

#endif
