/* processors.c: see processors.h. The rows are amdgpu_processors.def's,
 * expanded here and nowhere else in C. */
#include "processors.h"

#include <stddef.h>
#include <string.h>

static const struct { const char *name; unsigned mach; } rows[] = {
#define CRK_PROCESSOR(name, mach) {name, mach},
#include "amdgpu_processors.def"
#undef CRK_PROCESSOR
};
enum { NROWS = sizeof rows / sizeof rows[0] };

const char *crk_processor_row(unsigned i, unsigned *mach) {
  if (i >= NROWS) return NULL;
  *mach = rows[i].mach;
  return rows[i].name;
}

const char *crk_processor_name(unsigned mach) {
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].mach == mach) return rows[i].name;
  return NULL;
}

int crk_processor_mach(const char *name) {
  for (size_t i = 0; i < NROWS; i++)
    if (strcmp(rows[i].name, name) == 0) return (int)rows[i].mach;
  return -1;
}
