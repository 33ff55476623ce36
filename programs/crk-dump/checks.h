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

#define CRK_ARCH_MAX 64     /* target IDs one --arch may name */
#define CRK_ARCH_LOADS 16   /* code objects one answer lists (ties) */

/* The --arch list, parsed once for every file. */
typedef struct {
  char text[CRK_ARCH_MAX][64];
  crk_target_id tid[CRK_ARCH_MAX];
  size_t n;
} crk_arch_list;

/* Parses a comma or space separated list of target IDs. 0, or -1 with a
 * reason for a usage error (an empty list, a name that is no target ID, too
 * many): the reason quotes the argument escaped. */
int crk_arch_list_parse(const char *list, crk_arch_list *out, char *err, size_t errlen);

/* The answer for one target ID of the list. */
typedef struct {
  crk_pick_kind kind;         /* which rule serves it; CRK_PICK_NONE: none */
  int refused;                /* the loader refuses the blob itself (b->loader_refusal) */
  size_t loads[CRK_ARCH_LOADS]; /* the code objects a device gets (ties: one per pinned feature) */
  size_t nloads;
} crk_arch_verdict;

/* For each target ID, the question the loader answers: which code object
 * would a device of that target ID load (exact, else the family's generic,
 * else, when isa_ok, an ISA-compatible processor)? Only code objects the
 * loader takes count (crk_blob_obj.loader_takes); a blob the loader refuses
 * serves nothing, and says why. Marks the chosen code objects in sel,
 * writes "FILE: gfx1031 loads gfx10-3-generic (generic)" to answers (may be
 * NULL) and verdicts[i] for archs->text[i] (may be NULL); reports each
 * target nothing serves to f, with the nearest ISA-compatible code object
 * when isa_ok is 0. Returns how many failed. */
int crk_check_archs(FILE *f, FILE *answers, const char *file, const crk_blob *b, const crk_arch_list *archs,
                    int isa_ok, unsigned char *sel, crk_arch_verdict *verdicts);

/* "exact", "generic", "ISA-compatible", "none" or "refused". */
const char *crk_verdict_name(const crk_arch_verdict *v);

/* Every name must be a kernel of every selected code object. */
int crk_check_expect(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel,
                     char *const *names, size_t nnames);

/* No kernel of a selected code object may spill or use scratch. */
int crk_check_no_spills(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel);

#endif
