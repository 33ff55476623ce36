/* processors.h: AMDGPU processor names <-> EF_AMDGPU_MACH values, from the
 * one table (amdgpu_processors.def), for the loader and crk-dump alike. */
#ifndef CRK_PROCESSORS_H
#define CRK_PROCESSORS_H

#include "hidden.h"


/* The processor ("gfx90a", "gfx11-generic") whose EF_AMDGPU_MACH value is
 * mach (e_flags & 0xff), or NULL for a value the table has no row for. */
const char *crk_processor_name(unsigned mach) CRK_HIDDEN;

/* The EF_AMDGPU_MACH value of a processor named exactly so, or -1. */
int crk_processor_mach(const char *name) CRK_HIDDEN;

/* The table's rows, for tests that walk them: row i for i below the count,
 * else NULL (and *mach untouched). */
const char *crk_processor_row(unsigned i, unsigned *mach) CRK_HIDDEN;

#endif
