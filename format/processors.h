/* processors.h: the one table of AMDGPU processors (amdgpu_processors.def),
 * for the loader, its code object pick and crk-dump alike: names <->
 * EF_AMDGPU_MACH values, generic targets, ISA groups, features, wave sizes,
 * int8 dot paths. */
#ifndef CRK_PROCESSORS_H
#define CRK_PROCESSORS_H

#include "hidden.h"

/* Instructions that split an ISA group (the .def's features column): code
 * using one runs only on processors that have it. */
enum {
  CRK_F_DOT = 1,  /* v_dot* int8 dot products (gfx906, gfx1011, gfx1012) */
  CRK_F_BVH = 2,  /* ray-tracing instructions (gfx1013) */
  CRK_F_SFLT = 4, /* SALU float instructions (gfx115x) */
};

/* The int8 dot product hip/common.h compiles to (the .def's dot column). */
typedef enum {
  CRK_DOT_SCALAR, /* four multiply-adds: the ISA has no dot instruction */
  CRK_DOT_SDOT4,  /* v_dot4_i32_i8 */
  CRK_DOT_SUDOT4, /* v_dot4_i32_iu8, both operands signed */
} crk_dot_path;

/* One row of the table (see amdgpu_processors.def for each column). */
typedef struct {
  const char *name;    /* "gfx1103", "gfx11-generic" */
  unsigned mach;       /* EF_AMDGPU_MACH */
  const char *generic; /* the generic target covering it, or NULL */
  int isa_group;       /* 0: shares code with no other processor */
  unsigned features;   /* CRK_F_* bits */
  unsigned wave_size;  /* 32 or 64: the default its code is built for */
  crk_dot_path dot;    /* its int8 dot product */
} crk_processor;

/* The VGPRs (AGPRs included) the mat-vec kernels may use on a processor
 * (hip/common.h's CRK_MATVEC_VGPRS): 64, or 96 on the scalar dot path,
 * whose byte products need more (64 spilled on gfx900 and gfx1010). */
unsigned crk_matvec_vgprs(const crk_processor *p) CRK_HIDDEN;

/* "scalar", "sdot4", "sudot4". */
const char *crk_dot_path_name(crk_dot_path d) CRK_HIDDEN;

/* The row named exactly name, or NULL. */
const crk_processor *crk_processor_find(const char *name) CRK_HIDDEN;

/* The processor ("gfx90a", "gfx11-generic") whose EF_AMDGPU_MACH value is
 * mach (e_flags & 0xff), or NULL for a value the table has no row for. */
const char *crk_processor_name(unsigned mach) CRK_HIDDEN;

/* The EF_AMDGPU_MACH value of a processor named exactly so, or -1. */
int crk_processor_mach(const char *name) CRK_HIDDEN;

/* The table's rows in order, for tests that walk them: row i for i below
 * the count, else NULL. */
const crk_processor *crk_processor_at(unsigned i) CRK_HIDDEN;

#endif
