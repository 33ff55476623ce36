/* codeobj.h: what one AMDGPU code object holds: the processor and features
 * its ELF header says, and per kernel the resources its metadata note
 * (NT_AMDGPU_METADATA, MessagePack, code object v3 and later) records.
 * Everything is read from the bytes alone: no ROCm, no LLVM. */
#ifndef CRK_DUMP_CODEOBJ_H
#define CRK_DUMP_CODEOBJ_H

#include "target_pick.h" /* CRK_FEATURE_*, crk_target_id: e_flags decoded there */

#include <stddef.h>
#include <stdint.h>

/* Absent numeric metadata fields read as this. */
#define CRK_ABSENT (-1)

/* Kernel and argument records one code object may hold. A record costs
 * about 150 bytes in memory but as little as 9 bytes of metadata, and
 * compressed metadata repeats well: without a cap a small file could make
 * the reader allocate gigabytes. A real code object holds a few thousand
 * (this project's: 142 kernels and their arguments, 1,200 records). */
#define CRK_CODEOBJ_MAX_RECORDS ((size_t)1 << 20)

typedef struct {
  uint64_t offset, size;
  char kind[32];      /* .value_kind, e.g. "global_buffer", "by_value", "hidden_block_count_x" */
  int hidden;         /* kind starts with "hidden_": added by the compiler, not in the source */
} crk_kernel_arg;

typedef struct {
  char *name;                 /* .name */
  char *symbol;               /* .symbol ("name.kd"), or NULL */
  int64_t sgpr, vgpr, agpr;   /* .sgpr_count .vgpr_count .agpr_count */
  int64_t lds;                /* .group_segment_fixed_size (bytes) */
  int64_t scratch;            /* .private_segment_fixed_size (bytes per work-item) */
  int64_t sgpr_spill, vgpr_spill;
  int64_t wavefront;          /* .wavefront_size */
  int64_t max_wg;             /* .max_flat_workgroup_size */
  int64_t kernarg_size;       /* .kernarg_segment_size, hidden arguments included */
  int dynamic_stack;          /* .uses_dynamic_stack: 1, 0, or CRK_ABSENT */
  crk_kernel_arg *args;       /* every argument, hidden ones included, in order */
  size_t nargs;
  size_t explicit_args;       /* those that are not hidden */
} crk_kernel;

typedef struct {
  unsigned mach;              /* e_flags & 0xff */
  char arch[32];              /* "gfx90a", or "unknown-mach-0x5e" */
  int xnack, sramecc;         /* CRK_FEATURE_ANY/ON/OFF/UNSUPPORTED, from e_flags */
  char target_id[64];         /* arch plus the features e_flags pins: "gfx90a:sramecc+:xnack-" */
  crk_target_id tid;          /* the same, parsed: what the pick rules compare */
  int co_version;             /* code object version: 3, 4, 5, 6 */
  unsigned generic_version;   /* v6 generic targets, else 0 */
  uint32_t e_flags;
  char *md_target;            /* amdhsa.target, or NULL */
  int md_version[2];          /* amdhsa.version */
  int md_notes;               /* metadata notes merged (ld.lld keeps one per input object) */
  crk_kernel *kernels;
  size_t nkernels;
  size_t kernels_cap;         /* allocated slots (merging notes grows it geometrically) */
  size_t records;             /* kernels plus arguments read, against max_records */
} crk_codeobj;

/* Parses an AMDGPU code object, failing when its metadata holds more than
 * max_records kernels and arguments together (0: CRK_CODEOBJ_MAX_RECORDS).
 * 0, or -1 with a one-line reason in err; on failure co holds nothing that
 * needs freeing. */
int crk_codeobj_parse(crk_codeobj *co, const void *data, size_t len, size_t max_records,
                      char *err, size_t errlen);
void crk_codeobj_free(crk_codeobj *co);

/* Nonzero when data is an ELF file for EM_AMDGPU. */
int crk_is_amdgpu_elf(const void *data, size_t len);

/* "any", "on", "off", "unsupported". */
const char *crk_feature_name(int f);

#endif
