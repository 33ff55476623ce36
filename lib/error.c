/* error.c: see error.h. The message lives in thread-local storage so that
 * threads failing at once never see each other's text. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[CRK_ERROR_MAX];

/* Copies s to out (n bytes, NUL-terminated) with every byte outside
 * printable ASCII written as \xNN, as crk-dump prints names: messages
 * quote bytes of caller-supplied blobs (bundle entry ids), and a newline
 * or an escape sequence there must not reach a log or a terminal as such.
 * An escape that does not fit whole is left out. */
static void escape_into(char *out, size_t n, const char *s) {
  static const char hex[] = "0123456789abcdef";
  size_t w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    int plain = *p >= 0x20 && *p < 0x7f;
    if (w + (plain ? 1 : 4) >= n) break;
    if (plain) {
      out[w++] = (char)*p;
    } else {
      out[w++] = '\\';
      out[w++] = 'x';
      out[w++] = hex[*p >> 4];
      out[w++] = hex[*p & 15];
    }
  }
  out[w] = '\0';
}

crk_status crk_fail(crk_status s, const char *fmt, ...) {
  char raw[CRK_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  escape_into(last_error, sizeof last_error, raw);
  return s;
}

const char *crk_last_error(void) { return last_error; }

const char *crk_status_string(crk_status s) {
  switch (s) {
  case CRK_OK: return "CRK_OK";
  case CRK_ERR_INVALID_ARG: return "CRK_ERR_INVALID_ARG";
  case CRK_ERR_NO_RUNTIME: return "CRK_ERR_NO_RUNTIME";
  case CRK_ERR_NO_DEVICE: return "CRK_ERR_NO_DEVICE";
  case CRK_ERR_BAD_BLOB: return "CRK_ERR_BAD_BLOB";
  case CRK_ERR_ARCH_MISSING: return "CRK_ERR_ARCH_MISSING";
  case CRK_ERR_KERNEL_NOT_FOUND: return "CRK_ERR_KERNEL_NOT_FOUND";
  case CRK_ERR_RUNTIME: return "CRK_ERR_RUNTIME";
  case CRK_ERR_NO_MEMORY: return "CRK_ERR_NO_MEMORY";
  }
  return "CRK_ERR_UNKNOWN_STATUS";
}
