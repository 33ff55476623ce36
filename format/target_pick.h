/* target_pick.h: which code object of a blob an AMD device gets.
 *
 * One set of rules, shared by the loader (lib/) and crk-dump --arch, so that
 * "would this GPU load this blob, and with which code object?" has one
 * answer. In order of preference:
 *   1. exact: the device's processor, each feature (xnack, sramecc) either
 *      unpinned ("any") in the code object or equal to the device's, the
 *      code object pinning the most features first (as the runtimes match
 *      target IDs);
 *   2. generic: the generic target of the device's family (gfx11-generic
 *      for gfx1103), code object v6, the same feature rule;
 *   3. ISA-compatible, only when the caller allows it: another processor
 *      of the same family whose instructions the device has (gfx1030 code
 *      on a gfx1031, gfx1100 code on a gfx1103; never gfx115x code on a
 *      gfx110x, which lacks its SALU float instructions, nor gfx1011's dot
 *      instructions on a gfx1010). The nearest wins: the most features of
 *      the device's own, then the same sub-family (gfx110x, gfx115x), then
 *      the closest number. This is what users otherwise force for the whole
 *      process with HSA_OVERRIDE_GFX_VERSION.
 * Which processor has which generic target, ISA group and features is the
 * one processor table's, format/amdgpu_processors.def.
 */
#ifndef CRK_TARGET_PICK_H
#define CRK_TARGET_PICK_H

#include "hidden.h"

#include "bundle.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CRK_PICK_NONE = 0,
  CRK_PICK_ISA,     /* an ISA-compatible processor of the family (opt-in) */
  CRK_PICK_GENERIC, /* the family's generic target */
  CRK_PICK_EXACT    /* the device's own processor */
} crk_pick_kind;

/* How well code built for `have` serves a device `dev`: 0 when it cannot
 * (or only through rule 3 and isa_ok is 0), else a score that is higher for
 * a better choice (any exact beats any generic beats any ISA-compatible).
 * *kind (may be NULL) says which rule matched. */
long crk_pick_score(const crk_target_id *have, const crk_target_id *dev, int isa_ok,
                    crk_pick_kind *kind) CRK_HIDDEN;

/* Nonzero when code built for `have` serves a device `dev` by rule 1 alone
 * (exact): the same processor, each feature unpinned in `have` or the
 * device's. What a runtime that knows no generic targets accepts (the
 * emulator's stand-in runtime, test/emu, models one). */
int crk_target_id_compatible(const crk_target_id *have, const crk_target_id *dev) CRK_HIDDEN;

/* The generic target whose code runs on processor ("gfx11-generic" for
 * "gfx1103"), or NULL when it has none. */
const char *crk_generic_target_of(const char *processor) CRK_HIDDEN;

/* "exact", "generic", "ISA-compatible" (CRK_PICK_NONE: "none"). */
const char *crk_pick_kind_name(crk_pick_kind k) CRK_HIDDEN;

#ifdef __cplusplus
}
#endif
#endif
