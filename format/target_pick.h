/* target_pick.h: AMDGPU target IDs ("gfx90a:sramecc+:xnack-"): read from
 * text (a gcnArchName, a bundle entry id's tail) and from a code object's
 * e_flags, and which code object of a blob an AMD device gets.
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

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A feature of a target ID: absent ("any"), on (+) or off (-); e_flags can
 * also say the processor does not have it at all (unsupported). */
enum { CRK_FEATURE_UNSUPPORTED = -2, CRK_FEATURE_ANY = -1, CRK_FEATURE_OFF = 0, CRK_FEATURE_ON = 1 };

typedef struct {
  char processor[32]; /* "gfx90a" */
  int xnack;          /* CRK_FEATURE_* */
  int sramecc;        /* CRK_FEATURE_* */
} crk_target_id;

/* Parses "gfx90a:sramecc+:xnack-" (a gcnArchName or the tail of a bundle
 * id). Returns 0, or -1 for a processor that is not "gfx" and lowercase
 * letters, digits or '-' (or is too long), an unknown feature or a
 * repeated one. Whether the processor is one the table knows is the
 * caller's question (crk_processor_find). */
int crk_target_id_parse(const char *s, size_t n, crk_target_id *out) CRK_HIDDEN;

/* What a code object's ELF header says of its target: decoded once, here,
 * for the loader and crk-dump alike. */
typedef struct {
  unsigned mach;            /* EF_AMDGPU_MACH, e_flags & 0xff */
  const char *processor;    /* the table's name for mach, or NULL */
  int co_version;           /* code object version 2..6, from the ELF ABI version; -1 if unknown */
  int xnack, sramecc;       /* CRK_FEATURE_* (UNSUPPORTED from v4 on) */
  unsigned generic_version; /* v6 generic targets' version (e_flags >> 24), else 0 */
  crk_target_id tid;        /* processor and features as a target ID ("unsupported" reads "any") */
  char text[64];            /* "gfx90a:sramecc+:xnack-", features in canonical (alphabetical)
                               order where e_flags pin them; "unknown-mach-0x5e" for an
                               unknown processor */
} crk_flags_target;

/* Decodes e_flags and the ELF ABI version (e_ident[EI_ABIVERSION]) of an
 * AMDGPU code object. Returns 0, or -1 when the processor is not in the
 * table (out is filled all the same, text naming the value). */
int crk_flags_target_decode(uint32_t e_flags, unsigned abiversion, crk_flags_target *out) CRK_HIDDEN;

/* The same, from the ELF64 header at elf[0..n): -1 also when n < 64. */
int crk_flags_target_of_elf(const void *elf, size_t n, crk_flags_target *out) CRK_HIDDEN;

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

/* The best of n code objects for a device: the index of the highest
 * crk_pick_score, or -1 when none serves (*kind, may be NULL, says which
 * rule; *score, may be NULL, the score, for callers that want the ties).
 * Element i's target ID is at (const char *)first + i * stride, so that
 * the caller's own array of records holding one can be walked (pass
 * &records[0].tid and sizeof records[0]); usable (NULL: all) leaves out
 * element i where usable[i] is 0. With `query` set, dev is a
 * question rather than a device: a feature it leaves out ("gfx90a") stands
 * for either value, so gfx90a:xnack+ and gfx90a:xnack- both serve it (what
 * crk-dump --arch asks). */
int crk_pick_best(const crk_target_id *first, size_t n, size_t stride, const unsigned char *usable,
                  const crk_target_id *dev, int isa_ok, int query, crk_pick_kind *kind, long *score) CRK_HIDDEN;

/* The score crk_pick_best gives one code object (query as there). */
long crk_pick_score_as(const crk_target_id *have, const crk_target_id *dev, int isa_ok, int query,
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
