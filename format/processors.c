/* processors.c: see processors.h. The rows are amdgpu_processors.def's,
 * expanded here and nowhere else in C (target_pick.c reads them through
 * crk_processor_find). */
#include "processors.h"

#include <stddef.h>
#include <string.h>

static const crk_processor rows[] = {
#define CRK_PROCESSOR(name, mach, generic, isa_group, features, wave_size) \
  {name, mach, generic, isa_group, features, wave_size},
#include "amdgpu_processors.def"
#undef CRK_PROCESSOR
};
enum { NROWS = sizeof rows / sizeof rows[0] };

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
