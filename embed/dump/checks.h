/* checks.h: the CI checks of crk-dump. Each prints one line per failure to
 * f, prefixed with the file's name, and returns how many failed. */
#ifndef CRK_DUMP_CHECKS_H
#define CRK_DUMP_CHECKS_H

#include "blob.h"

#include <stdio.h>

/* Nonzero when the code object serves a device of target ID query (e.g.
 * "gfx90a" or "gfx90a:xnack+"): the same processor or a generic target
 * that covers it (gfx11-generic serves gfx1100), and each feature the query
 * names is either that value, "any" or "unsupported" in the code object. Sets *exact when
 * the code object's target ID is the query itself. -1 for a malformed query. */
int crk_target_matches(const char *query, const crk_codeobj *co, int *exact);

/* Marks in sel the code objects that match any target ID in list (comma or
 * space separated) and reports each listed target that matches none. */
int crk_check_archs(FILE *f, const char *file, const crk_blob *b, const char *list,
                    unsigned char *sel);

/* Every name must be a kernel of every selected code object. */
int crk_check_expect(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel,
                     char *const *names, size_t nnames);

/* No kernel of a selected code object may spill or use scratch. */
int crk_check_no_spills(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel);

#endif
