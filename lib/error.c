/* error.c: see error.h. The message lives in thread-local storage so that
 * threads failing at once never see each other's text. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[CRK_ERROR_MAX];

crk_status crk_fail(crk_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
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
