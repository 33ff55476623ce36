/* rng.c: deterministic test data (splitmix64), the same on every host. */
#include <math.h>

#include "ref.h"

void ref_rng_seed(ref_rng *r, uint64_t seed) { r->s = seed; }

uint64_t ref_rng_u64(ref_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* 24 random bits: every value is exact in float and below 1. */
float ref_rng_uniform(ref_rng *r) { return (float)(ref_rng_u64(r) >> 40) * 0x1p-24f; }

/* Box-Muller on two uniforms, the first kept away from 0. */
float ref_rng_normal(ref_rng *r) {
  const double u1 = ((double)(ref_rng_u64(r) >> 11) + 1.0) * 0x1p-53;
  const double u2 = (double)(ref_rng_u64(r) >> 11) * 0x1p-53;
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
