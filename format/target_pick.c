/* target_pick.c: see target_pick.h. */
#include "target_pick.h"

#include "processors.h"

#include <stdlib.h>
#include <string.h>

/* Which processor has which generic target, ISA group and features is the
 * one table's (amdgpu_processors.def): none of it is written here. */
const char *crk_generic_target_of(const char *processor) {
  const crk_processor *p = crk_processor_find(processor);
  return p ? p->generic : NULL;
}

const char *crk_pick_kind_name(crk_pick_kind k) {
  switch (k) {
  case CRK_PICK_EXACT: return "exact";
  case CRK_PICK_GENERIC: return "generic";
  case CRK_PICK_ISA: return "ISA-compatible";
  case CRK_PICK_NONE: break;
  }
  return "none";
}

/* Each feature the code object pins must be the device's. */
static int features_ok(const crk_target_id *have, const crk_target_id *dev) {
  return (have->xnack == CRK_FEATURE_ANY || have->xnack == dev->xnack) &&
         (have->sramecc == CRK_FEATURE_ANY || have->sramecc == dev->sramecc);
}

static int popcount(unsigned v) {
  int n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

/* The hex number of a processor name (gfx90c -> 0x90c), for distances. */
static long number(const char *processor) { return strtol(processor + 3, NULL, 16); }

long crk_pick_score(const crk_target_id *have, const crk_target_id *dev, int isa_ok,
                    crk_pick_kind *kind) {
  if (kind) *kind = CRK_PICK_NONE;
  if (!features_ok(have, dev)) return 0;
  /* Within a rule, the code object pinning more features is more specific. */
  long pinned = (have->xnack != CRK_FEATURE_ANY) + (have->sramecc != CRK_FEATURE_ANY);
  if (strcmp(have->processor, dev->processor) == 0) {
    if (kind) *kind = CRK_PICK_EXACT;
    return 3000000 + pinned;
  }
  const crk_processor *d = crk_processor_find(dev->processor);
  if (!d) return 0;
  if (d->generic && strcmp(have->processor, d->generic) == 0) {
    if (kind) *kind = CRK_PICK_GENERIC;
    return 2000000 + pinned;
  }
  const crk_processor *h = crk_processor_find(have->processor);
  if (!isa_ok || !h || h->isa_group == 0 || h->isa_group != d->isa_group || (h->features & ~d->features) != 0)
    return 0;
  long dist = labs(number(have->processor) - number(dev->processor));
  long same_sub = strncmp(have->processor, dev->processor, 6) == 0; /* gfx110x, gfx103x */
  if (kind) *kind = CRK_PICK_ISA;
  return 1000000 + popcount(h->features) * 100000 + same_sub * 10000 +
         (dist < 4096 ? 4096 - dist : 0) * 2 + pinned;
}

int crk_target_id_compatible(const crk_target_id *have, const crk_target_id *dev) {
  crk_pick_kind kind;
  return crk_pick_score(have, dev, 0, &kind) > 0 && kind == CRK_PICK_EXACT;
}
