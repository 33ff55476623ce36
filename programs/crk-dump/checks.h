/* checks.h: the CI checks of crk-dump. Each prints one line per failure to
 * f, prefixed with the file's name, and returns how many failed. */
#ifndef CRK_DUMP_CHECKS_H
#define CRK_DUMP_CHECKS_H

#include "blob.h"

#include <stdio.h>

/* Nonzero when the code object serves a device of target ID query (e.g.
 * "gfx90a" or "gfx90a:xnack+") by the loader's rules without the ISA
 * fallback (format/target_pick.h): the same processor or the generic target
 * of its family (gfx11-generic serves gfx1100), and each feature the query
 * names is either that value, "any" or "unsupported" in the code object.
 * Sets *exact when the code object's target ID is the query itself. -1 for
 * a malformed query. */
int crk_target_matches(const char *query, const crk_codeobj *co, int *exact);

/* For each target ID in list (comma or space separated), the question the
 * loader answers: which code object would a device of that target ID load
 * (exact, else the family's generic, else, when isa_ok, an ISA-compatible
 * processor)? Marks that code object in sel and writes "FILE: gfx1031
 * loads gfx10-3-generic (generic)" to answers (may be NULL); reports each
 * target no code object serves to f, with the nearest ISA-compatible one
 * when isa_ok is 0. */
int crk_check_archs(FILE *f, FILE *answers, const char *file, const crk_blob *b, const char *list,
                    int isa_ok, unsigned char *sel);

/* Every name must be a kernel of every selected code object. */
int crk_check_expect(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel,
                     char *const *names, size_t nnames);

/* No kernel of a selected code object may spill or use scratch. */
int crk_check_no_spills(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel);

#endif
