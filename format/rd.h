/* rd.h: read fixed-width integers from byte buffers, whatever the host's
 * endianness or the pointer's alignment. Callers check bounds first. */
#ifndef CRK_RD_H
#define CRK_RD_H

#include <stdint.h>

static inline uint64_t rd_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static inline uint64_t rd_be(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

#endif
