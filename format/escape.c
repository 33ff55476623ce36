/* escape.c: see escape.h. */
#include "escape.h"

#include <stdio.h>

static int printable(unsigned char c) { return c >= 0x20 && c < 0x7f; }

const char *crk_escape(char *buf, size_t n, const char *s, size_t len) {
  size_t at = 0;
  if (n == 0) return buf;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (printable(c)) {
      if (at + 1 >= n) break;
      buf[at++] = (char)c;
    } else {
      if (at + 4 >= n) break;
      snprintf(buf + at, n - at, "\\x%02x", c);
      at += 4;
    }
  }
  buf[at] = '\0';
  return buf;
}

int crk_needs_escape(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!printable((unsigned char)s[i])) return 1;
  return 0;
}
