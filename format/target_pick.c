/* target_pick.c: see target_pick.h. */
#include "target_pick.h"

#include "processors.h"
#include "rd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int crk_target_id_parse(const char *s, size_t n, crk_target_id *out) {
  size_t i = 0;
  while (i < n && s[i] != ':') i++;
  if (i < 4 || i >= sizeof out->processor || memcmp(s, "gfx", 3) != 0) return -1;
  for (size_t k = 3; k < i; k++)
    if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '-')) return -1;
  memcpy(out->processor, s, i);
  out->processor[i] = '\0';
  out->xnack = out->sramecc = CRK_FEATURE_ANY;
  while (i < n) {
    size_t start = ++i; /* skip ':' */
    while (i < n && s[i] != ':') i++;
    size_t flen = i - start;
    if (flen < 2) return -1;
    char sign = s[start + flen - 1];
    if (sign != '+' && sign != '-') return -1;
    int *slot;
    if (flen - 1 == 5 && memcmp(s + start, "xnack", 5) == 0) slot = &out->xnack;
    else if (flen - 1 == 7 && memcmp(s + start, "sramecc", 7) == 0) slot = &out->sramecc;
    else return -1;
    if (*slot != CRK_FEATURE_ANY) return -1;
    *slot = sign == '+' ? CRK_FEATURE_ON : CRK_FEATURE_OFF;
  }
  return 0;
}

/* e_flags' feature fields: v3 has one bit each (set: on; clear cannot tell
 * off from any), v4 and later two bits (0 unsupported, 1 any, 2 off, 3 on). */
#define EF_XNACK_V3 0x100u
#define EF_SRAMECC_V3 0x200u
#define EF_XNACK_V4 0x300u
#define EF_SRAMECC_V4 0xc00u

static int feature_v4(uint32_t bits) {
  static const int map[4] = {CRK_FEATURE_UNSUPPORTED, CRK_FEATURE_ANY, CRK_FEATURE_OFF, CRK_FEATURE_ON};
  return map[bits & 3];
}

static const char *feature_suffix(int f, const char *on, const char *off) {
  return f == CRK_FEATURE_ON ? on : f == CRK_FEATURE_OFF ? off : "";
}

int crk_flags_target_decode(uint32_t e_flags, unsigned abiversion, crk_flags_target *out) {
  memset(out, 0, sizeof *out);
  out->mach = e_flags & 0xff;
  out->processor = crk_processor_name(out->mach);
  /* ELFABIVERSION_AMDGPU_HSA_V2..V6 are 0..4. */
  out->co_version = abiversion <= 4 ? (int)abiversion + 2 : -1;
  if (out->co_version >= 4) {
    out->xnack = feature_v4((e_flags & EF_XNACK_V4) >> 8);
    out->sramecc = feature_v4((e_flags & EF_SRAMECC_V4) >> 10);
  } else if (out->co_version == 3) {
    out->xnack = e_flags & EF_XNACK_V3 ? CRK_FEATURE_ON : CRK_FEATURE_ANY;
    out->sramecc = e_flags & EF_SRAMECC_V3 ? CRK_FEATURE_ON : CRK_FEATURE_ANY;
  } else {
    out->xnack = out->sramecc = CRK_FEATURE_ANY; /* v2 (or unknown): none recorded */
  }
  out->generic_version = out->co_version >= 6 ? e_flags >> 24 : 0;
  if (out->processor) snprintf(out->tid.processor, sizeof out->tid.processor, "%s", out->processor);
  else snprintf(out->tid.processor, sizeof out->tid.processor, "unknown-mach-0x%02x", out->mach);
  /* A target ID names a feature only where the processor has it. */
  out->tid.xnack = out->xnack == CRK_FEATURE_UNSUPPORTED ? CRK_FEATURE_ANY : out->xnack;
  out->tid.sramecc = out->sramecc == CRK_FEATURE_UNSUPPORTED ? CRK_FEATURE_ANY : out->sramecc;
  snprintf(out->text, sizeof out->text, "%s%s%s", out->tid.processor,
           feature_suffix(out->sramecc, ":sramecc+", ":sramecc-"), feature_suffix(out->xnack, ":xnack+", ":xnack-"));
  return out->processor ? 0 : -1;
}

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

int crk_flags_target_of_elf(const void *elf, size_t n, crk_flags_target *out) {
  const unsigned char *p = elf;
  if (n < 64) {
    crk_flags_target_decode(0, 0, out);
    return -1;
  }
  return crk_flags_target_decode((uint32_t)rd_le(p + 48, 4), p[8], out); /* e_flags, EI_ABIVERSION */
}

long crk_pick_score_as(const crk_target_id *have, const crk_target_id *dev, int isa_ok, int query,
                       crk_pick_kind *kind) {
  crk_target_id d = *dev;
  if (query && d.xnack == CRK_FEATURE_ANY) d.xnack = have->xnack;
  if (query && d.sramecc == CRK_FEATURE_ANY) d.sramecc = have->sramecc;
  return crk_pick_score(have, &d, isa_ok, kind);
}

int crk_pick_best(const crk_target_id *first, size_t n, size_t stride, const unsigned char *usable,
                  const crk_target_id *dev, int isa_ok, int query, crk_pick_kind *kind, long *score) {
  int best = -1;
  long best_score = 0;
  crk_pick_kind best_kind = CRK_PICK_NONE;
  for (size_t i = 0; i < n; i++) {
    if (usable && !usable[i]) continue;
    const crk_target_id *have = (const crk_target_id *)(const void *)((const char *)first + i * stride);
    crk_pick_kind k;
    long s = crk_pick_score_as(have, dev, isa_ok, query, &k);
    if (s > best_score) best = (int)i, best_score = s, best_kind = k;
  }
  if (kind) *kind = best_kind;
  if (score) *score = best_score;
  return best;
}

int crk_target_id_compatible(const crk_target_id *have, const crk_target_id *dev) {
  crk_pick_kind kind;
  return crk_pick_score(have, dev, 0, &kind) > 0 && kind == CRK_PICK_EXACT;
}
