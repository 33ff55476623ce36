/* processors.c: see processors.h. The rows are amdgpu_processors.def's,
 * expanded here and nowhere else in C (target_pick.c reads them through
 * crk_processor_find). */
#include "processors.h"

#include <stddef.h>
#include <string.h>

static const crk_processor rows[] = {
#define CRK_PROCESSOR(name, mach, generic, isa_group, features, wave_size, dot) \
  {name, mach, generic, isa_group, features, wave_size, dot},
#include "amdgpu_processors.def"
#undef CRK_PROCESSOR
};
enum { NROWS = sizeof rows / sizeof rows[0] };

/* The rows again, as compile-time checks of what C would otherwise take
 * silently (an out-of-range constant converts): the crate's reader of the
 * .def (rust/.../build_inputs.rs) refuses the same. */
#define CRK_PROCESSOR(name, mach, generic, isa_group, features, wave_size, dot)                 \
  _Static_assert((mach) >= 0 && (mach) <= 0xff && (isa_group) >= 0 && (isa_group) <= 0x7fffffff && \
                     ((wave_size) == 32 || (wave_size) == 64),                                    \
                 "amdgpu_processors.def: row " name ": mach, isa_group or wave out of range");
#include "amdgpu_processors.def"
#undef CRK_PROCESSOR

const crk_processor *crk_processor_at(unsigned i) { return i < NROWS ? &rows[i] : NULL; }

const crk_processor *crk_processor_find(const char *name) {
  for (size_t i = 0; i < NROWS; i++)
    if (strcmp(rows[i].name, name) == 0) return &rows[i];
  return NULL;
}

const char *crk_processor_name(unsigned mach) {
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].mach == mach) return rows[i].name;
  return NULL;
}

int crk_processor_mach(const char *name) {
  const crk_processor *p = crk_processor_find(name);
  return p ? (int)p->mach : -1;
}

unsigned crk_matvec_vgprs(const crk_processor *p) { return p->dot == CRK_DOT_SCALAR ? 96 : 64; }

const char *crk_dot_path_name(crk_dot_path d) {
  switch (d) {
  case CRK_DOT_SDOT4: return "sdot4";
  case CRK_DOT_SUDOT4: return "sudot4";
  case CRK_DOT_SCALAR: break;
  }
  return "scalar";
}
