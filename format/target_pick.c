/* target_pick.c: see target_pick.h. */
#include "target_pick.h"

#include <stdlib.h>
#include <string.h>

/* Instruction features that split a family: code using one runs only on
 * processors that have it. */
enum {
  F_DOT = 1,  /* v_dot* int8 dot products (gfx906, gfx1011, gfx1012) */
  F_BVH = 2,  /* ray-tracing instructions (gfx1013) */
  F_SFLT = 4, /* SALU float instructions (gfx115x) */
};

/* The processors of each family (AMDGPU backend's processor table), with
 * the generic target that covers them and the ISA group they can share
 * code within (0: none). gfx900/902/909/90c have mad-mix, gfx904/906
 * fma-mix instead, so they are two groups; gfx908, gfx90a and gfx94x
 * differ in register files and share nothing. */
static const struct {
  const char *processor, *generic;
  int group;
  unsigned features;
} procs[] = {
  {"gfx900", "gfx9-generic", 1, 0},     {"gfx902", "gfx9-generic", 1, 0},
  {"gfx909", "gfx9-generic", 1, 0},     {"gfx90c", "gfx9-generic", 1, 0},
  {"gfx904", "gfx9-generic", 2, 0},     {"gfx906", "gfx9-generic", 2, F_DOT},
  {"gfx908", NULL, 0, 0},               {"gfx90a", NULL, 0, 0},
  {"gfx940", "gfx9-4-generic", 0, 0},   {"gfx941", "gfx9-4-generic", 0, 0},
  {"gfx942", "gfx9-4-generic", 0, 0},   {"gfx950", "gfx9-4-generic", 0, 0},
  {"gfx1010", "gfx10-1-generic", 3, 0}, {"gfx1011", "gfx10-1-generic", 3, F_DOT},
  {"gfx1012", "gfx10-1-generic", 3, F_DOT}, {"gfx1013", "gfx10-1-generic", 3, F_BVH},
  {"gfx1030", "gfx10-3-generic", 4, 0}, {"gfx1031", "gfx10-3-generic", 4, 0},
  {"gfx1032", "gfx10-3-generic", 4, 0}, {"gfx1033", "gfx10-3-generic", 4, 0},
  {"gfx1034", "gfx10-3-generic", 4, 0}, {"gfx1035", "gfx10-3-generic", 4, 0},
  {"gfx1036", "gfx10-3-generic", 4, 0},
  {"gfx1100", "gfx11-generic", 5, 0},   {"gfx1101", "gfx11-generic", 5, 0},
  {"gfx1102", "gfx11-generic", 5, 0},   {"gfx1103", "gfx11-generic", 5, 0},
  {"gfx1150", "gfx11-generic", 5, F_SFLT}, {"gfx1151", "gfx11-generic", 5, F_SFLT},
  {"gfx1152", "gfx11-generic", 5, F_SFLT}, {"gfx1153", "gfx11-generic", 5, F_SFLT},
  {"gfx1200", "gfx12-generic", 6, 0},   {"gfx1201", "gfx12-generic", 6, 0},
};
enum { NPROCS = sizeof procs / sizeof procs[0] };

static int find(const char *processor) {
  for (int i = 0; i < NPROCS; i++)
    if (strcmp(procs[i].processor, processor) == 0) return i;
  return -1;
}

const char *crk_generic_target_of(const char *processor) {
  int i = find(processor);
  return i < 0 ? NULL : procs[i].generic;
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
  int d = find(dev->processor);
  if (d < 0) return 0;
  if (procs[d].generic && strcmp(have->processor, procs[d].generic) == 0) {
    if (kind) *kind = CRK_PICK_GENERIC;
    return 2000000 + pinned;
  }
  int h = find(have->processor);
  if (!isa_ok || h < 0 || procs[h].group == 0 || procs[h].group != procs[d].group ||
      (procs[h].features & ~procs[d].features) != 0)
    return 0;
  long dist = labs(number(have->processor) - number(dev->processor));
  long same_sub = strncmp(have->processor, dev->processor, 6) == 0; /* gfx110x, gfx103x */
  if (kind) *kind = CRK_PICK_ISA;
  return 1000000 + popcount(procs[h].features) * 100000 + same_sub * 10000 +
         (dist < 4096 ? 4096 - dist : 0) * 2 + pinned;
}

int crk_target_id_compatible(const crk_target_id *have, const crk_target_id *dev) {
  crk_pick_kind kind;
  return crk_pick_score(have, dev, 0, &kind) > 0 && kind == CRK_PICK_EXACT;
}
