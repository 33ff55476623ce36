/* blob.h: find the AMDGPU code objects in any blob this project or clang
 * makes, telling the format from the bytes:
 *   - a code object (AMDGPU ELF)
 *   - a clang offload bundle (__CLANG_OFFLOAD_BUNDLE__)
 *   - a compressed bundle (CCOB v1, v2, v3; zlib or zstd)
 *   - a host ELF (program, shared or static object) or ar archive that
 *     embeds bundles, such as a HIP program's .hip_fatbin section or this
 *     project's library with QUANTIZED in .rodata
 * and parse each code object (see codeobj.h). Bundles are opened by the
 * format layer (format/blob_open.h) as the loader opens them, and each code
 * object carries the loader's verdict (--arch answers with it). Reading
 * is blob.c; searching host files for bundles, scan.c. */
#ifndef CRK_DUMP_BLOB_H
#define CRK_DUMP_BLOB_H

#include "blob_open.h"
#include "codeobj.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *entry_id;             /* the bundle entry id, or NULL for a bare code object */
  char *where;                /* where it was found: "bundle at .hip_fatbin+0x0, entry 2" */
  const unsigned char *bytes; /* the code object, in the input or a decompressed copy */
  size_t size;
  int loader_takes;           /* the loader would hand it to a runtime (format/blob_open.h's
                                 crk_blob_vet, and nothing else in its bundle refused) */
  crk_codeobj co;
} crk_blob_obj;

typedef struct {
  const char *format;         /* "code object", "offload bundle", "compressed bundle", "host ELF", "archive" */
  char desc[160];             /* a line for people: "offload bundle, 13 entries" */
  crk_blob_obj *objs;
  size_t nobjs, cap;
  unsigned char **owned;      /* decompressed buffers the objs point into */
  size_t nowned, owncap;
  char *loader_refusal;       /* why the loader refuses (CRK_ERR_BAD_BLOB) a bundle or code
                                 object of this input, with its place; NULL when it takes all */
} crk_blob;

typedef struct {
  uint64_t max_uncompressed;  /* cap on the bytes decompressed from the input, in all */
  int skip_hash;              /* do not check the MD5 of compressed bundles (fuzzing) */
  size_t max_records;         /* cap on kernel and argument records of all code objects
                                 together; 0: CRK_BLOB_MAX_RECORDS */
  size_t max_records_per_object; /* the same per code object; 0: CRK_CODEOBJ_MAX_RECORDS */
} crk_blob_opts;

/* Decompressed bytes in all, the loader's cap per blob (blob_open.h): a
 * small compressed bundle must not cost gigabytes. */
#define CRK_BLOB_MAX_UNCOMPRESSED CRK_BLOB_MAX_INFLATED
/* Records in all (see CRK_CODEOBJ_MAX_RECORDS): with one code object's cap
 * on top, the records cost at most about 1 GB of memory. */
#define CRK_BLOB_MAX_RECORDS ((size_t)1 << 22)

/* Reads every code object in data (which must outlive b). opts may be NULL
 * for the defaults. 0, or -1 with a one-line reason in err that says where
 * the fault lies; b is then empty (crk_blob_free is still safe). */
int crk_blob_read(crk_blob *b, const void *data, size_t len, const crk_blob_opts *opts,
                  char *err, size_t errlen);
void crk_blob_free(crk_blob *b);

#endif
