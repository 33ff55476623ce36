/* module_blob.h: what a blob is and which targets it holds, decided on the host.
 *
 * A blob is vetted once, when a module is opened, so that nothing malformed
 * reaches a runtime: an AMD offload bundle (every entry inside the buffer,
 * every device entry a valid AMDGPU ELF for the processor its id names), a
 * single AMDGPU code object, a CUDA cubin, a fatbin (every entry inside it)
 * or NUL-terminated PTX text.
 */
#ifndef CRK_LDR_BLOB_H
#define CRK_LDR_BLOB_H

#include "backend.h"
#include "target_pick.h"

#include <stddef.h>

typedef enum {
  CRK_LDR_BLOB_AMD_BUNDLE,  /* clang offload bundle of AMDGPU code objects */
  CRK_LDR_BLOB_AMD_ELF,     /* one AMDGPU code object */
  CRK_LDR_BLOB_CUDA_ELF,    /* one cubin */
  CRK_LDR_BLOB_CUDA_FATBIN, /* an NVIDIA fatbin */
  CRK_LDR_BLOB_CUDA_PTX     /* PTX text */
} crk_ldr_blob_kind;

#define CRK_TARGET_MAX 64

/* One target the blob holds code for. */
typedef struct {
  char target[CRK_TARGET_MAX]; /* "gfx90a:xnack-", "sm_90", "compute_90" */
  crk_target_id tid;           /* AMD only: target parsed */
  const unsigned char *image;  /* AMD: that code object; NVIDIA: the whole blob */
  size_t size;
} crk_ldr_blob_target;

typedef struct {
  crk_ldr_blob_kind kind;
  size_t count;             /* >= 1 */
  crk_ldr_blob_target *targets; /* count entries, heap */
  unsigned char *inflated;  /* a compressed bundle (CCOB) decompressed, heap: the
                               targets point into it; NULL for any other blob */
  size_t inflated_len;
} crk_ldr_blob;

/* Vets the blob and lists its targets. An AMD blob is opened and vetted
 * by format/blob_open.h (a compressed bundle decompressed into b->inflated,
 * at most CRK_BLOB_MAX_INFLATED bytes, and vetted as the bundle it holds). Returns CRK_OK, CRK_ERR_BAD_BLOB with
 * a reason in err, or CRK_ERR_NO_MEMORY. */
crk_status crk_ldr_blob_inspect(const void *data, size_t len, crk_ldr_blob *out, char *err,
                            size_t errlen) CRK_HIDDEN;

void crk_ldr_blob_free(crk_ldr_blob *b) CRK_HIDDEN;

/* "AMD offload bundle", "CUDA cubin", ... */
const char *crk_ldr_blob_kind_name(crk_ldr_blob_kind k) CRK_HIDDEN;

/* The platform whose runtime loads this kind. */
crk_platform crk_ldr_blob_platform(crk_ldr_blob_kind k) CRK_HIDDEN;

/* AMD: the index of the target to load on a device with target ID dev, or
 * -1 when none serves it, by the rules of format/target_pick.h: the exact
 * processor, else the family's generic target, else (only when isa_ok) an
 * ISA-compatible processor of the family. *kind (may be NULL) says which. */
int crk_ldr_blob_pick(const crk_ldr_blob *b, const crk_target_id *dev, int isa_ok,
                      crk_pick_kind *kind) CRK_HIDDEN;

/* Writes the targets, space-separated, deduplicated, NUL-terminated (as much
 * as fits). Returns the length the whole list needs, NUL excluded. */
size_t crk_ldr_blob_targets(const crk_ldr_blob *b, char *buf, size_t len) CRK_HIDDEN;

#endif
